"""Storage on both engines: migrations, the key-value store, exact money, UTC times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, text

from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.core.models import KeyValue, Money, UTCDateTime, uuid7
from swarmdeck.migrations import alembic_config, current_revision, downgrade, upgrade

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.aclose()


@pytest.fixture
def kv(db: Database) -> KeyValueStore:
    return KeyValueStore(db)


def unique(name: str) -> str:
    return f"{name}-{uuid7().hex}"


async def test_migrations_go_up_and_down_from_empty(fresh_database_url: str) -> None:
    database = Database(fresh_database_url)
    try:
        assert await current_revision(database.engine) is None
        await upgrade(database.engine)
        assert await current_revision(database.engine) == HEAD
        await downgrade(database.engine, "base")
        assert await current_revision(database.engine) is None
        await upgrade(database.engine)  # and up again: downgrades leave nothing behind
        assert await current_revision(database.engine) == HEAD
    finally:
        await database.aclose()


async def test_migrating_twice_is_harmless(db: Database) -> None:
    await db.migrate()
    assert await current_revision(db.engine) == HEAD


async def test_concurrent_migrations_agree(fresh_database_url: str) -> None:
    databases = [Database(fresh_database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(d.migrate() for d in databases))
        assert await current_revision(databases[0].engine) == HEAD
    finally:
        for database in databases:
            await database.aclose()


async def test_kv_round_trips_json(kv: KeyValueStore) -> None:
    key = unique("k")
    value = {"name": "research", "agents": [1, 2, 3], "nested": {"ok": True, "ratio": 0.25}}
    created = await kv.put("test", key, value)
    assert created.version == 1
    entry = await kv.get("test", key)
    assert entry is not None
    assert entry.value == value
    assert entry.updated_at.tzinfo is not None


async def test_kv_put_counts_versions(kv: KeyValueStore) -> None:
    key = unique("k")
    await kv.put("test", key, 1)
    await kv.put("test", key, 2)
    third = await kv.put("test", key, 3)
    assert third.version == 3
    entry = await kv.get("test", key)
    assert entry is not None and entry.value == 3


async def test_kv_create_refuses_an_existing_key(kv: KeyValueStore) -> None:
    key = unique("k")
    await kv.create("test", key, "first")
    with pytest.raises(Conflict):
        await kv.create("test", key, "second")
    entry = await kv.get("test", key)
    assert entry is not None and entry.value == "first"


async def test_kv_replace_refuses_a_stale_version(kv: KeyValueStore) -> None:
    key = unique("k")
    await kv.create("test", key, "v1")
    await kv.replace("test", key, "v2", expected_version=1)
    with pytest.raises(Conflict):
        await kv.replace("test", key, "lost update", expected_version=1)
    entry = await kv.get("test", key)
    assert entry is not None and (entry.value, entry.version) == ("v2", 2)


async def test_kv_concurrent_replace_has_exactly_one_winner(kv: KeyValueStore) -> None:
    key = unique("k")
    await kv.create("test", key, 0)

    async def attempt(n: int) -> bool:
        try:
            await kv.replace("test", key, n, expected_version=1)
            return True
        except Conflict:
            return False

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    assert results.count(True) == 1
    entry = await kv.get("test", key)
    assert entry is not None and entry.version == 2


async def test_kv_delete_and_keys(kv: KeyValueStore) -> None:
    namespace = unique("ns")
    for key in ("b", "a", "c"):
        await kv.put(namespace, key, key)
    assert await kv.keys(namespace) == ["a", "b", "c"]
    assert await kv.delete(namespace, "b") is True
    assert await kv.delete(namespace, "b") is False
    assert await kv.keys(namespace) == ["a", "c"]


_metadata = MetaData()
_ledger = Table(
    "test_money_ledger",
    _metadata,
    Column("id", String(64), primary_key=True),
    Column("amount", Money, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)


@pytest.fixture
async def ledger(db: Database) -> AsyncIterator[Database]:
    async with db.engine.begin() as conn:
        await conn.run_sync(_metadata.create_all)
    yield db
    async with db.engine.begin() as conn:
        await conn.run_sync(_metadata.drop_all)


money = st.decimals(
    min_value=Decimal("-1000000"),
    max_value=Decimal("1000000"),
    places=9,
    allow_nan=False,
    allow_infinity=False,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(money, min_size=1, max_size=8))
async def test_money_is_exact_in_rows_and_in_sql_sums(
    ledger: Database, amounts: list[Decimal]
) -> None:
    batch = uuid7().hex
    now = datetime.now(UTC)
    async with ledger.session() as session:
        await session.execute(
            insert(_ledger),
            [{"id": f"{batch}-{i}", "amount": a, "at": now} for i, a in enumerate(amounts)],
        )
    async with ledger.session() as session:
        stored = list(
            await session.scalars(select(_ledger.c.amount).where(_ledger.c.id.like(f"{batch}-%")))
        )
        total = await session.scalar(
            select(func.sum(_ledger.c.amount)).where(_ledger.c.id.like(f"{batch}-%"))
        )
    assert sorted(stored) == sorted(amounts)
    assert total == sum(amounts)


async def test_money_refuses_floats(ledger: Database) -> None:
    with pytest.raises(Exception, match="Decimal"):
        async with ledger.session() as session:
            await session.execute(insert(_ledger).values(id="f", amount=0.1, at=datetime.now(UTC)))


async def test_datetimes_come_back_aware_and_in_utc(ledger: Database) -> None:
    local = datetime(2026, 11, 25, 20, 30, tzinfo=timezone(timedelta(hours=2)))
    async with ledger.session() as session:
        await session.execute(insert(_ledger).values(id="t", amount=Decimal("1"), at=local))
    async with ledger.session() as session:
        stored = await session.scalar(select(_ledger.c.at).where(_ledger.c.id == "t"))
    assert stored == local
    assert stored is not None and stored.utcoffset() == timedelta(0)


def test_uuid7_sorts_by_creation_time() -> None:
    ids = [uuid7() for _ in range(200)]
    assert all(u.version == 7 for u in ids)
    assert [u.int >> 80 for u in ids] == sorted(u.int >> 80 for u in ids)
    assert len(set(ids)) == 200


async def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    try:
        async with database.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        assert mode == "wal"
    finally:
        await database.aclose()


async def test_immediate_sessions_serialise_read_then_write(
    db: Database, kv: KeyValueStore
) -> None:
    """Read-modify-write inside immediate sessions never loses an update, on either engine."""
    key = unique("counter")
    await kv.put("test", key, 0)

    async def increment() -> None:
        async with db.session(immediate=True) as session:
            if db.dialect == "postgresql":
                # PostgreSQL serialises with a row lock instead.
                await session.execute(
                    text("SELECT 1 FROM kv WHERE namespace='test' AND key=:k FOR UPDATE"),
                    {"k": key},
                )
            row = await session.get(KeyValue, ("test", key))
            assert row is not None
            await asyncio.sleep(0)  # let the others try to interleave
            row.value = row.value + 1

    await asyncio.gather(*(increment() for _ in range(25)))
    entry = await kv.get("test", key)
    assert entry is not None and entry.value == 25
