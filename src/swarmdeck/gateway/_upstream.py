"""Send a call to the first deployment that answers: retries, backoff, circuits, fallbacks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import aiohttp

from swarmdeck.core.errors import BadGateway, Unavailable
from swarmdeck.gateway._routing import Deployment, ModelRoute
from swarmdeck.gateway.config import RoutingConfig
from swarmdeck.gateway.providers import Operation

RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})
# The provider refused SwarmDeck's own credentials or quota: another deployment may work.
DEPLOYMENT_FAULTS = frozenset({401, 402, 403})


class UpstreamFailed(BadGateway):
    """No deployment answered (a 502 at the API); `details` lists what each attempt got."""

    type = "upstream_error"


class NoDeployment(Unavailable):
    """Every deployment's circuit is open or over its rpm (a 503 at the API)."""

    type = "no_deployment"


@dataclass(slots=True)
class UpstreamResponse:
    """An answer with a 2xx status, or the provider's own client error to pass back."""

    response: aiohttp.ClientResponse
    route: ModelRoute
    deployment: Deployment
    started: float
    attempts: int

    @property
    def ok(self) -> bool:
        return self.response.status < 400


BodyFor = Callable[[ModelRoute, Deployment], bytes]
"""Builds the upstream body for one deployment (its wire format and model name)."""
Admit = Callable[[Deployment], Awaitable[bool]]
"""Whether a deployment has room under its own rpm/tpm now (and counts the request)."""


def retry_after_seconds(header: str | None) -> float | None:
    """A `retry-after` header as seconds: delta-seconds or an HTTP date."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Dispatcher:
    """Owns the HTTP client session every upstream call goes through."""

    def __init__(self, routing: RoutingConfig, session: aiohttp.ClientSession) -> None:
        self.routing = routing
        self.session = session

    async def send(
        self,
        plan: list[tuple[ModelRoute, list[Deployment]]],
        body_for: BodyFor,
        *,
        operation: Operation = "chat",
        stream: bool = False,
        admit: Admit | None = None,
    ) -> UpstreamResponse:
        """The first usable answer along `plan`; raise UpstreamFailed or NoDeployment."""
        failures: list[dict[str, object]] = []
        attempts = 0
        tried = False
        for route, deployments in plan:
            for deployment in deployments:
                if admit is not None and not await admit(deployment):
                    failures.append({"deployment": deployment.id, "error": "at its rpm/tpm"})
                    continue
                if not deployment.breaker.allow():
                    continue
                tried = True
                request = deployment.provider.request(operation, body_for(route, deployment))
                for attempt in range(self.routing.retries + 1):
                    attempts += 1
                    started = time.perf_counter()
                    try:
                        response = await self.session.request(
                            request.method,
                            request.url,
                            data=request.body,
                            headers=request.headers,
                            timeout=_timeout(request.timeout, stream),
                        )
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                        deployment.record(ok=False, latency_ms=_ms(started), error=reason)
                        failures.append({"deployment": deployment.id, "error": reason})
                        await asyncio.sleep(self.routing.backoff * 2**attempt)
                        continue
                    status = response.status
                    if status < 400:
                        return UpstreamResponse(response, route, deployment, started, attempts)
                    if status not in RETRYABLE and status not in DEPLOYMENT_FAULTS:
                        # The request itself is wrong: another deployment would refuse it too.
                        deployment.record(ok=True, latency_ms=_ms(started))
                        return UpstreamResponse(response, route, deployment, started, attempts)
                    text = (await response.read())[:500].decode("utf-8", "replace")
                    response.release()
                    deployment.record(ok=False, latency_ms=_ms(started), error=f"HTTP {status}")
                    failures.append({"deployment": deployment.id, "status": status, "body": text})
                    if status in DEPLOYMENT_FAULTS:
                        break
                    wait = retry_after_seconds(response.headers.get("retry-after"))
                    if wait is not None and wait > self.routing.max_retry_after:
                        break  # the provider asks for longer than we wait: fail over now
                    if attempt < self.routing.retries:
                        await asyncio.sleep(
                            wait if wait is not None else self.routing.backoff * 2**attempt
                        )
        if not tried:
            raise NoDeployment(
                "no deployment can take the call now (circuits open or rpm/tpm reached)",
                details={"models": [route.alias for route, _ in plan], "attempts": failures},
            )
        raise UpstreamFailed(
            f"every deployment failed after {attempts} attempts", details={"attempts": failures}
        )


def _timeout(total: float, stream: bool) -> aiohttp.ClientTimeout:
    # A stream may legitimately run long: bound the wait for each read instead of the whole.
    if stream:
        return aiohttp.ClientTimeout(total=None, connect=30.0, sock_read=total)
    return aiohttp.ClientTimeout(total=total, connect=30.0)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
