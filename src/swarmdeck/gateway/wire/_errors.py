"""Error bodies in each wire format, and translation of a provider's error for the client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

WireFormat = Literal["openai", "anthropic"]

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota",
    403: "permission_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def anthropic_error_type(status: int) -> str:
    """The Anthropic error `type` for an HTTP status."""
    if status in _ANTHROPIC_TYPES:
        return _ANTHROPIC_TYPES[status]
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


def openai_error_type(status: int) -> str:
    """The OpenAI error `type` for an HTTP status."""
    if status in _OPENAI_TYPES:
        return _OPENAI_TYPES[status]
    return "invalid_request_error" if 400 <= status < 500 else "server_error"


def openai_error_body(
    status: int, message: str, type_: str | None = None, *, code: str | None = None
) -> dict[str, Any]:
    """An OpenAI error body; `type_` defaults to the one OpenAI uses for `status`."""
    return {
        "error": {
            "message": message,
            "type": type_ or openai_error_type(status),
            "param": None,
            "code": code,
        }
    }


def anthropic_error_body(status: int, message: str, type_: str | None = None) -> dict[str, Any]:
    """An Anthropic error body; `type_` defaults to the one Anthropic uses for `status`."""
    return {
        "type": "error",
        "error": {"type": type_ or anthropic_error_type(status), "message": message},
    }


def _message_of(body: Any) -> tuple[str | None, str | None, str | None]:
    """(message, type, code) from whatever a provider sent as an error."""
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return (body.strip() or None, None, None)
    if not isinstance(body, Mapping):
        return (None, None, None)
    error = body.get("error")
    if isinstance(error, Mapping):  # both formats nest the details under `error`
        code = error.get("code")
        return (
            _str(error.get("message")),
            _str(error.get("type")),
            str(code) if code is not None else None,
        )
    if isinstance(error, str):
        return (error, None, None)
    # vLLM/FastAPI style: {"message": ...} or {"detail": ...}
    return (_str(body.get("message")) or _str(body.get("detail")), _str(body.get("type")), None)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def translate_error_body(
    body: Any, from_format: WireFormat, to_format: WireFormat, status: int
) -> dict[str, Any]:
    """Rewrite a provider's error body in the client's format, keeping its message.

    The type is kept when both sides speak the same format; across formats it is
    derived from the status, since the two vocabularies do not line up one to one.
    """
    message, type_, code = _message_of(body)
    message = message or f"provider returned HTTP {status}"
    same = from_format == to_format
    if to_format == "openai":
        return openai_error_body(
            status, message, type_ if same else None, code=code if same else None
        )
    return anthropic_error_body(status, message, type_ if same else None)
