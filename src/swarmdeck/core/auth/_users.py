"""Users: create, list, change, disable, delete, and log in with a password."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth._caller import Caller
from swarmdeck.core.auth._grants import ensure_role_within
from swarmdeck.core.auth._passwords import check_password_policy, hash_password, verify_password
from swarmdeck.core.auth._permissions import RoleBook
from swarmdeck.core.auth._principal import Principal
from swarmdeck.core.auth._roles import ACCESS_TOPIC
from swarmdeck.core.auth._tables import UserRow
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict, InvalidInput, NotFound
from swarmdeck.core.models import utcnow

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# Session checks read the user on every dashboard request; a short cache keeps that cheap.
# Changes on this replica clear it at once, other replicas learn through the bus.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(row.id, row.name, row.role, row.disabled, row.created_at, row.last_login_at)


class UserService:
    def __init__(self, db: Database, roles: RoleBook, audit: AuditLog, bus: EventBus) -> None:
        self._db = db
        self._roles = roles
        self._audit = audit
        self._bus = bus
        self._cache: dict[str, tuple[float, User | None]] = {}

    async def count(self) -> int:
        async with self._db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)

    async def list(self) -> list[User]:
        async with self._db.session() as session:
            return [
                User.of(row)
                for row in await session.scalars(select(UserRow).order_by(UserRow.name))
            ]

    async def get(self, name: str) -> User:
        async with self._db.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NotFound(f"no user {name!r}")
        return User.of(row)

    async def active(self, name: str) -> User | None:
        """The user if it exists and is enabled (cached briefly): what sessions check."""
        cached = self._cache.get(name)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        async with self._db.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.name == name))
        user = User.of(row) if row is not None and not row.disabled else None
        self._cache[name] = (time.monotonic(), user)
        return user

    def forget(self, name: str | None = None) -> None:
        if name is None:
            self._cache.clear()
        else:
            self._cache.pop(name, None)

    async def create(self, caller: Caller, name: str, password: str, role: str) -> User:
        if not USER_NAME.match(name):
            raise InvalidInput(
                "user names are 1-64 letters, digits, '.', '_', '@' or '-'",
                details={"field": "name"},
            )
        ensure_role_within(self._roles, caller.principal.role, role, what="this user's role")
        password_hash = await hash_password(password)
        now = utcnow()
        row = UserRow(
            name=name,
            password_hash=password_hash,
            role=role,
            disabled=False,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._db.session() as session:
                session.add(row)
        except IntegrityError:
            raise Conflict(f"user {name!r} exists already") from None
        user = User.of(row)
        await self._changed(caller, "user.create", name, {"role": role})
        return user

    async def update(
        self,
        caller: Caller,
        name: str,
        *,
        role: str | None = None,
        disabled: bool | None = None,
        password: str | None = None,
    ) -> User:
        if role is not None:
            ensure_role_within(self._roles, caller.principal.role, role, what="this user's role")
        if password is not None:
            check_password_policy(password)
        new_hash = await hash_password(password) if password is not None else None
        async with self._db.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            # Changing someone who holds more than you would be a way around the grant rule.
            ensure_role_within(
                self._roles, caller.principal.role, row.role, what="changing this user"
            )
            if disabled or (role is not None and role != row.role):
                await self._keep_an_admin(session, row, caller, "disable or demote")
            if role is not None:
                row.role = role
            if disabled is not None:
                row.disabled = disabled
            if new_hash is not None:
                row.password_hash = new_hash
            row.updated_at = utcnow()
            user = User.of(row)
        changes: dict[str, object] = {}
        if role is not None:
            changes["role"] = role
        if disabled is not None:
            changes["disabled"] = disabled
        if password is not None:
            changes["password_changed"] = True
        await self._changed(caller, "user.update", name, changes)
        return user

    async def delete(self, caller: Caller, name: str) -> None:
        async with self._db.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            ensure_role_within(
                self._roles, caller.principal.role, row.role, what="deleting this user"
            )
            await self._keep_an_admin(session, row, caller, "delete")
            await session.delete(row)
        await self._changed(caller, "user.delete", name, None)

    async def _keep_an_admin(
        self, session: AsyncSession, row: UserRow, caller: Caller, what: str
    ) -> None:
        """Nobody locks themselves out, and the last enabled admin stays."""
        if caller.principal.kind == "user" and caller.principal.name == row.name:
            raise Conflict(f"you cannot {what} yourself; ask another admin")
        if row.role != "admin" or row.disabled:
            return
        admins = await session.scalar(
            select(func.count()).where(UserRow.role == "admin", UserRow.disabled.is_(False))
        )
        if (admins or 0) <= 1:
            raise Conflict(f"cannot {what} the last enabled admin")

    async def check_password(self, name: str, password: str) -> User | None:
        """The enabled user whose password this is, else None (same cost either way)."""
        async with self._db.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.name == name))
        ok = await verify_password(row.password_hash if row is not None else None, password)
        if row is None or not ok or row.disabled:
            return None
        async with self._db.session() as session:
            stored = await session.get(UserRow, row.id)
            if stored is not None:
                stored.last_login_at = utcnow()
        return User.of(row)

    async def bootstrap_admin(self, caller: Caller) -> str | None:
        """At first start with no user (and no admin token): an `admin` user, password returned once."""
        if await self.count() > 0:
            return None
        password = secrets.token_urlsafe(18)
        await self.create(caller, "admin", password, "admin")
        return password

    def principal(self, user: User) -> Principal:
        return Principal(name=user.name, role=user.role, kind="user")

    async def _changed(
        self, caller: Caller, action: str, name: str, details: dict[str, object] | None
    ) -> None:
        self.forget(name)
        await self._audit.record(
            caller.actor, action, resource_type="user", resource_id=name, details=details
        )
        await self._bus.publish(ACCESS_TOPIC, "user.changed", {"user": name})
