"""One error shape for every error response, and the one place errors become statuses.

`{"error": {"type": "...", "message": "...", "details": ...}}`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from swarmdeck.core import errors

log = logging.getLogger(__name__)

STATUS_OF = errors.STATUS_CODES

_HTTP_TYPES = {
    400: "bad_request", 401: "unauthenticated", 403: "permission_denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 502: "bad_gateway", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "invalid_input", 429: "rate_limited", 503: "unavailable",
}  # fmt: skip


class ErrorDetail(BaseModel):
    type: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "malformed request (e.g. invalid JSON)",
    401: "no or invalid credentials",
    403: "not allowed for the caller's role",
    404: "no such resource",
    409: "conflicts with the current state",
    422: "a field is missing or has the wrong type or value",
    429: "rate limited; see Retry-After",
    502: "an upstream failed to answer",
    503: "a dependency is unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the error responses a route can give."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


COMMON_ERRORS = error_responses(400, 401, 403, 422, 429)


def error_body(type_: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"type": type_, "message": message, "details": details}}


def status_of(exc: errors.SwarmDeckError) -> int:
    return errors.status_code(exc)


def error_headers(exc: errors.SwarmDeckError) -> dict[str, str]:
    """The headers a client needs with this error: a Bearer challenge, when to retry."""
    headers = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["www-authenticate"] = "Bearer"
    if isinstance(exc, errors.RateLimited):
        headers.update(exc.headers)
        headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    return headers


async def _domain_error(request: Request, exc: errors.SwarmDeckError) -> Response:
    return JSONResponse(
        error_body(exc.type, exc.message, exc.details), status_of(exc), headers=error_headers(exc)
    )


def _describe_validation(errs: list[Any]) -> list[dict[str, Any]]:
    details = []
    for err in errs:
        loc = [str(part) for part in err.get("loc", ())]
        details.append({"loc": loc, "message": err.get("msg", ""), "type": err.get("type", "")})
    return details


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    details = _describe_validation(list(exc.errors()))
    if any(d["type"] == "json_invalid" for d in details):
        return JSONResponse(
            error_body("malformed_json", "the request body is not valid JSON", details), 400
        )
    first = details[0] if details else {"loc": [], "message": "invalid request"}
    where = ".".join(first["loc"])
    message = str(first["message"])
    return JSONResponse(
        error_body("invalid_input", f"{where}: {message}" if where else message, details),
        422,
    )


async def _http_error(request: Request, exc: HTTPException) -> Response:
    type_ = _HTTP_TYPES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else type_.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    if exc.status_code == 405:
        message = f"method {request.method} not allowed on {request.url.path}"
    return JSONResponse(error_body(type_, message), exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse(error_body("internal_error", "internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    handlers: dict[type[Exception], Any] = {
        errors.SwarmDeckError: _domain_error,
        RequestValidationError: _validation_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }
    for exc_type, handler in handlers.items():
        app.add_exception_handler(exc_type, handler)
