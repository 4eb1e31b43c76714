"""Route dependencies as named types, and the permission every route declares.

`require("costs", "read")` both guards a route and declares what it needs, so a test
can read every route's declaration from `app.routes`. Routes open to anyone say so
with `PUBLIC`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends
from starlette.exceptions import WebSocketException
from starlette.requests import HTTPConnection
from starlette.status import WS_1008_POLICY_VIOLATION

from swarmdeck.core.auth import CSRF_HEADER, SESSION_COOKIE, Permission, Principal
from swarmdeck.core.errors import PermissionDenied, SwarmDeckError, Unauthenticated
from swarmdeck.runtime import Runtime

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_runtime(connection: HTTPConnection) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime


async def _runtime(connection: HTTPConnection) -> Runtime:
    # async: FastAPI would run a plain `def` dependency in the threadpool (two thread hops).
    return get_runtime(connection)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


async def authenticate(connection: HTTPConnection) -> Principal:
    """The caller from a bearer token or the session cookie; `Unauthenticated` otherwise."""
    cached: Principal | None = getattr(connection.state, "principal", None)
    if cached is not None:
        return cached
    auth = get_runtime(connection).auth
    principal: Principal | None = None
    header = connection.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        principal = auth.from_bearer(token.strip())
        if principal is None:
            raise Unauthenticated("invalid token")
    else:
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = await auth.from_session(cookie)
    if principal is None:
        raise Unauthenticated("authentication required")
    connection.state.principal = principal
    return principal


class Requirement:
    """A route's permission: authenticates, checks CSRF on cookie writes, authorises."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, connection: HTTPConnection) -> Principal:
        if connection.scope["type"] == "websocket":
            try:
                return await self._check_websocket(connection)
            except SwarmDeckError as exc:
                # Refuses the handshake (HTTP 403) before the socket is accepted.
                raise WebSocketException(WS_1008_POLICY_VIOLATION, exc.message) from None
        principal = await authenticate(connection)
        if connection.scope["method"] not in _SAFE_METHODS:
            get_runtime(connection).auth.check_csrf(principal, connection.headers.get(CSRF_HEADER))
        get_runtime(connection).auth.authorize(principal, self.permission)
        return principal

    async def _check_websocket(self, connection: HTTPConnection) -> Principal:
        principal = await authenticate(connection)
        if principal.via == "session":
            # Browsers send cookies on cross-site WebSocket handshakes: only our own pages may.
            origin = connection.headers.get("origin")
            if origin is None or urlsplit(origin).netloc != connection.headers.get("host"):
                raise PermissionDenied("cross-origin WebSocket refused")
        get_runtime(connection).auth.authorize(principal, self.permission)
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission})"


class Authenticated:
    """The declaration of a route any authenticated caller may use (`/api/me`)."""

    async def __call__(self, connection: HTTPConnection) -> Principal:
        return await authenticate(connection)

    def __repr__(self) -> str:
        return "authenticated"


class Public:
    """The declaration of a route anyone may call (health, login)."""

    async def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "public"


def require(resource: str, action: str, scope: str | None = None) -> Any:
    """Declare and enforce the permission a route needs."""
    return Depends(Requirement(Permission(resource, action, scope)))


PUBLIC: Any = Depends(Public())
AUTHENTICATED: Any = Depends(Authenticated())
