"""The domain error hierarchy. Features raise these; `api/errors.py` maps them to HTTP once."""

from __future__ import annotations

from typing import Any


class SwarmDeckError(Exception):
    """Base of every error SwarmDeck raises on purpose; `type` names it in the JSON body."""

    type = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(SwarmDeckError):
    type = "invalid_input"


class Unauthenticated(SwarmDeckError):
    type = "unauthenticated"


class PermissionDenied(SwarmDeckError):
    type = "permission_denied"


class NotFound(SwarmDeckError):
    type = "not_found"


class Conflict(SwarmDeckError):
    type = "conflict"


class RateLimited(SwarmDeckError):
    type = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after
        self.headers = headers or {}
        """Extra response headers, e.g. `x-ratelimit-*`."""


class Unavailable(SwarmDeckError):
    type = "unavailable"


class BadGateway(SwarmDeckError):
    """An upstream (an LLM provider, an MCP server) failed to answer usefully."""

    type = "bad_gateway"


STATUS_CODES: dict[type[SwarmDeckError], int] = {
    InvalidInput: 422,
    Unauthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    BadGateway: 502,
    Unavailable: 503,
}
"""The one table from domain errors to HTTP statuses; subclasses take their base's."""


def status_code(exc: SwarmDeckError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500
