"""Request context for every HTTP request and WebSocket: a request id, metrics, an access log.

A pure ASGI middleware (no BaseHTTPMiddleware), since it sits on the gateway's hot path.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, Final

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swarmdeck.core.logs import request_id
from swarmdeck.core.telemetry import meter

__all__ = ["REQUEST_ID_HEADER", "UNMATCHED_ROUTE", "RequestContextMiddleware"]

REQUEST_ID_HEADER: Final = "x-request-id"
UNMATCHED_ROUTE: Final = "<unmatched>"
"""The `http.route` of a request no route matched, so unknown URLs add one series, not many."""

_HEADER = REQUEST_ID_HEADER.encode("latin-1")
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
# The OTel HTTP semantic conventions' bucket boundaries for http.server.request.duration.
_DURATION_BUCKETS: Final = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    7.5,
    10.0,
)
# Other methods are reported as _OTHER, as the conventions ask, to bound cardinality.
_KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)

_access_log = logging.getLogger("swarmdeck.access")


class RequestContextMiddleware:
    """Give each request an id (`x-request-id`, echoed when the client sent a sane one), and
    record `http.server.request.duration`, a request count and an access log line.

    Requests that raise are counted as 500. Outermost (wrapping the app, or returned from
    `build_middleware_stack`), it also puts the id on the 500 response Starlette's error
    middleware sends; added with `app.add_middleware` it sits inside that middleware, whose
    error handler still logs with the id, but the 500 response goes out without the header.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        instruments = meter()
        self._duration = instruments.create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP server requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._requests = instruments.create_counter(
            "swarmdeck.http.server.requests",
            unit="{request}",
            description="HTTP server requests, by method, route and status.",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = _request_id(scope)
        header = (_HEADER, rid.encode("latin-1"))
        status = 500
        root_path = scope.get("root_path", "")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            elapsed = time.perf_counter() - started
            self._record(scope, root_path, 500, elapsed, type(exc).__qualname__)
            # The id stays set: when this middleware sits inside Starlette's error middleware
            # (app.add_middleware), the 500 handler there logs with it. The server runs each
            # request in a task of its own, so it goes no further.
            raise
        self._record(scope, root_path, status, time.perf_counter() - started, None)
        request_id.reset(token)

    def _record(
        self, scope: Scope, root_path: str, status: int, elapsed: float, error: str | None
    ) -> None:
        method = scope["method"]
        route = _route_template(scope, root_path)
        attributes: dict[str, str | int] = {
            "http.request.method": method if method in _KNOWN_METHODS else "_OTHER",
            "http.route": route,
            "http.response.status_code": status,
        }
        if error is not None:
            attributes["error.type"] = error
        elif status >= 500:
            attributes["error.type"] = str(status)
        self._duration.record(elapsed, attributes)
        self._requests.add(1, attributes)
        duration_ms = round(elapsed * 1000, 2)
        _access_log.info(
            "%s %s %d %.2fms",
            method,
            route,
            status,
            duration_ms,
            extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
        )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = _request_id(scope)
        header = (_HEADER, rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "websocket.accept":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


def _request_id(scope: Scope) -> str:
    """The client's `x-request-id` when it is a sane token, else a new one."""
    for name, value in scope["headers"]:
        if name == _HEADER:
            if _SANE_ID.fullmatch(value):
                client_id: str = value.decode("ascii")
                return client_id
            break
    return uuid.uuid4().hex


def _route_template(scope: Scope, root_path: str) -> str:
    """The matched route's template (`/api/users/{name}`), mount prefixes included."""
    # A Mount adds its (concrete) path to root_path for the app inside it.
    current_root: str = scope.get("root_path", "")
    prefix = current_root[len(root_path) :] if current_root.startswith(root_path) else ""
    route: Any = scope.get("route")
    if route is None:
        # FastAPI does not set "route" for a mounted app such as StaticFiles.
        return f"{prefix}/{{path}}" if prefix else UNMATCHED_ROUTE
    # FastAPI (0.165+) keeps an included router's routes as declared, so `scope["route"]`
    # is that route, its path without the include prefix. The full template lives in
    # FastAPI's per-request route context; it is private, hence the defensive reads.
    fastapi_scope = scope.get("fastapi")
    context: Any = (
        fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    )
    if context is not None and (
        getattr(context, "original_route", None) is route or not hasattr(route, "path_format")
    ):
        route = getattr(context, "original_route", route)
        template = getattr(context, "path_format", None)
    else:
        template = getattr(route, "path_format", None)
    if isinstance(route, Mount):
        return f"{prefix}/{{path}}"
    if not isinstance(template, str):
        return UNMATCHED_ROUTE
    return prefix + template
