"""Log in and out of the dashboard: a password (or the admin token) for a signed session cookie."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator
from starlette.requests import Request
from starlette.responses import Response

from swarmdeck.api.body import RequestBody
from swarmdeck.api.deps import PUBLIC, RuntimeDep, caller_of, client_address
from swarmdeck.api.errors import error_responses
from swarmdeck.core.audit import Actor
from swarmdeck.core.auth import (
    ADMIN_TOKEN_PRINCIPAL,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
)
from swarmdeck.core.errors import RateLimited, Unauthenticated
from swarmdeck.runtime import Runtime

router = APIRouter(tags=["auth"])

LOGIN_ATTEMPTS_PER_MINUTE = 10


class LoginRequest(RequestBody):
    """A user's name and password, or the bootstrap admin token."""

    name: str | None = Field(default=None, min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    token: str | None = Field(default=None, min_length=1, max_length=512)

    @model_validator(mode="after")
    def _one_way(self) -> LoginRequest:
        by_password = self.name is not None and self.password is not None
        if by_password == (self.token is not None):
            raise ValueError("send either name and password, or token")
        return self


class LoginResult(BaseModel):
    name: str
    role: str


async def _limit(runtime: Runtime, key: str) -> None:
    admission = await runtime.counters.check_and_add(
        f"login:{key}", 1, limit=LOGIN_ATTEMPTS_PER_MINUTE, window=60.0
    )
    if not admission.allowed:
        raise RateLimited(
            "too many login attempts; try again later", retry_after=admission.retry_after
        )


@router.post("/api/login", dependencies=[PUBLIC], responses=error_responses(401, 429))
async def login(
    body: LoginRequest, request: Request, response: Response, runtime: RuntimeDep
) -> LoginResult:
    """Start a dashboard session; attempts are limited per client address and per user."""
    address = client_address(request) or "unknown"
    await _limit(runtime, f"addr:{address}")
    who = body.name or ADMIN_TOKEN_PRINCIPAL
    await _limit(runtime, f"user:{who}")
    anonymous = Actor(
        type="anonymous",
        name=who,
        client_address=address,
        user_agent=request.headers.get("user-agent"),
    )
    try:
        if body.token is not None:
            principal, binding = runtime.auth.token_login(body.token)
        else:
            # The validator guarantees both are set here.
            principal = await runtime.auth.password_login(body.name or "", body.password or "")
            binding = ""
    except Unauthenticated:
        await runtime.audit.record(anonymous, "login", resource_type="session", result="denied")
        raise
    cookie, csrf = runtime.auth.start_session(principal, binding=binding)
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_TTL_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    # Readable by the page, which echoes it in x-csrf-token on every state change.
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=SESSION_TTL_SECONDS,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
    actor = caller_of(request, principal).actor
    await runtime.audit.record(actor, "login", resource_type="session", resource_id=principal.name)
    return LoginResult(name=principal.name, role=principal.role)


@router.post("/api/logout", status_code=204, dependencies=[PUBLIC])
async def logout(request: Request, response: Response, runtime: RuntimeDep) -> Response:
    """End the dashboard session: revoked server-side, cookies cleared; idempotent."""
    cookie = request.cookies.get(SESSION_COOKIE)
    principal = await runtime.auth.from_session(cookie) if cookie else None
    if principal is not None:
        # Only the page that holds the session may end it (no cross-site logout).
        runtime.auth.check_csrf(principal, request.headers.get(CSRF_HEADER))
        await runtime.auth.end_session(principal)
        await runtime.audit.record(
            caller_of(request, principal).actor,
            "logout",
            resource_type="session",
            resource_id=principal.name,
        )
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
