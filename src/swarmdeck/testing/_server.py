"""The fake provider's HTTP server: routes, auth, faults and streaming, over aiohttp."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol

import orjson
from aiohttp import web

from swarmdeck.testing import _anthropic, _openai
from swarmdeck.testing._openai import BadRequest
from swarmdeck.testing._script import Answer, Fault, RecordedRequest, Script, echo

_SCRIPT = web.AppKey("script", Script)
_ids = itertools.count(1)


class _Wire(Protocol):
    def error(self, status: int, message: str) -> dict[str, Any]: ...

    def deny(
        self, headers: Mapping[str, str], api_key: str
    ) -> tuple[int, dict[str, Any]] | None: ...


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def _drop(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


async def _read(request: web.Request, script: Script) -> Any:
    raw = await request.read()
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = raw
    script.log(request.method, request.path, request.headers.items(), body)
    if script.latency:
        await asyncio.sleep(script.latency)
    return body


async def _guard(
    request: web.Request, wire: _Wire, script: Script, body: Any
) -> tuple[web.StreamResponse | None, Fault | None]:
    """Auth, then the next scripted fault: a response to send instead, or the fault to apply."""
    if denied := wire.deny(request.headers, script.api_key):
        return _json(*denied), None
    fault = script.take_fault(body.get("model") if isinstance(body, dict) else None)
    if fault is None:
        return None, None
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.status is not None:
        headers = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
        return _json(fault.status, wire.error(fault.status, fault.message), headers), None
    if fault.drop_after is not None and not (isinstance(body, dict) and body.get("stream")):
        _drop(request)
        return web.Response(status=500), None  # never reaches the client
    return None, fault


async def _stream(
    request: web.Request, events: list[bytes], fault: Fault | None, headers: dict[str, str]
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **headers})
    response.headers["Cache-Control"] = "no-cache"
    await response.prepare(request)
    if fault is not None and fault.delay_first_byte:
        await asyncio.sleep(fault.delay_first_byte)
    limit = fault.drop_after if fault is not None else None
    for sent, event in enumerate(events):
        if limit is not None and sent >= limit:
            _drop(request)
            return response
        await response.write(event)
    await response.write_eof()
    return response


def _generation(
    wire: _Wire,
    id_header: str,
    id_prefix: str,
    parse: Callable[[Any, Script], tuple[dict[str, Any], Answer]],
    whole: Callable[[str, Answer, str], dict[str, Any]],
    streamed: Callable[[dict[str, Any], str, Answer, str], list[bytes]],
) -> Callable[[web.Request], Any]:
    async def handle(request: web.Request) -> web.StreamResponse:
        script = request.app[_SCRIPT]
        body = await _read(request, script)
        refusal, fault = await _guard(request, wire, script, body)
        if refusal is not None:
            return refusal
        try:
            body, answer = parse(body, script)
        except BadRequest as exc:
            return _json(400, wire.error(400, str(exc)))
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            # A shape the real APIs would refuse too: a 400, never a crash (a 500 would
            # count against the gateway's circuit breaker as a provider failure).
            return _json(400, wire.error(400, f"invalid request: {exc}"))
        request_id = f"{id_prefix}{os.getpid():x}{next(_ids):012x}"
        headers = {id_header: f"req_{request_id}"}
        model = str(body["model"])
        if body.get("stream"):
            return await _stream(request, streamed(body, model, answer, request_id), fault, headers)
        return _json(200, whole(model, answer, request_id), headers)

    return handle


_openai_chat = _generation(
    _openai,
    "x-request-id",
    "chatcmpl-",
    _openai.chat_answer,
    _openai.completion,
    _openai.chunks,
)
_anthropic_messages = _generation(
    _anthropic,
    "request-id",
    "msg_",
    _anthropic.message_answer,
    _anthropic.message,
    lambda _body, model, answer, rid: _anthropic.events(model, answer, rid),
)


async def _openai_embeddings(request: web.Request) -> web.StreamResponse:
    script = request.app[_SCRIPT]
    body = await _read(request, script)
    refusal, _ = await _guard(request, _openai, script, body)
    if refusal is not None:
        return refusal
    try:
        return _json(200, _openai.embeddings(body, script))
    except BadRequest as exc:
        return _json(400, _openai.error(400, str(exc)))


async def _models(request: web.Request) -> web.StreamResponse:
    """OpenAI's list, or Anthropic's when the caller sends `anthropic-version`."""
    script = request.app[_SCRIPT]
    await _read(request, script)
    wire: _Wire = _anthropic if "anthropic-version" in request.headers else _openai
    if denied := wire.deny(request.headers, script.api_key):
        return _json(*denied)
    return _json(200, (_anthropic if wire is _anthropic else _openai).models(script))


async def _health(_request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok")


def build_app(script: Script) -> web.Application:
    """The aiohttp application serving `script`."""
    app = web.Application(client_max_size=64 * 1024**2)
    app[_SCRIPT] = script
    app.router.add_post("/v1/chat/completions", _openai_chat)
    app.router.add_post("/v1/embeddings", _openai_embeddings)
    app.router.add_get("/v1/models", _models)
    app.router.add_post("/v1/messages", _anthropic_messages)
    app.router.add_get("/health", _health)
    return app


class FakeProvider:
    """The fake provider in the current event loop, on a free loopback port.

    Settings are plain attributes a test may change at any time: `reply` (last user
    text -> reply text), `latency` (seconds added before every answer), `cached_tokens`
    and `reasoning_tokens` (reported in usage), `models`. `requests` is the log.
    """

    def __init__(
        self,
        api_key: str = "sk-fake",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        reply: Callable[[str], str] = echo,
        latency: float = 0.0,
        cached_tokens: int = 0,
        reasoning_tokens: int = 0,
        record: bool = True,
    ) -> None:
        self.script = Script(
            api_key=api_key,
            reply=reply,
            latency=latency,
            cached_tokens=cached_tokens,
            reasoning_tokens=reasoning_tokens,
            record=record,
        )
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_key(self) -> str:
        return self.script.api_key

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        return self.script.requests

    @property
    def reply(self) -> Callable[[str], str]:
        """The reply to the last user text."""
        return self.script.reply

    @reply.setter
    def reply(self, value: Callable[[str], str]) -> None:
        self.script.reply = value

    @property
    def latency(self) -> float:
        """Seconds added before every answer."""
        return self.script.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self.script.latency = value

    @property
    def cached_tokens(self) -> int:
        """Cached input tokens reported in usage."""
        return self.script.cached_tokens

    @cached_tokens.setter
    def cached_tokens(self, value: int) -> None:
        self.script.cached_tokens = value

    @property
    def reasoning_tokens(self) -> int:
        """Reasoning tokens reported (and billed as output)."""
        return self.script.reasoning_tokens

    @reasoning_tokens.setter
    def reasoning_tokens(self, value: int) -> None:
        self.script.reasoning_tokens = value

    @property
    def models(self) -> list[str]:
        """What `GET /v1/models` lists."""
        return self.script.models

    @models.setter
    def models(self, value: list[str]) -> None:
        self.script.models = value

    def fault(self, fault: Fault, times: int = 1) -> None:
        """Queue `fault` for the next `times` matching requests."""
        self.script.faults.extend([fault] * times)

    def fail(
        self,
        status: int,
        *,
        message: str = "scripted fault",
        retry_after: float | None = None,
        model: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with `status` in the provider's format."""
        self.fault(
            Fault(status=status, message=message, retry_after=retry_after, model=model), times
        )

    def clear(self) -> None:
        """Forget logged requests and queued faults."""
        self.script.requests.clear()
        self.script.faults.clear()

    def calls(self, path: str) -> list[RecordedRequest]:
        """The logged requests to `path` (e.g. `/v1/chat/completions`)."""
        return [r for r in self.script.requests if r.path == path]

    async def start(self) -> None:
        """Listen on the loopback port; `url` is set once this returns."""
        runner = web.AppRunner(build_app(self.script), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeProvider:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
