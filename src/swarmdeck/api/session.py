"""Log in and out of the dashboard: a token (later a password) for a signed session cookie."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from swarmdeck.api.deps import PUBLIC, RuntimeDep
from swarmdeck.core.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, SESSION_TTL_SECONDS
from swarmdeck.core.errors import RateLimited

router = APIRouter(tags=["auth"])

LOGIN_ATTEMPTS_PER_MINUTE = 10


class LoginRequest(BaseModel):
    token: str = Field(min_length=1, max_length=512, description="an admin or API token")


class LoginResult(BaseModel):
    name: str
    role: str


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/api/login", dependencies=[PUBLIC])
async def login(
    body: LoginRequest, request: Request, response: Response, runtime: RuntimeDep
) -> LoginResult:
    """Start a dashboard session; attempts are limited per client address."""
    admission = await runtime.counters.check_and_add(
        f"login:{_client_address(request)}", 1, limit=LOGIN_ATTEMPTS_PER_MINUTE, window=60.0
    )
    if not admission.allowed:
        raise RateLimited(
            "too many login attempts; try again later", retry_after=admission.retry_after
        )
    principal, cookie, csrf = runtime.auth.login_with_token(body.token)
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
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
