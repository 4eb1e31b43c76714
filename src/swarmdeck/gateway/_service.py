"""The gateway: one call from admission to ledger.

client -> rate limits -> cache (exact, then semantic) -> budget reservation (worst case)
-> deployments in order (retries, circuits, fallbacks) -> answer, translated when the
client and provider speak different formats -> price, settle, ledger, cache, alerts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import aiohttp
import orjson
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from swarmdeck.core.errors import InvalidInput, SwarmDeckError, status_code
from swarmdeck.core.models import utcnow, uuid7
from swarmdeck.core.telemetry import tracer
from swarmdeck.costs.budgets import Attribution, BudgetExceeded, Budgets, Reservation
from swarmdeck.costs.usage import CacheOutcome, CallRecord, CallStatus, Usage
from swarmdeck.gateway import wire
from swarmdeck.gateway._calls import Answer, ChatCall
from swarmdeck.gateway._estimate import input_token_bound, output_token_bound
from swarmdeck.gateway._ratelimit import RateLimiter
from swarmdeck.gateway._relay import StreamRelay, replay
from swarmdeck.gateway._routing import Deployment, ModelRoute, Router
from swarmdeck.gateway._telemetry import GatewayMetrics, annotate_answered
from swarmdeck.gateway._upstream import BodyFor, Dispatcher, UpstreamFailed, UpstreamResponse
from swarmdeck.gateway.cache import CacheHit, ResponseCache
from swarmdeck.gateway.config import GatewayConfig
from swarmdeck.gateway.providers import Operation

log = logging.getLogger(__name__)

SSE_HEADERS = {"content-type": "text/event-stream", "cache-control": "no-cache"}
JSON_HEADERS = {"content-type": "application/json"}


class ModelUnpriced(InvalidInput):
    """No price is known for any deployment of the model and no default applies (422)."""

    type = "model_unpriced"


class PriceBookLike(Protocol):
    def price(
        self, *, provider: str | None, alias: str, model: str, usage: Usage
    ) -> Decimal | None: ...

    def worst_case(
        self, *, provider: str | None, alias: str, model: str, input_tokens: int, output_tokens: int
    ) -> Decimal | None: ...

    def source(self, *, provider: str | None, alias: str, model: str) -> str | None: ...


class LedgerLike(Protocol):
    def record(self, call: CallRecord) -> None: ...


class AlertsLike(Protocol):
    def poke(self) -> None: ...

    def notify(
        self,
        kind: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None: ...


@dataclass(slots=True)
class _Flight:
    """A call between its reservation and its settlement."""

    call: ChatCall
    started: float
    span: Span
    reservation: Reservation
    limit_headers: dict[str, str]
    id: str = field(default_factory=lambda: str(uuid7()))
    """The ledger row's id, known up front so answers can name it (`x-swarmdeck-call-id`)."""


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        router: Router,
        *,
        budgets: Budgets,
        limiter: RateLimiter,
        prices: PriceBookLike,
        ledger: LedgerLike,
        cache: ResponseCache | None = None,
        alerts: AlertsLike | None = None,
    ) -> None:
        self.config = config
        self.router = router
        self.budgets = budgets
        self.limiter = limiter
        self.prices = prices
        self.ledger = ledger
        self.cache = cache
        self.alerts = alerts
        self.metrics = GatewayMetrics()
        # A proxy until a provider is installed, so it may be kept: looking the tracer up
        # per call reads the environment each time.
        self._tracer = tracer()
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: Dispatcher | None = None
        self._finishing: set[asyncio.Task[None]] = set()
        self._deployment_limits = any(
            d.rpm or d.tpm for route in router.routes.values() for d in route.deployments
        )

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
            trust_env=False,
            skip_auto_headers=("User-Agent",),
        )
        self._dispatcher = Dispatcher(self.router.routing, self._session)
        if self.cache is not None:
            self.cache.start()  # loads the embedding model in the background

    @property
    def _dispatch(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("Gateway.start() was not awaited")
        return self._dispatcher

    async def aclose(self) -> None:
        if self._finishing:
            await asyncio.wait(set(self._finishing), timeout=5)
        if self._session is not None:
            await self._session.close()
        if self.cache is not None:
            await self.cache.aclose()
        await self.limiter.aclose()

    # -- chat ------------------------------------------------------------------------------

    async def chat(self, call: ChatCall) -> Answer:
        """Answer one chat call (OpenAI or Anthropic format), from cache or a provider."""
        started = time.perf_counter()
        chain = self.router.chain(call.alias)
        span = self._tracer.start_span(
            f"chat {call.alias}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": call.alias,
                "swarmdeck.client_format": call.format,
                **_optional_attributes(call),
            },
        )
        try:
            limit_headers = await self.limiter.admit(call.who)
            if self.cache is not None and call.cache_mode != "off":
                hit = await self.cache.lookup(_namespace(call), call.body, mode=call.cache_mode)
                if hit is not None:
                    return self._from_cache(call, hit, started, span, limit_headers)
                self.metrics.cache.add(1, {"outcome": "miss"})
            plan, worst = self._plan(call, chain)
            reservation = await self.budgets.reserve(call.who, worst)
        except SwarmDeckError as exc:
            self._refused(call, exc, started, span)
            raise
        flight = _Flight(call, started, span, reservation, limit_headers)
        upstream = await self._send(
            flight,
            plan,
            lambda route, deployment: self._upstream_body(call, route, deployment),
            stream=call.stream,
        )
        if not upstream.ok:
            return await self._provider_refused(flight, upstream)
        if call.stream:
            headers = {
                **SSE_HEADERS,
                **limit_headers,
                **_served(upstream),
                "x-swarmdeck-call-id": flight.id,
            }
            return Answer(200, headers, stream=self._relay(flight, upstream))
        return await self._complete(flight, upstream)

    def _plan(
        self, call: ChatCall, chain: list[ModelRoute], *, embeddings: bool = False
    ) -> tuple[list[tuple[ModelRoute, list[Deployment]]], Decimal]:
        """Deployments to try, and the worst case over all of them to reserve."""
        input_bound = input_token_bound(call.body)
        worst: Decimal | None = None
        plan = []
        for route in chain:
            output_bound = (
                0
                if embeddings
                else output_token_bound(
                    call.body,
                    model_cap=route.config.max_output_tokens,
                    default_cap=self.config.max_output_tokens,
                )
            )
            priced = []
            for deployment in self.router.order(route):
                if embeddings and deployment.provider.type != "openai":
                    continue  # the Messages API has no embeddings
                cost = self.prices.worst_case(
                    provider=deployment.provider.name,
                    alias=route.alias,
                    model=deployment.model,
                    input_tokens=input_bound,
                    output_tokens=output_bound,
                )
                if cost is None:
                    continue  # unpriced and the config says refuse: never call it
                priced.append(deployment)
                worst = cost if worst is None or cost > worst else worst
            plan.append((route, priced))
        if worst is None:
            raise ModelUnpriced(
                f"no price is known for model {call.alias!r}; set models[].price in the "
                "config, or gateway.unpriced: default with a default_price",
                details={"model": call.alias},
            )
        return plan, worst

    async def embeddings(
        self, alias: str, body: dict[str, Any], who: Attribution, *, agent: str | None = None
    ) -> Answer:
        """Embeddings through OpenAI-wire deployments, priced and ledgered like chat."""
        call = ChatCall("openai", body, alias, who, agent=agent, cache_mode="off")
        started = time.perf_counter()
        chain = self.router.chain(alias)
        span = self._tracer.start_span(
            f"embeddings {alias}",
            kind=trace.SpanKind.CLIENT,
            attributes={"gen_ai.operation.name": "embeddings", "gen_ai.request.model": alias},
        )
        try:
            limit_headers = await self.limiter.admit(who)
            plan, worst = self._plan(call, chain, embeddings=True)
            reservation = await self.budgets.reserve(who, worst)
        except SwarmDeckError as exc:
            self._refused(call, exc, started, span)
            raise
        flight = _Flight(call, started, span, reservation, limit_headers)
        upstream = await self._send(
            flight,
            plan,
            lambda _route, deployment: orjson.dumps({**body, "model": deployment.model}),
            operation="embeddings",
        )
        if not upstream.ok:
            return await self._provider_refused(flight, upstream)
        return await self._complete(flight, upstream, operation="embeddings")

    async def _send(
        self,
        flight: _Flight,
        plan: list[tuple[ModelRoute, list[Deployment]]],
        body_for: BodyFor,
        *,
        operation: Operation = "chat",
        stream: bool = False,
    ) -> UpstreamResponse:
        """Dispatch along the plan; a call that reaches no provider gives its reservation back."""
        try:
            return await self._dispatch.send(
                plan,
                body_for,
                operation=operation,
                stream=stream,
                admit=self.limiter.deployment_admits if self._deployment_limits else None,
            )
        except BaseException as exc:
            await flight.reservation.release()
            self._ledger(flight, None, Usage(), Decimal(0), status="error", error=exc)
            _end_span(flight.span, error=exc)
            raise

    def _upstream_body(self, call: ChatCall, route: ModelRoute, deployment: Deployment) -> bytes:
        provider = deployment.provider.type
        if call.format == provider:
            body = dict(call.body)
            body["model"] = deployment.model
            if provider == "openai" and call.stream:
                # Always ask for usage, so streamed calls are priced; the usage chunk is
                # held back from clients that did not ask for it.
                body["stream_options"] = {
                    **(body.get("stream_options") or {}),
                    "include_usage": True,
                }
        elif provider == "anthropic":
            body = wire.openai_to_anthropic_request(
                call.body,
                model=deployment.model,
                default_max_tokens=route.config.max_output_tokens or self.config.max_output_tokens,
            )
        else:
            body = wire.anthropic_to_openai_request(call.body, model=deployment.model)
        return orjson.dumps(body)

    async def _complete(
        self, flight: _Flight, upstream: UpstreamResponse, *, operation: str = "chat"
    ) -> Answer:
        call = flight.call
        try:
            raw = await upstream.response.read()
            data = orjson.loads(raw)
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
            await flight.reservation.release()
            self._ledger(flight, upstream, Usage(), Decimal(0), status="error", error=exc)
            _end_span(flight.span, error=exc)
            raise _upstream_broke(exc) from None
        finally:
            upstream.response.release()
        provider = upstream.deployment.provider.type
        usage = (wire.usage_from_openai if provider == "openai" else wire.usage_from_anthropic)(
            data.get("usage")
        )
        if call.format == provider:
            body, out = raw, data
        else:
            out = (
                wire.anthropic_to_openai_response(data, alias=call.alias)
                if call.format == "openai"
                else wire.openai_to_anthropic_response(data, alias=call.alias)
            )
            body = orjson.dumps(out)
        cost = await self._settle(flight, upstream, usage, operation=operation, answer=out)
        if self.cache is not None and call.cache_mode != "off":
            await self.cache.store(_namespace(call), call.body, out, usage, cost)
        headers = {**JSON_HEADERS, **flight.limit_headers, **_served(upstream)}
        headers["x-swarmdeck-cache"] = "miss" if self._caching(call) else "off"
        headers["x-swarmdeck-call-id"] = flight.id
        headers["x-swarmdeck-cost-usd"] = str(cost)
        return Answer(200, headers, body=body)

    async def _provider_refused(self, flight: _Flight, upstream: UpstreamResponse) -> Answer:
        """The provider said the request is wrong: pass its error on in the client's format."""
        status = upstream.response.status
        try:
            raw = await upstream.response.read()
        finally:
            upstream.response.release()
        try:
            parsed: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = raw.decode("utf-8", "replace")
        body = wire.translate_error_body(
            parsed, upstream.deployment.provider.type, flight.call.format, status
        )
        await flight.reservation.release()
        self._ledger(flight, upstream, Usage(), Decimal(0), status="error", status_code=status)
        flight.span.set_attribute("error.type", str(status))
        flight.span.set_status(Status(StatusCode.ERROR))
        flight.span.end()
        return Answer(status, {**JSON_HEADERS, **_served(upstream)}, body=orjson.dumps(body))

    # -- streams ---------------------------------------------------------------------------

    async def _relay(self, flight: _Flight, upstream: UpstreamResponse) -> AsyncIterator[bytes]:
        """Forward the provider's stream, translating when needed, and settle at the end."""
        call = flight.call
        relay = StreamRelay(call, upstream.deployment.provider.type, self._caching(call))
        error: BaseException | None = None
        try:
            async for chunk in upstream.response.content.iter_any():
                out = relay.feed(chunk)
                if out:
                    relay.mark_first_byte()
                    yield out
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = exc
            yield relay.error_event("the provider's stream broke off")
        finally:
            upstream.response.release()
            task = asyncio.get_running_loop().create_task(
                self._finish_stream(flight, upstream, relay, error)
            )
            self._finishing.add(task)
            task.add_done_callback(self._finishing.discard)
            # Shielded: a client that hangs up mid-stream cancels us, not the settlement.
            await asyncio.shield(task)

    async def _finish_stream(
        self,
        flight: _Flight,
        upstream: UpstreamResponse,
        relay: StreamRelay,
        error: BaseException | None,
    ) -> None:
        try:
            usage = relay.usage()
            if usage is None:
                # Cut off before the provider reported usage: charge the worst case held.
                cost = _micros_to_usd(flight.reservation.micros)
                await flight.reservation.settle(cost)
                self._ledger(
                    flight, upstream, Usage(), cost, status="error", error=error, ttft=relay.ttft
                )
                _end_span(flight.span, error=error or RuntimeError("stream ended early"))
                return
            cost = await self._settle(flight, upstream, usage, ttft=relay.ttft, streamed=True)
            answer = relay.assembled()
            if answer is not None and error is None and self.cache is not None:
                await self.cache.store(
                    _namespace(flight.call), flight.call.body, answer, usage, cost
                )
        except Exception:
            log.exception("could not settle a streamed call")

    def _caching(self, call: ChatCall) -> bool:
        return self.cache is not None and call.cache_mode != "off"

    # -- cache hits ------------------------------------------------------------------------

    def _from_cache(
        self,
        call: ChatCall,
        hit: CacheHit,
        started: float,
        span: Span,
        limit_headers: dict[str, str],
    ) -> Answer:
        kind: CacheOutcome = hit.kind
        self.metrics.cache.add(1, {"outcome": kind})
        self.metrics.saved.add(float(hit.cost_usd), {"gen_ai.request.model": call.alias})
        record = call_record(call, started, saved=hit.cost_usd, cache=kind)
        self.ledger.record(record)
        span.set_attribute("swarmdeck.cache", kind)
        span.set_attribute("swarmdeck.saved_usd", float(hit.cost_usd))
        span.end()
        headers = {
            **limit_headers,
            "x-swarmdeck-cache": kind,
            "x-swarmdeck-call-id": record.id,
            "x-swarmdeck-cost-usd": "0",
        }
        if not call.stream:
            return Answer(200, {**JSON_HEADERS, **headers}, body=orjson.dumps(hit.response))
        return Answer(200, {**SSE_HEADERS, **headers}, stream=replay(call, hit.response))

    # -- settlement ------------------------------------------------------------------------

    async def _settle(
        self,
        flight: _Flight,
        upstream: UpstreamResponse,
        usage: Usage,
        *,
        ttft: float | None = None,
        streamed: bool = False,
        operation: str = "chat",
        answer: dict[str, Any] | None = None,
    ) -> Decimal:
        call, deployment = flight.call, upstream.deployment
        alias = upstream.route.alias
        cost = self.prices.price(
            provider=deployment.provider.name, alias=alias, model=deployment.model, usage=usage
        )
        if cost is None:  # priced at planning time, so only a price-table change lands here
            cost = _micros_to_usd(flight.reservation.micros)
        await flight.reservation.settle(cost)
        await self.limiter.consume_tokens(call.who, usage.total_tokens)
        if deployment.tpm:
            await self.limiter.consume_deployment_tokens(deployment, usage.total_tokens)
        self._ledger(
            flight,
            upstream,
            usage,
            cost,
            status="ok",
            ttft=ttft,
            streamed=streamed,
            operation=operation,
        )
        self._observe(flight, upstream, usage, cost, ttft, answer, operation)
        if self.alerts is not None:
            self.alerts.poke()
            if (
                self.prices.source(
                    provider=deployment.provider.name, alias=alias, model=deployment.model
                )
                == "default"
            ):
                self.alerts.notify(
                    "unpriced_model",
                    f"model {alias!r} ({deployment.model} at {deployment.provider.name}) has no "
                    "known price; calls are priced with gateway.default_price",
                    details={"model": alias, "deployment_model": deployment.model},
                    key=alias,
                )
        return cost

    def _observe(
        self,
        flight: _Flight,
        upstream: UpstreamResponse,
        usage: Usage,
        cost: Decimal,
        ttft: float | None,
        answer: dict[str, Any] | None = None,
        operation: str = "chat",
    ) -> None:
        deployment = upstream.deployment
        deployment.record(ok=True, latency_ms=(time.perf_counter() - upstream.started) * 1000)
        self.metrics.answered(
            operation=operation,
            provider_type=deployment.provider.type,
            alias=flight.call.alias,
            model=deployment.model,
            seconds=time.perf_counter() - flight.started,
            usage=usage,
            cost=cost,
            ttft_ms=ttft,
        )
        annotate_answered(
            flight.span,
            deployment=deployment,
            usage=usage,
            cost=cost,
            cache="miss" if self._caching(flight.call) else "off",
            prompt=flight.call.body.get("messages") if self.config.capture_prompts else None,
            answer=answer if self.config.capture_prompts else None,
        )

    def _ledger(
        self,
        flight: _Flight,
        upstream: UpstreamResponse | None,
        usage: Usage,
        cost: Decimal,
        *,
        status: CallStatus,
        status_code: int | None = None,
        error: BaseException | None = None,
        ttft: float | None = None,
        streamed: bool = False,
        operation: str = "chat",
    ) -> None:
        call = flight.call
        deployment = upstream.deployment if upstream is not None else None
        served = upstream.route.alias if upstream is not None else call.alias
        self.ledger.record(
            call_record(
                call,
                flight.started,
                id=flight.id,
                alias=served,
                provider=deployment.provider.name if deployment else None,
                model=deployment.model if deployment else None,
                usage=usage,
                cost=cost,
                status=status,
                status_code=status_code or (200 if status == "ok" else _status_of(error)),
                error_type=_error_type(error) if error is not None else None,
                cache="miss" if self._caching(call) else "off",
                ttft=ttft,
                streamed=streamed,
                operation=operation,
            )
        )

    def _refused(self, call: ChatCall, exc: SwarmDeckError, started: float, span: Span) -> None:
        """Budget, rate-limit and unknown-model refusals are ledgered too (at $0)."""
        self.metrics.refusals.add(1, {"reason": exc.type})
        if isinstance(exc, BudgetExceeded) and self.alerts is not None:
            budget = (exc.details or {}).get("budget", {})
            self.alerts.notify(
                "budget_exceeded",
                exc.message,
                details=exc.details,
                key=":".join(str(budget.get(part)) for part in ("scope", "name", "window")),
            )
        self.ledger.record(
            call_record(
                call, started, status="refused", status_code=_status_of(exc), error_type=exc.type
            )
        )
        _end_span(span, error=exc)


