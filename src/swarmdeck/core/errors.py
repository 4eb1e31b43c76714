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

    def __init__(self, message: str, *, retry_after: float, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Unavailable(SwarmDeckError):
    type = "unavailable"
