"""The LLM front doors: `/v1/chat/completions`, `/v1/messages`, `/v1/embeddings`, `/v1/models`.

Plain Starlette routes rather than FastAPI ones: this is the hot path, and the bodies
are the providers' own formats, passed on with the fewest copies. Each route still
declares its permission (`GatewayRoute.declaration`) for the route walker, and errors
come back in the client's own wire format so the official SDKs raise the right class.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import orjson
from opentelemetry import context as otel_context
from opentelemetry import propagate
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swarmdeck.api.deps import AnyScopeRequirement, Requirement, audit_denied, get_runtime
from swarmdeck.api.errors import error_headers
from swarmdeck.core.auth import Permission, Principal
from swarmdeck.core.errors import (
    InvalidInput,
    PermissionDenied,
    SwarmDeckError,
    Unauthenticated,
    status_code,
)
from swarmdeck.costs.budgets import Attribution
from swarmdeck.gateway import Answer, CacheMode, ChatCall, ClientFormat

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024
_HEADER_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@ -]{0,127}$")
_CACHE_MODES = ("exact", "semantic", "off")
# Held for some model: the body names the model, which is checked once it is read.
EXECUTE_MODEL = AnyScopeRequirement(Permission("model", "execute"))
READ_MODEL = AnyScopeRequirement(Permission("model", "read"))


class GatewayRoute(Route):
    """A plain route that declares its permission like `require(...)` does for API routes."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        *,
        methods: list[str],
        declaration: Requirement,
    ) -> None:
        super().__init__(path, endpoint, methods=methods, include_in_schema=False)
        self.declaration = declaration


async def chat_completions(request: Request) -> Response:
    return await _chat(request, "openai")


async def messages(request: Request) -> Response:
    return await _chat(request, "anthropic")


async def _chat(request: Request, wire_format: ClientFormat) -> Response:
    runtime = get_runtime(request)
    try:
        principal = await _caller(request, EXECUTE_MODEL)
        body = await _json_body(request)
        alias = _model_of(body)
        _check_shape(body, wire_format)
        await _authorize(request, principal, Permission("model", "execute", alias))
        call = ChatCall(
            format=wire_format,
            body=body,
            alias=alias,
            who=Attribution(
                user=principal.name,
                key_id=principal.key_id,
                swarm=_tag(request, "x-swarmdeck-swarm"),
                model=alias,
            ),
            agent=_tag(request, "x-swarmdeck-agent"),
            cache_mode=_cache_mode(request),
            request_id=request.headers.get("x-request-id"),
        )
        answer = await runtime.gateway.chat(call)
    except SwarmDeckError as exc:
        return error_response(exc, wire_format)
    return _respond(answer)


async def embeddings(request: Request) -> Response:
    runtime = get_runtime(request)
    try:
        principal = await _caller(request, EXECUTE_MODEL)
        body = await _json_body(request)
        alias = _model_of(body)
        if not isinstance(body.get("input"), str | list):
            raise InvalidInput("input: a string or a list is required")
        await _authorize(request, principal, Permission("model", "execute", alias))
        answer = await runtime.gateway.embeddings(
            alias,
            body,
            Attribution(
                user=principal.name,
                key_id=principal.key_id,
                swarm=_tag(request, "x-swarmdeck-swarm"),
                model=alias,
            ),
            agent=_tag(request, "x-swarmdeck-agent"),
        )
    except SwarmDeckError as exc:
        return error_response(exc, "openai")
    return _respond(answer)


async def list_models(request: Request) -> Response:
    runtime = get_runtime(request)
    try:
        principal = await _caller(request, READ_MODEL)
    except SwarmDeckError as exc:
        return error_response(exc, "openai")
    book = runtime.auth.roles
    data = [
        {"id": alias, "object": "model", "created": 0, "owned_by": "swarmdeck"}
        for alias in runtime.gateway.router.routes
        if book.allows(principal.role, Permission("model", "execute", alias))
        or book.allows(principal.role, Permission("model", "read", alias))
    ]
    return Response(orjson.dumps({"object": "list", "data": data}), media_type="application/json")


ROUTES = [
    GatewayRoute(
        "/v1/chat/completions", chat_completions, methods=["POST"], declaration=EXECUTE_MODEL
    ),
    GatewayRoute("/v1/messages", messages, methods=["POST"], declaration=EXECUTE_MODEL),
    GatewayRoute("/v1/embeddings", embeddings, methods=["POST"], declaration=EXECUTE_MODEL),
    GatewayRoute("/v1/models", list_models, methods=["GET"], declaration=READ_MODEL),
]


def is_gateway_request(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope["path"]).startswith("/v1/")


