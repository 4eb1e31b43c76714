"""Turn credentials into a `Principal` and decide whether it may act."""

from __future__ import annotations

import hmac

from swarmdeck.core.auth._permissions import Permission, RoleBook
from swarmdeck.core.auth._principal import Principal
from swarmdeck.core.auth._revocations import SessionRevocations
from swarmdeck.core.auth._sessions import AdminTokens, SessionSigner
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
    ) -> None:
        self.admin_tokens = admin_tokens
        self.signer = signer
        self.roles = roles
        self.revocations = revocations

    def from_bearer(self, token: str) -> Principal | None:
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
        return principal

    async def end_session(self, principal: Principal) -> None:
        """Revoke a cookie session so a copy of the cookie stops working too."""
        if principal.session_id is not None and principal.session_expires is not None:
            await self.revocations.revoke(principal.session_id, principal.session_expires)

    def login_with_token(self, token: str) -> tuple[Principal, str, str]:
        """Exchange a bearer token for `(principal, session cookie, csrf token)`."""
        digest = self.admin_tokens.match(token)
        if digest is None:
            raise Unauthenticated("invalid token")
        principal = Principal(name=ADMIN_TOKEN_PRINCIPAL, role="admin", kind="token")
        cookie, csrf = self.signer.issue(principal, binding=digest)
        return principal, cookie, csrf

    def authorize(self, principal: Principal, needed: Permission) -> None:
        if not self.roles.allows(principal.role, needed):
            raise PermissionDenied(
                f"role {principal.role!r} may not {needed.action} {needed.resource}",
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
