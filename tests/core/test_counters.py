"""Windowed counters and locks behave alike in memory and on the real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
import redis.exceptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmdeck.core.counters import (
    BUCKETS,
    Admission,
    Counters,
    LockTimeout,
    MemoryCounters,
    RedisCounters,
    create_counters,
)

START = 1_000_000.0
WINDOW = 60.0  # one-second buckets keep the arithmetic in these tests exact


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_counters(
    live_backend: str, clock: FakeClock, request: pytest.FixtureRequest
) -> Callable[[], Counters]:
    """Build counters of the backend under test; Redis ones share this test's prefix."""
    if live_backend == "memory":
        memory = MemoryCounters(clock=clock)
        return lambda: memory
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    return lambda: create_counters(url, prefix=prefix, clock=clock)


@pytest.fixture
async def counters(make_counters: Callable[[], Counters]) -> AsyncIterator[Counters]:
    built = make_counters()
    yield built
    await built.aclose()


async def test_admits_up_to_limit_and_refuses_beyond(counters: Counters) -> None:
    results = [await counters.check_and_add("k", 10, limit=35, window=WINDOW) for _ in range(4)]

    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.total for r in results] == [10, 20, 30, 30]
    assert await counters.check_and_add("k", 5, limit=35, window=WINDOW) == Admission(True, 35, 0.0)


async def test_refused_call_changes_nothing(counters: Counters) -> None:
    await counters.add("k", 45, window=WINDOW)

    refused = await counters.check_and_add("k", 6, limit=50, window=WINDOW)

    assert not refused.allowed
    assert refused.total == 45
    assert await counters.total("k", window=WINDOW) == 45
    assert (await counters.check_and_add("k", 5, limit=50, window=WINDOW)).allowed


async def test_totals_decay_as_time_moves_past_the_window(
    counters: Counters, clock: FakeClock
) -> None:
    await counters.add("k", 5, window=WINDOW)
    clock.advance(30)
    await counters.add("k", 7, window=WINDOW)

    clock.advance(29.5)
    assert await counters.total("k", window=WINDOW) == 12
    clock.advance(0.5)  # the first bucket started exactly one window ago: out
    assert await counters.total("k", window=WINDOW) == 7
    clock.advance(30)
    assert await counters.total("k", window=WINDOW) == 0


async def test_negative_add_settles_a_reservation(counters: Counters) -> None:
    assert (await counters.check_and_add("k", 40, limit=50, window=WINDOW)).allowed

    assert await counters.add("k", -15, window=WINDOW) == 25

    assert await counters.check_and_add("k", 25, limit=50, window=WINDOW) == Admission(
        True, 50, 0.0
    )


async def test_separate_keys_and_windows_are_independent(counters: Counters) -> None:
    await counters.add("a", 3, window=WINDOW)
    await counters.add("a", 4, window=3600)
    await counters.add("b", 5, window=WINDOW)

    assert await counters.total("a", window=WINDOW) == 3
    assert await counters.total("a", window=3600) == 4
    assert await counters.total("b", window=WINDOW) == 5
    assert await counters.total("c", window=WINDOW) == 0


async def test_retry_after_is_zero_when_allowed_and_admits_after_waiting_it(
    counters: Counters, clock: FakeClock
) -> None:
    assert (await counters.check_and_add("k", 30, limit=50, window=WINDOW)).retry_after == 0.0
    clock.advance(10)
    await counters.add("k", 20, window=WINDOW)

    refused = await counters.check_and_add("k", 10, limit=50, window=WINDOW)

    # The 30 added at START must expire for 10 more to fit: at START + 60, 50 s from now.
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(50.0)
    clock.advance(refused.retry_after - 0.5)
    assert not (await counters.check_and_add("k", 10, limit=50, window=WINDOW)).allowed
    clock.advance(0.5)
    assert await counters.check_and_add("k", 10, limit=50, window=WINDOW) == Admission(
        True, 30, 0.0
    )


async def test_retry_after_is_exact_on_awkward_windows_and_clocks(
    counters: Counters, clock: FakeClock
) -> None:
    clock.now = 1_712_345_678.123456
    window = 7.3
    await counters.add("k", 9, window=window)
    clock.advance(1.234567)

    refused = await counters.check_and_add("k", 2, limit=10, window=window)

    assert not refused.allowed
    assert 0 < refused.retry_after <= window
    clock.advance(refused.retry_after)
    assert (await counters.check_and_add("k", 2, limit=10, window=window)).allowed


async def test_amount_beyond_limit_is_refused_for_a_whole_window(counters: Counters) -> None:
    refused = await counters.check_and_add("k", 51, limit=50, window=WINDOW)

    assert refused == Admission(False, 0, WINDOW)
    assert await counters.total("k", window=WINDOW) == 0


async def test_rejects_non_positive_window(counters: Counters) -> None:
    with pytest.raises(ValueError, match="window"):
        await counters.total("k", window=0)


async def test_concurrent_check_and_add_admits_exactly_the_limit(counters: Counters) -> None:
    results = await asyncio.gather(
        *(counters.check_and_add("k", 1, limit=50, window=WINDOW) for _ in range(200))
    )

    assert sum(r.allowed for r in results) == 50
    assert await counters.total("k", window=WINDOW) == 50


