"""The cost ledger on both engines: batched writes, nothing lost on close, an event per call,
and rows kept in memory (bounded) while the database is away."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from swarmdeck.core.bus import MemoryBus
from swarmdeck.core.db import Database
from swarmdeck.core.models import uuid7
from swarmdeck.costs._tables import CallRow
from swarmdeck.costs.ledger import Ledger
from swarmdeck.costs.usage import CallRecord, Usage


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.aclose()


def call(
    swarm: str,
    n: int = 0,
    *,
    cost: str = "0.001234567",
    at: datetime | None = None,
    **extra: Any,
) -> CallRecord:
    return CallRecord(
        id=str(uuid7()),
        at=at or datetime.now(UTC),
        provider="openai",
        alias="gpt-4o",
        model="gpt-4o-2024-08-06",
        usage=Usage(input_tokens=100 + n, output_tokens=20, cached_input_tokens=10),
        cost_usd=Decimal(cost),
        swarm=swarm,
        **extra,
    )


async def stored(db: Database, swarm: str) -> tuple[int, Decimal]:
    async with db.session() as session:
        row = (
            await session.execute(
                select(func.count(), func.sum(CallRow.cost_usd)).where(CallRow.swarm == swarm)
            )
        ).one()
    return int(row[0]), Decimal(row[1] or 0)


def count_inserts(db: Database) -> list[str]:
    """Every INSERT into llm_calls the engine sends (executemany would show as one per row)."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO LLM_CALLS"):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    return seen


async def test_a_thousand_calls_are_written_in_batches_and_none_is_lost_on_close(
    db: Database,
) -> None:
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    inserts = count_inserts(db)
    ledger = Ledger(db, None, batch_size=100, flush_seconds=0.2)
    await ledger.start()
    for n in range(1000):
        ledger.record(call(swarm, n))
    await ledger.aclose()  # what SIGTERM does: drain, then stop
    count, total = await stored(db, swarm)
    assert count == 1000
    assert total == Decimal("1.234567")  # 1000 x 0.001234567, exact
    assert len(inserts) == 10  # one multi-row INSERT per batch of 100


async def test_a_lone_call_is_written_within_the_flush_interval(db: Database) -> None:
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, None, batch_size=500, flush_seconds=0.1)
    await ledger.start()
    try:
        ledger.record(call(swarm))
        assert ledger.pending == 1
        deadline = time.monotonic() + 2
        while (await stored(db, swarm))[0] == 0:
            assert time.monotonic() < deadline, "not written within 2 s"
            await asyncio.sleep(0.02)
        assert ledger.pending == 0
    finally:
        await ledger.aclose()


async def test_flush_returns_once_everything_recorded_is_committed(db: Database) -> None:
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, None, flush_seconds=60)  # only a flush writes in this test
    await ledger.start()
    try:
        for n in range(7):
            ledger.record(call(swarm, n))
        await asyncio.wait_for(ledger.flush(), 5)
        assert (await stored(db, swarm))[0] == 7
    finally:
        await ledger.aclose()


async def test_each_call_is_an_event_on_the_costs_topic_at_once(db: Database) -> None:
    bus = MemoryBus()
    subscription = await bus.subscribe(["costs"])
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, bus, flush_seconds=60)  # events must not wait for the write
    await ledger.start()
    try:
        started = time.monotonic()
        for n in range(25):
            ledger.record(call(swarm, n, cost="0.0000000004"))  # rounds to 0 at 1e-9
        ledger.record(call(swarm, 99, cost="0.0123456789"))
        events = []
        async for item in subscription:
            events.append(item)
            if len(events) == 26:
                break
        assert time.monotonic() - started < 1.0
    finally:
        await bus.unsubscribe(subscription)
        await ledger.aclose()
    assert {e.topic for e in events} == {"costs"} and {e.type for e in events} == {"call"}
    last = events[-1].data
    assert last["swarm"] == swarm and last["alias"] == "gpt-4o" and last["input_tokens"] == 199
    # The amount as the ledger stores it: billionths, a string so JSON keeps it exact.
    assert last["cost_usd"] == "0.012345679" and events[0].data["cost_usd"] == "0"
    assert datetime.fromisoformat(last["at"]).tzinfo is not None


async def test_rows_wait_in_memory_while_the_database_is_down(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, None, batch_size=10, flush_seconds=0.01, max_pending=30)
    real_insert = ledger._insert
    down = True
    attempts = 0

    async def flaky(batch: Any) -> None:
        nonlocal attempts
        attempts += 1
        if down:
            raise ConnectionError("database unreachable")
        await real_insert(batch)

    ledger._insert = flaky  # type: ignore[method-assign]
    await ledger.start()
    try:
        with caplog.at_level(logging.WARNING, logger="swarmdeck.costs.ledger"):
            for n in range(35):
                ledger.record(call(swarm, n))
            await asyncio.sleep(0.4)
            assert attempts >= 2  # retried with backoff
            assert ledger.pending == 30 and ledger.dropped == 5  # the newest beyond the bound
            assert any("ledger full" in r.message for r in caplog.records)
            assert any("retrying" in r.message for r in caplog.records)
            down = False
            await asyncio.wait_for(ledger.flush(), 10)
    finally:
        await ledger.aclose()
    assert (await stored(db, swarm))[0] == 30


async def test_close_without_start_still_writes_what_was_recorded(db: Database) -> None:
    """CLI commands never start the writer; closing the runtime writes their calls."""
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, None)
    for n in range(3):
        ledger.record(call(swarm, n))
    await ledger.aclose()
    assert (await stored(db, swarm))[0] == 3


async def test_recent_calls_come_back_newest_first_with_every_field(db: Database) -> None:
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    ledger = Ledger(db, None, flush_seconds=60)
    await ledger.start()
    future = datetime.now(UTC) + timedelta(days=3650)  # newer than any other test's rows
    try:
        older = call(swarm, 1, at=future)
        newest = call(
            swarm,
            2,
            at=future + timedelta(seconds=1),
            key_id="k1",
            user="vera",
            agent="planner",
            status="error",
            status_code=502,
            error_type="upstream",
            cache="semantic-hit",
            latency_ms=12.5,
            ttft_ms=3.25,
            streamed=True,
            saved_usd=Decimal("0.5"),
            attributes={"trace": "abc"},
        )
        ledger.record(older)
        ledger.record(newest)
        got = await ledger.recent(2)  # flushes first: a call just made is listed
    finally:
        await ledger.aclose()
    assert [c.id for c in got] == [newest.id, older.id]
    assert got[0] == newest


async def test_stopping_the_runtime_writes_every_call_it_took(
    database_url: str, tmp_path: Path
) -> None:
    """What SIGTERM does to a server: the runtime stops, and the ledger drains first."""
    from swarmdeck.config import FileConfig, Settings
    from swarmdeck.runtime import Runtime

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    runtime = Runtime.build(settings, FileConfig())
    await runtime.start()
    swarm = f"s-{uuid.uuid4().hex[:8]}"
    try:
        for n in range(1000):
            runtime.ledger.record(call(swarm, n))
    finally:
        await runtime.stop()
    db = Database(database_url)
    try:
        assert await stored(db, swarm) == (1000, Decimal("1.234567"))
    finally:
        await db.aclose()