class FastPath:
    """Serves `/v1/` requests with the gateway's routes alone, past FastAPI's per-request
    machinery (its telemetry, exception and exit-stack middleware, and a match over every
    API route).

    The gateway routes answer their own errors in the client's format; what is left here
    is 404/405 and the unexpected, which get the usual JSON error shape.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._router = Router(routes=list(ROUTES))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self._app  # routes find the runtime through request.app
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        # A caller's trace (an agent turn's `invoke_agent`, say) continues here. Looked for
        # first, so a request without one pays no parsing.
        joined = (
            otel_context.attach(propagate.extract(_carrier(scope)))
            if any(name == b"traceparent" for name, _ in scope["headers"])
            else None
        )
        try:
            await self._router(scope, receive, tracking_send)
        except HTTPException as exc:
            message = "no such route" if exc.status_code == 404 else exc.detail
            await _plain_error(exc.status_code, str(message), exc.headers)(scope, receive, send)
        except Exception:
            log.exception("unhandled error", extra={"path": scope["path"]})
            if started:
                raise
            await _plain_error(500, "internal server error")(scope, receive, send)
        finally:
            if joined is not None:
                otel_context.detach(joined)


def _carrier(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _plain_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    type_ = {404: "not_found", 405: "method_not_allowed", 500: "internal_error"}.get(
        status, "error"
    )
    body = {"error": {"type": type_, "message": message, "details": None}}
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


async def _caller(request: Request, requirement: AnyScopeRequirement) -> Principal:
    """The route's own check (authentication, CSRF on cookie writes, the permission for
    some model, refusals audited), after taking an Anthropic client's `x-api-key`.

    The model (the permission's scope) is only known once the body is read; checking for
    any scope first answers 403 before spending time on the body.
    """
    api_key = request.headers.get("x-api-key")
    if api_key and "authorization" not in request.headers:
        # Anthropic clients may send their key as x-api-key; it is a bearer all the same.
        principal = await get_runtime(request).auth.from_bearer(api_key.strip())
        if principal is None:
            refused = Unauthenticated("invalid API key")
            await audit_denied(request, refused, requirement.permission)
            raise refused
        request.state.principal = principal  # where authenticate() looks first
    checked: Principal = await requirement(request)
    return checked


async def _authorize(request: Request, principal: Principal, needed: Permission) -> None:
    try:
        get_runtime(request).auth.authorize(principal, needed)
    except PermissionDenied as exc:
        await audit_denied(request, exc, needed)
        raise


async def _json_body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge()
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise _TooLarge()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _Malformed(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return cast(dict[str, Any], body)


def _model_of(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidInput("model: a model name is required", details={"field": "model"})
    return model


def _check_shape(body: dict[str, Any], wire_format: ClientFormat) -> None:
    """The few fields the gateway itself relies on; the provider checks the rest."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("messages: a non-empty list is required", details={"field": "messages"})
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise InvalidInput(
            "messages: each message must be an object with a role", details={"field": "messages"}
        )
    for name in ("max_tokens", "max_completion_tokens", "n"):
        value = body.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise InvalidInput(f"{name}: a positive integer is required", details={"field": name})
    if "stream" in body and not isinstance(body["stream"], bool):
        raise InvalidInput("stream: true or false", details={"field": "stream"})
    if wire_format == "anthropic" and body.get("max_tokens") is None:
        raise InvalidInput(
            "max_tokens: required by the Messages API", details={"field": "max_tokens"}
        )


def _tag(request: Request, header: str) -> str | None:
    value = request.headers.get(header)
    if value is None:
        return None
    if not _HEADER_VALUE.match(value):
        raise InvalidInput(
            f"{header}: 1-128 characters of letters, digits and ._:/@- only",
            details={"header": header},
        )
    return value


def _cache_mode(request: Request) -> CacheMode:
    value = request.headers.get("x-swarmdeck-cache", "semantic").strip().lower()
    if value not in _CACHE_MODES:
        raise InvalidInput(
            "x-swarmdeck-cache: one of exact, semantic, off",
            details={"header": "x-swarmdeck-cache"},
        )
    return cast(CacheMode, value)


def _respond(answer: Answer) -> Response:
    if answer.stream is not None:
        return StreamingResponse(answer.stream, answer.status, headers=answer.headers)
    return Response(answer.body, answer.status, headers=answer.headers)


class _Malformed(InvalidInput):
    type = "malformed_json"


class _TooLarge(InvalidInput):
    type = "payload_too_large"

    def __init__(self) -> None:
        super().__init__(f"the request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")


_SPECIAL_STATUS: dict[type[SwarmDeckError], int] = {_Malformed: 400, _TooLarge: 413}


def error_response(exc: SwarmDeckError, wire_format: ClientFormat) -> Response:
    """A domain error in the client's wire format, with the headers its SDK expects."""
    status = _SPECIAL_STATUS.get(type(exc)) or status_code(exc)
    headers = error_headers(exc)
    error = {"type": exc.type, "message": exc.message, "details": exc.details}
    body: dict[str, Any] = (
        {"error": {**error, "param": None, "code": exc.type}}
        if wire_format == "openai"
        else {"type": "error", "error": error}
    )
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")
