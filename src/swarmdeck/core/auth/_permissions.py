"""Permissions `(resource, action, scope?)`, roles that grant them, and the one check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ACTIONS = frozenset({"read", "write", "delete", "execute"})

# Every resource of the product, present and coming, so roles can be written today.
RESOURCES = frozenset(
    {
        "dashboard", "metrics", "logs", "costs", "budget", "alert", "gateway", "model",
        "cache", "swarm", "agent", "run", "workflow", "mcp-server", "mcp-tool", "operation",
        "approval", "service", "deploy", "plugin", "user", "role", "key", "audit", "settings",
    }
)  # fmt: skip

WILDCARD = "*"
AGENT_ROLE = "agent"


@dataclass(frozen=True, slots=True)
class Permission:
    """What a route needs or a role grants; `scope` narrows it (e.g. agent write `scale`)."""

    resource: str
    action: str
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.resource != WILDCARD and self.resource not in RESOURCES:
            raise ValueError(f"unknown resource {self.resource!r}")
        if self.action != WILDCARD and self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")

    @classmethod
    def parse(cls, text: str) -> Permission:
        """Read `resource:action[:scope]`."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"permission {text!r} is not resource:action[:scope]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        return f"{self.resource}:{self.action}" + (f":{self.scope}" if self.scope else "")

    def covers(self, needed: Permission) -> bool:
        """A grant covers a need on the same resource and action; an unscoped grant covers any scope."""
        return (
            self.resource in (WILDCARD, needed.resource)
            and self.action in (WILDCARD, needed.action)
            and (self.scope in (None, WILDCARD) or self.scope == needed.scope)
        )


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    permissions: frozenset[Permission]
    inherits: tuple[str, ...] = ()
    builtin: bool = False


def _grants(*specs: str) -> frozenset[Permission]:
    return frozenset(Permission.parse(spec) for spec in specs)


BUILTIN_ROLES: Mapping[str, Role] = {
    "admin": Role("admin", _grants("*:*"), builtin=True),
    # Key self-service ("self" scope) lets anyone hold a key of at most their own role.
    "viewer": Role(
        "viewer",
        _grants(
            "dashboard:read",
            "metrics:read",
            "logs:read",
            # Spend, budgets, alerts and gateway health are dashboards too.
            "costs:read",
            "budget:read",
            "alert:read",
            "gateway:read",
            "model:read",
            "key:read:self",
            "key:write:self",
            "key:delete:self",
        ),
        builtin=True,
    ),
    "operator": Role(
        "operator",
        _grants(
            "swarm:read",
            "swarm:execute",
            # Who starts runs follows them and may stop them.
            "run:read",
            "run:execute:cancel",
            "workflow:read",
            "agent:read",
            "agent:write:scale",
            "agent:write:configure",
            "mcp-server:read",
            "mcp-server:execute:restart",
            "mcp-server:execute:health-check",
            # Operators run swarms, whose agents call models through the gateway.
            "model:read",
            "model:execute",
        ),
        inherits=("viewer",),
        builtin=True,
    ),
    # What a swarm agent's token may do: call models through the gateway and tools through
    # the bridge. Which tools each agent may use is narrowed by its swarm's definition.
    AGENT_ROLE: Role(AGENT_ROLE, _grants("model:execute", "mcp-tool:execute"), builtin=True),
}


class RoleBook:
    """The roles in force (built-in plus custom) and the permission check over them.

    Every authenticated request asks `allows`, so each role's effective permissions are
    computed once and kept until the roles change.
    """

    def __init__(self, roles: Mapping[str, Role] | None = None) -> None:
        self._roles: dict[str, Role] = dict(BUILTIN_ROLES if roles is None else roles)
        self._effective: dict[str, frozenset[Permission]] = {}

    @property
    def roles(self) -> Mapping[str, Role]:
        return self._roles

    @roles.setter
    def roles(self, roles: Mapping[str, Role]) -> None:
        self._roles = dict(roles)
        self._effective.clear()

    def add(self, role: Role) -> None:
        self._roles[role.name] = role
        self._effective.clear()

    def effective(self, role_name: str) -> frozenset[Permission]:
        """Every permission a role holds, its inherited ones included (cycles are harmless)."""
        cached = self._effective.get(role_name)
        if cached is not None:
            return cached
        seen: set[str] = set()
        granted: set[Permission] = set()
        pending = [role_name]
        while pending:
            name = pending.pop()
            if name in seen or name not in self._roles:
                continue
            seen.add(name)
            role = self._roles[name]
            granted |= role.permissions
            pending.extend(role.inherits)
        result = frozenset(granted)
        self._effective[role_name] = result
        return result

    def allows(self, role_name: str, needed: Permission) -> bool:
        return any(grant.covers(needed) for grant in self.effective(role_name))

    def allows_any_scope(self, role_name: str, needed: Permission) -> bool:
        """Whether the role holds `needed` for at least one scope (e.g. one model alias)."""
        return any(
            grant.resource in (WILDCARD, needed.resource)
            and grant.action in (WILDCARD, needed.action)
            for grant in self.effective(role_name)
        )
