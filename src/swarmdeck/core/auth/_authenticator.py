"""Turn credentials into a `Principal` and decide whether it may act."""

from __future__ import annotations

import hmac

from swarmdeck.core.auth._keys import KEY_PREFIX, KeyService
from swarmdeck.core.auth._permissions import Permission, RoleBook
from swarmdeck.core.auth._principal import Principal
from swarmdeck.core.auth._revocations import SessionRevocations
from swarmdeck.core.auth._sessions import AGENT_TOKEN_PREFIX, AdminTokens, SessionSigner
from swarmdeck.core.auth._users import UserService
from swarmdeck.core.errors import PermissionDenied, Unauthenticated

ADMIN_TOKEN_PRINCIPAL = "admin-token"  # noqa: S105 (a principal name)


class Authenticator:
    """The one place HTTP routes, WebSocket commands and (later) tool calls authenticate."""

    def __init__(
        self,
        *,
        admin_tokens: AdminTokens,
        signer: SessionSigner,
        roles: RoleBook,
        revocations: SessionRevocations,
        users: UserService,
        keys: KeyService,
    ) -> None:
        self.admin_tokens = admin_tokens
        self.signer = signer
        self.roles = roles
        self.revocations = revocations
        self.users = users
        self.keys = keys

    async def from_bearer(self, token: str) -> Principal | None:
        """An API key (`sdk-...`), a swarm agent's signed token (`sda-...`), or the bootstrap
        admin token."""
        if token.startswith(KEY_PREFIX):
            return await self.keys.authenticate(token)
        if token.startswith(AGENT_TOKEN_PREFIX):
            return self.signer.verify_agent_token(token)
        if self.admin_tokens.match(token) is not None:
            return Principal(name=ADMIN_TOKEN_PRINCIPAL, role="admin", kind="token")
        return None

    async def from_session(self, cookie: str) -> Principal | None:
        verified = self.signer.verify(cookie)
        if verified is None:
            return None
        principal, binding = verified
        # A token session dies with its token: rotating SWARMDECK_ADMIN_TOKEN logs it out.
        if principal.kind == "token" and not self.admin_tokens.still_valid(binding):
            return None
        if principal.session_id and await self.revocations.is_revoked(principal.session_id):
            return None
        if principal.kind == "user":
            # Disabled or deleted users lose their sessions; role changes apply at once.
            user = await self.users.active(principal.name)
            if user is None:
                return None
            if user.role != principal.role:
                principal = Principal(
                    name=principal.name,
                    role=user.role,
                    kind="user",
                    via="session",
                    csrf=principal.csrf,
                    session_id=principal.session_id,
                    session_expires=principal.session_expires,
                )
        return principal

    def start_session(self, principal: Principal, *, binding: str = "") -> tuple[str, str]:
        """`(session cookie, csrf token)` for a principal that just proved who it is."""
        return self.signer.issue(principal, binding=binding)

    def token_login(self, token: str) -> tuple[Principal, str]:
        """Check the bootstrap admin token; returns the principal and the session binding."""
        digest = self.admin_tokens.match(token)
        if digest is None:
            raise Unauthenticated("invalid token")
        return Principal(name=ADMIN_TOKEN_PRINCIPAL, role="admin", kind="token"), digest

    async def password_login(self, name: str, password: str) -> Principal:
        user = await self.users.check_password(name, password)
        if user is None:
            raise Unauthenticated("invalid name or password")
        return self.users.principal(user)

    async def end_session(self, principal: Principal) -> None:
        """Revoke a cookie session so a copy of the cookie stops working too."""
        if principal.session_id is not None and principal.session_expires is not None:
            await self.revocations.revoke(principal.session_id, principal.session_expires)

    def authorize(self, principal: Principal, needed: Permission) -> None:
        if not self.roles.allows(principal.role, needed):
            raise PermissionDenied(
                f"role {principal.role!r} may not {needed.action} {needed.resource}",
                details={"needed": str(needed)},
            )

    def authorize_any_scope(self, principal: Principal, needed: Permission) -> None:
        """For checks whose scope (a model, a tool) is only known later: any scope will do."""
        if not self.roles.allows_any_scope(principal.role, needed):
            raise PermissionDenied(
                f"role {principal.role!r} may not {needed.action} any {needed.resource}",
                details={"needed": str(needed)},
            )

    def permissions_of(self, principal: Principal) -> list[str]:
        return sorted(str(permission) for permission in self.roles.effective(principal.role))

    @staticmethod
    def check_csrf(principal: Principal, header: str | None) -> None:
        """Cookie-authenticated state changes must echo the session's CSRF token."""
        if principal.via != "session":
            return
        if not header or principal.csrf is None or not hmac.compare_digest(header, principal.csrf):
            raise PermissionDenied(
                "missing or wrong CSRF token", details={"header": "x-csrf-token"}
            )
