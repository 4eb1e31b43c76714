"""API keys: shown once at creation, stored as a hash, listed by their last four characters."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth._caller import Caller
from swarmdeck.core.auth._grants import ensure_role_within
from swarmdeck.core.auth._permissions import Permission, RoleBook
from swarmdeck.core.auth._principal import Principal
from swarmdeck.core.auth._roles import ACCESS_TOPIC
from swarmdeck.core.auth._tables import ApiKeyRow, UserRow
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput, NotFound, PermissionDenied
from swarmdeck.core.models import utcnow

KEY_PREFIX = "sdk-"
MAX_EXPIRY = timedelta(days=3650)
# Authentication sits on the gateway's hot path: recent lookups are cached briefly;
# revocation clears the cache here at once and on other replicas through the bus.
CACHE_SECONDS = 5.0
LAST_USED_RESOLUTION = 60.0


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    user: str
    role: str
    last4: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class _Resolved:
    key_id: str
    owner: str
    owner_role: str
    owner_disabled: bool
    role: str
    expires_at: datetime | None
    revoked: bool


class KeyService:
    def __init__(self, db: Database, roles: RoleBook, audit: AuditLog, bus: EventBus) -> None:
        self._db = db
        self._roles = roles
        self._audit = audit
        self._bus = bus
        self._cache: dict[str, tuple[float, _Resolved | None]] = {}
        self._last_used: dict[str, float] = {}

    def _may_manage_others(self, principal: Principal, action: str) -> bool:
        return self._roles.allows(principal.role, Permission("key", action))

    async def create(
        self,
        caller: Caller,
        *,
        user: str,
        name: str,
        role: str | None = None,
        expires_in: float | None = None,
    ) -> tuple[ApiKey, str]:
        """Make a key; returns it with its secret, which is never available again."""
        principal = caller.principal
        if user != principal.name and not self._may_manage_others(principal, "write"):
            raise PermissionDenied("you may create keys only for yourself", details={"user": user})
        if not name.strip() or len(name) > 128:
            raise InvalidInput("a key needs a name of 1-128 characters", details={"field": "name"})
        if expires_in is not None and not 0 < expires_in <= MAX_EXPIRY.total_seconds():
            raise InvalidInput(
                "expires_in must be between 1 second and 10 years", details={"field": "expires_in"}
            )
        async with self._db.session() as session:
            owner = await session.scalar(select(UserRow).where(UserRow.name == user))
            if owner is None:
                raise NotFound(f"no user {user!r}")
            key_role = role or owner.role
            # A key holds at most what its owner holds, and what its creator holds.
            ensure_role_within(self._roles, owner.role, key_role, what="this key's role")
            ensure_role_within(self._roles, principal.role, key_role, what="this key's role")
            secret = KEY_PREFIX + secrets.token_urlsafe(32)
            now = utcnow()
            row = ApiKeyRow(
                user_id=owner.id,
                name=name,
                key_hash=key_digest(secret),
                last4=secret[-4:],
                role=key_role,
                created_at=now,
                expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            )
            session.add(row)
            await session.flush()
            created = self._view(row, owner.name)
        await self._audit.record(
            caller.actor,
            "key.create",
            resource_type="key",
            resource_id=created.id,
            details={"name": name, "user": user, "role": key_role, "last4": created.last4},
        )
        await self._bus.publish(ACCESS_TOPIC, "key.changed", {"key": created.id})
        return created, secret

    async def list(self, caller: Caller) -> list[ApiKey]:
        """Every key for callers who may read keys, else the caller's own."""
        query = select(ApiKeyRow, UserRow.name).join(UserRow, UserRow.id == ApiKeyRow.user_id)
        if not self._may_manage_others(caller.principal, "read"):
            query = query.where(UserRow.name == caller.principal.name)
        async with self._db.session() as session:
            rows = (await session.execute(query.order_by(ApiKeyRow.created_at.desc()))).all()
        return [self._view(row, owner) for row, owner in rows]

    async def revoke(self, caller: Caller, key_id: str) -> None:
        async with self._db.session() as session:
            found = (
                await session.execute(
                    select(ApiKeyRow, UserRow.name)
                    .join(UserRow, UserRow.id == ApiKeyRow.user_id)
                    .where(ApiKeyRow.id == key_id)
                )
            ).first()
            if found is None:
                raise NotFound(f"no key {key_id!r}")
            row, owner = found
            if owner != caller.principal.name and not self._may_manage_others(
                caller.principal, "delete"
            ):
                raise PermissionDenied("you may revoke only your own keys", details={"key": key_id})
            if row.revoked_at is None:
                row.revoked_at = utcnow()
        self._cache.clear()
        await self._audit.record(
            caller.actor,
            "key.revoke",
            resource_type="key",
            resource_id=key_id,
            details={"user": owner},
        )
        await self._bus.publish(ACCESS_TOPIC, "key.changed", {"key": key_id})

    async def authenticate(self, secret: str) -> Principal | None:
        """The key's principal if it is valid now: not revoked, not expired, owner enabled."""
        digest = key_digest(secret)
        cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            resolved = cached[1]
        else:
            resolved = await self._resolve(digest)
            self._cache[digest] = (time.monotonic(), resolved)
        if resolved is None or resolved.revoked or resolved.owner_disabled:
            return None
        if resolved.expires_at is not None and resolved.expires_at <= utcnow():
            return None
        await self._touch(resolved.key_id)
        # If the owner was demoted since, the key drops to the owner's role.
        within = all(
            self._roles.allows(resolved.owner_role, p) for p in self._roles.effective(resolved.role)
        )
        role = resolved.role if within else resolved.owner_role
        return Principal(name=resolved.owner, role=role, kind="key", key_id=resolved.key_id)

    async def _resolve(self, digest: str) -> _Resolved | None:
        async with self._db.session() as session:
            found = (
                await session.execute(
                    select(ApiKeyRow, UserRow)
                    .join(UserRow, UserRow.id == ApiKeyRow.user_id)
                    .where(ApiKeyRow.key_hash == digest)
                )
            ).first()
        if found is None:
            return None
        row, owner = found
        return _Resolved(
            key_id=row.id,
            owner=owner.name,
            owner_role=owner.role,
            owner_disabled=owner.disabled,
            role=row.role,
            expires_at=row.expires_at,
            revoked=row.revoked_at is not None,
        )

    async def _touch(self, key_id: str) -> None:
        now = time.monotonic()
        if now - self._last_used.get(key_id, -LAST_USED_RESOLUTION) < LAST_USED_RESOLUTION:
            return
        self._last_used[key_id] = now
        async with self._db.session() as session:
            await session.execute(
                update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow())
            )

    def forget(self) -> None:
        self._cache.clear()

    @staticmethod
    def _view(row: ApiKeyRow, owner: str) -> ApiKey:
        return ApiKey(
            id=row.id,
            name=row.name,
            user=owner,
            role=row.role,
            last4=row.last4,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
