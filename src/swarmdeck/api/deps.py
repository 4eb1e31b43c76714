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

from swarmdeck.core.audit import Actor
from swarmdeck.core.auth import CSRF_HEADER, SESSION_COOKIE, Caller, Permission, Principal
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
        principal = await auth.from_bearer(token.strip())
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


def client_address(connection: HTTPConnection) -> str | None:
    return connection.client.host if connection.client else None


def caller_of(connection: HTTPConnection, principal: Principal) -> Caller:
    """The principal plus where the request came from, as services audit it."""
    return Caller.of(
        principal,
        client_address=client_address(connection),
        user_agent=connection.headers.get("user-agent"),
    )


async def audit_denied(
    connection: HTTPConnection, exc: SwarmDeckError, needed: Permission | None
) -> None:
    """Refused attempts are part of the record too (401 and 403 alike)."""
    principal: Principal | None = getattr(connection.state, "principal", None)
    if principal is not None:
        actor = caller_of(connection, principal).actor
    else:
        actor = Actor(
            type="anonymous",
            name="anonymous",
            client_address=client_address(connection),
            user_agent=connection.headers.get("user-agent"),
        )
    await get_runtime(connection).audit.record(
        actor,
        "access.denied",
        resource_type=needed.resource if needed else "route",
        resource_id=connection.url.path,
        result="denied",
        details={
            "reason": exc.message,
            "needed": str(needed) if needed else None,
            "method": connection.scope.get("method", "WS"),
        },
    )


class Requirement:
    """A route's permission: authenticates, checks CSRF on cookie writes, authorises."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, connection: HTTPConnection) -> Principal:
        try:
            if connection.scope["type"] == "websocket":
                return await self._check_websocket(connection)
            principal = await authenticate(connection)
            if connection.scope["method"] not in _SAFE_METHODS:
                get_runtime(connection).auth.check_csrf(
                    principal, connection.headers.get(CSRF_HEADER)
                )
            self._authorize(connection, principal)
            return principal
        except (Unauthenticated, PermissionDenied) as exc:
            await audit_denied(connection, exc, self.permission)
            if connection.scope["type"] == "websocket":
                # Refuses the handshake (HTTP 403) before the socket is accepted.
                raise WebSocketException(WS_1008_POLICY_VIOLATION, exc.message) from None
            raise

    async def _check_websocket(self, connection: HTTPConnection) -> Principal:
        principal = await authenticate(connection)
        if principal.via == "session":
            # Browsers send cookies on cross-site WebSocket handshakes: only our own pages may.
            origin = connection.headers.get("origin")
            if origin is None or urlsplit(origin).netloc != connection.headers.get("host"):
                raise PermissionDenied("cross-origin WebSocket refused")
        self._authorize(connection, principal)
        return principal

    def _authorize(self, connection: HTTPConnection, principal: Principal) -> None:
        get_runtime(connection).auth.authorize(principal, self.permission)

    def __repr__(self) -> str:
        return f"require({self.permission})"


class AnyScopeRequirement(Requirement):
    """A route whose scope (a tool, a server) is only known inside it: the caller must hold
    the permission for at least one scope here, and the service checks the exact one."""

    def _authorize(self, connection: HTTPConnection, principal: Principal) -> None:
        get_runtime(connection).auth.authorize_any_scope(principal, self.permission)

    def __repr__(self) -> str:
        return f"require_any_scope({self.permission})"


class Authenticated:
    """The declaration of a route any authenticated caller may use (`/api/me`)."""

    async def __call__(self, connection: HTTPConnection) -> Principal:
        try:
            return await authenticate(connection)
        except Unauthenticated as exc:
            await audit_denied(connection, exc, None)
            raise

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


def require_any_scope(resource: str, action: str) -> Any:
    """Declare a permission the caller must hold for some scope; the service checks which."""
    return Depends(AnyScopeRequirement(Permission(resource, action)))


PUBLIC: Any = Depends(Public())
AUTHENTICATED: Any = Depends(Authenticated())