@pytest.mark.redis
async def test_concurrent_check_and_add_across_connections_admits_exactly_the_limit(
    redis_url: str, redis_prefix: str, clock: FakeClock
) -> None:
    replicas = [
        RedisCounters.from_url(redis_url, prefix=redis_prefix, clock=clock) for _ in range(4)
    ]
    try:
        results = await asyncio.gather(
            *(replicas[i % 4].check_and_add("k", 1, limit=50, window=WINDOW) for i in range(200))
        )
        assert sum(r.allowed for r in results) == 50
        assert {await r.total("k", window=WINDOW) for r in replicas} == {50}
    finally:
        for replica in replicas:
            await replica.aclose()


@pytest.mark.redis
async def test_redis_keys_expire_one_bucket_after_the_window(
    redis_url: str, redis_prefix: str, clock: FakeClock
) -> None:
    counters = RedisCounters.from_url(redis_url, prefix=redis_prefix, clock=clock)
    client = aioredis.Redis.from_url(redis_url)
    try:
        await counters.add("k", 1, window=WINDOW)
        ttl = await client.pttl(f"{redis_prefix}:ctr:k:60.0")
        assert WINDOW * 1000 < ttl <= (WINDOW + WINDOW / BUCKETS) * 1000
    finally:
        await client.aclose()
        await counters.aclose()


Operation = tuple[Any, ...]


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[float, list[Operation]]:
    """A window and operations on it.

    Steps of whole bucket widths, up to about one window, build histories over several buckets
    and reach the edges where buckets leave the window; small amounts against small limits make
    exact fits common.
    """
    window = draw(st.sampled_from([7.3, 60.0]))
    width = window / BUCKETS
    keys = st.sampled_from(["a", "b"])
    widths = st.sampled_from([1, 2, 3, 10, BUCKETS // 2, BUCKETS - 1, BUCKETS, BUCKETS + 1])
    operation = st.one_of(
        st.tuples(st.just("check"), keys, st.integers(-2, 8), st.integers(0, 15)),
        st.tuples(st.just("add"), keys, st.integers(-5, 8)),
        st.tuples(st.just("total"), keys),
        st.tuples(st.just("advance"), widths.map(lambda k: k * width)),
        st.tuples(st.just("advance"), st.floats(0, window, allow_nan=False)),
    )
    return window, draw(st.lists(operation, min_size=20, max_size=60))


@pytest.mark.redis
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.floats(1e6, 2e9), scenario=_scenarios())
async def test_memory_and_redis_answer_identically_at_every_step(
    redis_url: str, redis_prefix: str, start: float, scenario: tuple[float, list[Operation]]
) -> None:
    window, operations = scenario
    clock = FakeClock(start)
    memory = MemoryCounters(clock=clock)
    # Examples share the fixture's prefix, so each gets a key space of its own under it.
    shared = RedisCounters.from_url(
        redis_url, prefix=f"{redis_prefix}:{uuid.uuid4().hex[:8]}", clock=clock
    )
    try:
        for operation in operations:
            match operation:
                case ("advance", seconds):
                    clock.advance(seconds)
                case ("check", key, amount, limit):
                    expected = await memory.check_and_add(key, amount, limit=limit, window=window)
                    got = await shared.check_and_add(key, amount, limit=limit, window=window)
                    assert got == expected, operation
                case ("add", key, amount):
                    expected_total = await memory.add(key, amount, window=window)
                    assert await shared.add(key, amount, window=window) == expected_total
                case ("total", key):
                    expected_total = await memory.total(key, window=window)
                    assert await shared.total(key, window=window) == expected_total
    finally:
        await shared.aclose()


async def test_lock_excludes_concurrent_holders(counters: Counters) -> None:
    inside = 0
    overlaps = 0

    async def work() -> None:
        nonlocal inside, overlaps
        async with counters.lock("job"):
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(8)))

    assert overlaps == 0
    assert inside == 0


async def test_lock_raises_lock_timeout_after_blocking_timeout(counters: Counters) -> None:
    async with counters.lock("job"):
        with pytest.raises(LockTimeout):
            async with counters.lock("job", blocking_timeout=0.1):
                pytest.fail("entered a held lock")
        async with counters.lock("other", blocking_timeout=0.1):
            pass
    async with counters.lock("job", blocking_timeout=0):
        pass


async def test_lock_is_released_when_the_block_raises(counters: Counters) -> None:
    with pytest.raises(RuntimeError):
        async with counters.lock("job"):
            raise RuntimeError("boom")

    async with counters.lock("job", blocking_timeout=0.1):
        pass


@pytest.mark.redis
async def test_redis_lock_excludes_separate_clients(redis_url: str, redis_prefix: str) -> None:
    first = RedisCounters.from_url(redis_url, prefix=redis_prefix)
    second = RedisCounters.from_url(redis_url, prefix=redis_prefix)
    try:
        async with first.lock("job"):
            with pytest.raises(LockTimeout):
                async with second.lock("job", blocking_timeout=0.1):
                    pytest.fail("second client entered a held lock")
        async with second.lock("job", blocking_timeout=0.1):
            pass
    finally:
        await first.aclose()
        await second.aclose()


async def test_ping_succeeds_on_a_live_backend(counters: Counters) -> None:
    await counters.ping()


@pytest.mark.redis
async def test_ping_raises_on_unreachable_redis() -> None:
    unreachable = RedisCounters.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await unreachable.ping()
    finally:
        await unreachable.aclose()


async def test_create_counters_picks_memory_without_a_url(redis_url: str) -> None:
    memory, shared = create_counters(None), create_counters(redis_url)
    try:
        assert isinstance(memory, MemoryCounters)
        assert isinstance(shared, RedisCounters)
    finally:
        await memory.aclose()
        await shared.aclose()
