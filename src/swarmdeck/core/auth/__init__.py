"""Authentication (who is calling) and authorisation (may they do this)."""

from swarmdeck.core.auth._authenticator import Authenticator
from swarmdeck.core.auth._permissions import (
    ACTIONS,
    BUILTIN_ROLES,
    RESOURCES,
    Permission,
    Role,
    RoleBook,
)
from swarmdeck.core.auth._principal import SYSTEM, Principal
from swarmdeck.core.auth._revocations import SessionRevocations
from swarmdeck.core.auth._sessions import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
    AdminTokens,
    SessionSigner,
    generate_admin_token,
    read_generated_token_digest,
    token_digest,
)

__all__ = [
    "ACTIONS",
    "BUILTIN_ROLES",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "RESOURCES",
    "SESSION_COOKIE",
    "SESSION_TTL_SECONDS",
    "SYSTEM",
    "AdminTokens",
    "Authenticator",
    "Permission",
    "Principal",
    "Role",
    "RoleBook",
    "SessionRevocations",
    "SessionSigner",
    "generate_admin_token",
    "read_generated_token_digest",
    "token_digest",
]
