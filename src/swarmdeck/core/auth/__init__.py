"""Authentication (who is calling), authorisation (may they do this), users, keys, roles."""

from swarmdeck.core.auth._authenticator import ADMIN_TOKEN_PRINCIPAL, Authenticator
from swarmdeck.core.auth._caller import Caller
from swarmdeck.core.auth._keys import KEY_PREFIX, ApiKey, KeyService
from swarmdeck.core.auth._passwords import MIN_PASSWORD_LENGTH
from swarmdeck.core.auth._permissions import (
    ACTIONS,
    AGENT_ROLE,
    BUILTIN_ROLES,
    RESOURCES,
    Permission,
    Role,
    RoleBook,
)
from swarmdeck.core.auth._principal import SYSTEM, Principal
from swarmdeck.core.auth._revocations import SessionRevocations
from swarmdeck.core.auth._roles import ACCESS_TOPIC, RoleService, RoleSpec, RoleView
from swarmdeck.core.auth._sessions import (
    AGENT_TOKEN_MAX_TTL_SECONDS,
    AGENT_TOKEN_PREFIX,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
    AdminTokens,
    SessionSigner,
    token_digest,
)
from swarmdeck.core.auth._users import User, UserService

__all__ = [
    "ACCESS_TOPIC",
    "ACTIONS",
    "ADMIN_TOKEN_PRINCIPAL",
    "AGENT_ROLE",
    "AGENT_TOKEN_MAX_TTL_SECONDS",
    "AGENT_TOKEN_PREFIX",
    "BUILTIN_ROLES",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "KEY_PREFIX",
    "MIN_PASSWORD_LENGTH",
    "RESOURCES",
    "SESSION_COOKIE",
    "SESSION_TTL_SECONDS",
    "SYSTEM",
    "AdminTokens",
    "ApiKey",
    "Authenticator",
    "Caller",
    "KeyService",
    "Permission",
    "Principal",
    "Role",
    "RoleBook",
    "RoleService",
    "RoleSpec",
    "RoleView",
    "SessionRevocations",
    "SessionSigner",
    "User",
    "UserService",
    "token_digest",
]