def _namespace(call: ChatCall) -> str:
    return f"{call.format}:{call.alias}"


def _served(upstream: UpstreamResponse) -> dict[str, str]:
    return {
        "x-swarmdeck-model": upstream.route.alias,
        "x-swarmdeck-provider": upstream.deployment.provider.name,
    }


def _optional_attributes(call: ChatCall) -> dict[str, str]:
    found = {}
    if call.who.swarm:
        found["swarmdeck.swarm"] = call.who.swarm
    if call.agent:
        found["gen_ai.agent.name"] = call.agent
    if call.who.user:
        found["enduser.id"] = call.who.user
    return found


def _micros_to_usd(micros: int) -> Decimal:
    return Decimal(micros) / Decimal(1_000_000)


def _status_of(error: BaseException | None) -> int:
    return status_code(error) if isinstance(error, SwarmDeckError) else 502


def _error_type(error: BaseException) -> str:
    return error.type if isinstance(error, SwarmDeckError) else type(error).__name__


def _upstream_broke(exc: BaseException) -> SwarmDeckError:
    return UpstreamFailed(f"the provider's answer broke off: {type(exc).__name__}")


def _end_span(span: Span, *, error: BaseException | None) -> None:
    if error is not None:
        span.set_attribute("error.type", _error_type(error))
        span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
    span.end()


def call_record(
    call: ChatCall,
    started: float,
    *,
    id: str | None = None,
    alias: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    usage: Usage | None = None,
    cost: Decimal = Decimal(0),
    saved: Decimal = Decimal(0),
    status: CallStatus = "ok",
    status_code: int = 200,
    error_type: str | None = None,
    cache: CacheOutcome = "off",
    ttft: float | None = None,
    streamed: bool = False,
    operation: str = "chat",
) -> CallRecord:
    """The ledger row for a call: answered, refused, failed or served from cache."""
    served = alias or call.alias
    return CallRecord(
        id=id or str(uuid7()),
        at=utcnow(),
        provider=provider,
        alias=served,
        model=model,
        usage=usage or Usage(),
        cost_usd=cost,
        saved_usd=saved,
        key_id=call.who.key_id,
        user=call.who.user,
        swarm=call.who.swarm,
        agent=call.agent,
        status=status,
        status_code=status_code,
        error_type=error_type,
        cache=cache,
        latency_ms=(time.perf_counter() - started) * 1000,
        ttft_ms=ttft,
        streamed=streamed or call.stream,
        operation=operation,
        attributes={"requested_model": call.alias} if served != call.alias else {},
    )
