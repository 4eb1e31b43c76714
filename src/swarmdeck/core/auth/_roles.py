"""Custom roles: defined in the YAML file or through the API, beside the built-in ones."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth._caller import Caller
from swarmdeck.core.auth._grants import ensure_within, parse_permissions
from swarmdeck.core.auth._permissions import BUILTIN_ROLES, Role, RoleBook
from swarmdeck.core.auth._tables import ApiKeyRow, RoleRow, UserRow
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict, InvalidInput, NotFound
from swarmdeck.core.models import utcnow

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
ACCESS_TOPIC = "access"


@dataclass(frozen=True)
class RoleSpec:
    """A role as configured: permission strings and the roles it inherits."""

    permissions: tuple[str, ...]
    inherits: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleView:
    name: str
    permissions: list[str]
    inherits: list[str]
    builtin: bool
    source: str  # "builtin" | "config" | "api"
    effective: list[str]


class RoleService:
    """Keeps the role book in force: built-in, then config, then API-defined roles."""

    def __init__(
        self,
        db: Database,
        book: RoleBook,
        audit: AuditLog,
        bus: EventBus,
        configured: Mapping[str, RoleSpec] | None = None,
    ) -> None:
        self._db = db
        self.book = book
        self._audit = audit
        self._bus = bus
        self._configured = dict(configured or {})
        self._sources: dict[str, str] = {}

    async def load(self) -> None:
        """Rebuild the book from its sources (at start, and when another replica changed it)."""
        roles: dict[str, Role] = dict(BUILTIN_ROLES)
        sources = dict.fromkeys(BUILTIN_ROLES, "builtin")
        for name, spec in self._configured.items():
            roles[name] = Role(name, parse_permissions(spec.permissions), tuple(spec.inherits))
            sources[name] = "config"
        async with self._db.session() as session:
            for row in await session.scalars(select(RoleRow)):
                if row.name in roles:
                    continue  # built-in and config roles win over a stale row
                roles[row.name] = Role(
                    row.name, parse_permissions(row.permissions), tuple(row.inherits)
                )
                sources[row.name] = "api"
        self.book.roles = roles
        self._sources = sources

    def list(self) -> list[RoleView]:
        return [self._view(name) for name in sorted(self.book.roles)]

    def get(self, name: str) -> RoleView:
        if name not in self.book.roles:
            raise NotFound(f"no role {name!r}")
        return self._view(name)

    def _view(self, name: str) -> RoleView:
        role = self.book.roles[name]
        return RoleView(
            name=name,
            permissions=sorted(str(p) for p in role.permissions),
            inherits=list(role.inherits),
            builtin=role.builtin,
            source=self._sources.get(name, "api"),
            effective=sorted(str(p) for p in self.book.effective(name)),
        )

    def _check(
        self, caller: Caller, name: str, permissions: Sequence[str], inherits: Sequence[str]
    ) -> None:
        if not ROLE_NAME.match(name):
            raise InvalidInput(
                "role names are lowercase letters, digits, '-' and '_', starting with a letter",
                details={"name": name},
            )
        for parent in inherits:
            if parent not in self.book.roles:
                raise InvalidInput(
                    f"unknown role {parent!r} in inherits", details={"inherits": parent}
                )
        granted = set(parse_permissions(permissions))
        for parent in inherits:
            granted |= self.book.effective(parent)
        ensure_within(self.book, caller.principal.role, granted, what="this role")

    def _ensure_editable(self, name: str) -> None:
        source = self._sources.get(name)
        if source in ("builtin", "config"):
            raise Conflict(
                f"role {name!r} is {'built in' if source == 'builtin' else 'defined in the config file'}"
            )

    async def create(
        self, caller: Caller, name: str, permissions: Sequence[str], inherits: Sequence[str]
    ) -> RoleView:
        self._check(caller, name, permissions, inherits)
        if name in self.book.roles:
            raise Conflict(f"role {name!r} exists already")
        now = utcnow()
        async with self._db.session() as session:
            session.add(
                RoleRow(
                    name=name,
                    permissions=list(permissions),
                    inherits=list(inherits),
                    created_at=now,
                    updated_at=now,
                )
            )
        await self._changed(
            caller,
            "role.create",
            name,
            {"permissions": list(permissions), "inherits": list(inherits)},
        )
        return self.get(name)

    async def replace(
        self, caller: Caller, name: str, permissions: Sequence[str], inherits: Sequence[str]
    ) -> RoleView:
        self._ensure_editable(name)
        self._check(caller, name, permissions, inherits)
        if name in inherits:
            raise InvalidInput("a role cannot inherit itself", details={"inherits": name})
        async with self._db.session() as session:
            row = await session.get(RoleRow, name)
            if row is None:
                raise NotFound(f"no role {name!r}")
            row.permissions, row.inherits, row.updated_at = (
                list(permissions),
                list(inherits),
                utcnow(),
            )
        await self._changed(
            caller,
            "role.update",
            name,
            {"permissions": list(permissions), "inherits": list(inherits)},
        )
        return self.get(name)

    async def delete(self, caller: Caller, name: str) -> None:
        self._ensure_editable(name)
        async with self._db.session() as session:
            row = await session.get(RoleRow, name)
            if row is None:
                raise NotFound(f"no role {name!r}")
            users = await session.scalar(select(func.count()).where(UserRow.role == name))
            keys = await session.scalar(
                select(func.count()).where(ApiKeyRow.role == name, ApiKeyRow.revoked_at.is_(None))
            )
            if users or keys:
                raise Conflict(
                    f"role {name!r} is still held by {users} user(s) and {keys} key(s)",
                    details={"users": users, "keys": keys},
                )
            await session.delete(row)
        await self._changed(caller, "role.delete", name, None)

    async def _changed(
        self, caller: Caller, action: str, name: str, details: dict[str, object] | None
    ) -> None:
        await self.load()
        await self._audit.record(
            caller.actor, action, resource_type="role", resource_id=name, details=details
        )
        await self._bus.publish(ACCESS_TOPIC, "roles.changed", {"role": name})
