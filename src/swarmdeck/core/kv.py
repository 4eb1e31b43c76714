"""Namespaced key-value state with optimistic concurrency, on either engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict
from swarmdeck.core.models import KeyValue, utcnow


@dataclass(frozen=True, slots=True)
class Entry:
    value: Any
    version: int
    updated_at: datetime


class KeyValueStore:
    """Small durable state (instance id, runtime toggles). Not for bulk data."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, namespace: str, key: str) -> Entry | None:
        async with self._db.session() as session:
            row = await session.get(KeyValue, (namespace, key))
            return None if row is None else Entry(row.value, row.version, row.updated_at)

    async def create(self, namespace: str, key: str, value: Any) -> Entry:
        """Insert a new key; `Conflict` if it exists already."""
        now = utcnow()
        try:
            async with self._db.session() as session:
                session.add(
                    KeyValue(namespace=namespace, key=key, value=value, version=1, updated_at=now)
                )
        except IntegrityError:
            raise Conflict(f"{namespace}/{key} exists already") from None
        return Entry(value, 1, now)

    async def replace(
        self, namespace: str, key: str, value: Any, *, expected_version: int
    ) -> Entry:
        """Write only if nobody changed the key since `expected_version`; else `Conflict`."""
        now = utcnow()
        async with self._db.session() as session:
            result = await session.execute(
                update(KeyValue)
                .where(
                    KeyValue.namespace == namespace,
                    KeyValue.key == key,
                    KeyValue.version == expected_version,
                )
                .values(value=value, version=expected_version + 1, updated_at=now)
                .returning(KeyValue.version)
            )
            if result.scalar_one_or_none() is None:
                raise Conflict(
                    f"{namespace}/{key} changed since version {expected_version}",
                    details={"expected_version": expected_version},
                )
        return Entry(value, expected_version + 1, now)

    async def put(self, namespace: str, key: str, value: Any) -> Entry:
        """Upsert: the last writer wins, the version still counts every write."""
        now = utcnow()
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        upsert = (
            insert(KeyValue)
            .values(namespace=namespace, key=key, value=value, version=1, updated_at=now)
            .on_conflict_do_update(
                index_elements=[KeyValue.namespace, KeyValue.key],
                set_={"value": value, "version": KeyValue.version + 1, "updated_at": now},
            )
            .returning(KeyValue.version)
        )
        async with self._db.session() as session:
            version = (await session.execute(upsert)).scalar_one()
        return Entry(value, version, now)

    async def delete(self, namespace: str, key: str) -> bool:
        async with self._db.session() as session:
            row = await session.get(KeyValue, (namespace, key))
            if row is None:
                return False
            await session.delete(row)
            return True

    async def keys(self, namespace: str) -> list[str]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(KeyValue.key).where(KeyValue.namespace == namespace).order_by(KeyValue.key)
            )
            return list(rows)
