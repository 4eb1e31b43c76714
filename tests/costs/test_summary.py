"""Spend summaries and time series, computed in SQL, exact to the billionth on both engines.

The PostgreSQL database is shared by the run, so each test puts its calls on a day of its
own in the past and asks as of that day.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput
from swarmdeck.core.models import uuid7
from swarmdeck.costs.ledger import Ledger
from swarmdeck.costs.summary import summary, timeseries
from swarmdeck.costs.usage import CallRecord, Usage


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.aclose()


@pytest.fixture
def now() -> datetime:
    """A moment of this test's own, at a whole hour, years ago."""
    day = random.SystemRandom().randrange(0, 20 * 365)
    return datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=day, hours=12)


def call(at: datetime, cost: str, **attrs: object) -> CallRecord:
    usage = attrs.pop("usage", Usage(input_tokens=1000, output_tokens=100))
    fields: dict[str, object] = {"provider": "openai", "alias": "gpt-4o", "model": "gpt-4o"}
    fields.update(attrs)
    return CallRecord(
        id=str(uuid7()),
        at=at,
        usage=usage,  # type: ignore[arg-type]
        cost_usd=Decimal(cost),
        **fields,  # type: ignore[arg-type]
    )


async def write(db: Database, *calls: CallRecord) -> None:
    ledger = Ledger(db, None)
    for c in calls:
        ledger.record(c)
    await ledger.aclose()


async def test_summary_groups_exactly_and_sorts_by_cost(db: Database, now: datetime) -> None:
    minute = timedelta(minutes=1)
    await write(
        db,
        call(now - minute, "0.000000001", swarm="research", user="vera"),
        call(now - 2 * minute, "0.100000002", swarm="research", user="vera"),
        call(now - 3 * minute, "0.3", swarm="ops", user="olga", saved_usd=Decimal("0.25")),
        call(now - 4 * minute, "0.05", swarm=None, user="olga", alias="claude"),
        # Outside the hour, inside the day.
        call(now - timedelta(hours=5), "7", swarm="research", user="vera"),
        # Outside every window asked below.
        call(now - timedelta(days=40), "1000", swarm="research"),
    )
    hour = await summary(db, window="1h", group_by="swarm", now=now)
    assert hour.total_usd == Decimal("0.450000003")
    assert [(g.key, g.cost_usd, g.calls) for g in hour.groups] == [
        ("ops", Decimal("0.3"), 1),
        ("research", Decimal("0.100000003"), 2),
        (None, Decimal("0.05"), 1),
    ]
    assert hour.groups[0].saved_usd == Decimal("0.25") and hour.saved_usd == Decimal("0.25")
    assert hour.groups[1].input_tokens == 2000 and hour.groups[1].output_tokens == 200
    assert hour.calls == 4

    day = await summary(db, window="1d", group_by="user", now=now)
    assert day.total_usd == Decimal("7.450000003")
    assert [(g.key, g.cost_usd) for g in day.groups] == [
        ("vera", Decimal("7.100000003")),
        ("olga", Decimal("0.35")),
    ]
    by_model = await summary(db, window="1d", group_by="model", now=now)
    assert {g.key: g.calls for g in by_model.groups} == {"gpt-4o": 4, "claude": 1}
    month = await summary(db, window="30d", group_by="provider", now=now)
    assert month.total_usd == Decimal("7.450000003")  # 40 days ago is outside 30d


async def test_sums_of_many_small_amounts_stay_exact(db: Database, now: datetime) -> None:
    rng = random.Random(11)
    amounts = [Decimal(rng.randrange(1, 10**9)) / Decimal(10**9) for _ in range(300)]
    keys = ["k1", "k2", "k3"]
    calls = [
        call(now - timedelta(seconds=n), str(amount), key_id=keys[n % 3])
        for n, amount in enumerate(amounts)
    ]
    await write(db, *calls)
    result = await summary(db, window="1h", group_by="key", now=now)
    assert result.total_usd == sum(amounts)
    for group in result.groups:
        assert group.cost_usd == sum(a for n, a in enumerate(amounts) if keys[n % 3] == group.key)


async def test_timeseries_buckets_by_epoch_seconds(db: Database, now: datetime) -> None:
    await write(
        db,
        call(now - timedelta(seconds=30), "0.5", alias="a"),  # the bucket [now-1m, now)
        call(now - timedelta(seconds=59, microseconds=999_999), "0.25", alias="b"),
        call(now - timedelta(seconds=60, microseconds=1), "1", alias="a"),  # [now-2m, now-1m)
        call(now - timedelta(minutes=30), "2", alias="b"),
        call(now - timedelta(hours=2), "9", alias="a"),  # outside the hour
    )
    series = await timeseries(db, window="1h", now=now)
    assert series.bucket_seconds == 60
    assert len(series.points) == 61  # the partial first bucket, ..., the bucket holding now
    by_start = {p.start: p for p in series.points}
    last = by_start[now - timedelta(minutes=1)]
    assert (last.cost_usd, last.calls) == (Decimal("0.75"), 2)
    assert by_start[now - timedelta(minutes=2)].cost_usd == Decimal(1)
    assert by_start[now - timedelta(minutes=30)].cost_usd == Decimal(2)
    assert sum(p.cost_usd for p in series.points) == Decimal("3.75")
    assert by_start[now].calls == 0  # empty buckets are there, at zero

    grouped = await timeseries(db, window="1h", group_by="model", bucket_seconds=600, now=now)
    assert grouped.bucket_seconds == 600
    newest = {p.start: p for p in grouped.points}[now - timedelta(minutes=10)]
    assert [(g.key, g.cost_usd, g.calls) for g in newest.groups] == [
        ("a", Decimal("1.5"), 2),
        ("b", Decimal("0.25"), 1),
    ]


async def test_summary_flushes_the_ledger_first(db: Database) -> None:
    """A call just made shows up at once, even before the writer's interval has passed."""
    ledger = Ledger(db, None, flush_seconds=60)
    await ledger.start()
    marker = f"s-{uuid7().hex[:8]}"
    future = datetime.now(UTC) + timedelta(days=4000)  # only this test's rows
    try:
        ledger.record(call(future, "0.42", swarm=marker))
        result = await summary(db, window="1h", group_by="swarm", ledger=ledger, now=future)
    finally:
        await ledger.aclose()
    assert [(g.key, g.cost_usd) for g in result.groups] == [(marker, Decimal("0.42"))]


async def test_bad_windows_groups_and_buckets_are_invalid_input(db: Database) -> None:
    with pytest.raises(InvalidInput):
        await summary(db, window="2h", group_by="swarm")
    with pytest.raises(InvalidInput):
        await summary(db, window="1h", group_by="colour")
    with pytest.raises(InvalidInput):
        await timeseries(db, window="30d", bucket_seconds=60)  # 43,200 buckets
