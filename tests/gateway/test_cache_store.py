"""The cache stores: blobs with a TTL and partition logs, in memory and on the real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from swarmdeck.gateway.cache import CacheStore, MemoryStore
from swarmdeck.gateway.cache._redis_store import RedisStore


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(
    request: pytest.FixtureRequest, redis_url: str, redis_prefix: str
) -> AsyncIterator[CacheStore]:
    backend: CacheStore = (
        MemoryStore() if request.param == "memory" else RedisStore(redis_url, redis_prefix)
    )
    yield backend
    await backend.aclose()


async def test_store_returns_what_was_set(store: CacheStore) -> None:
    assert await store.get("k") is None
    await store.set("k", b"value", ttl=60)
    assert await store.get("k") == b"value"
    await store.set("k", b"newer", ttl=60)
    assert await store.get("k") == b"newer"


async def test_log_reads_only_records_after_the_cursor(store: CacheStore) -> None:
    assert await store.read("log", None) == []
    await store.append("log", b"one", ttl=60, max_len=100)
    await store.append("log", b"two", ttl=60, max_len=100)
    first = await store.read("log", None)
    assert [record for _, record in first] == [b"one", b"two"]
    assert await store.read("log", first[-1][0]) == []
    await store.append("log", b"three", ttl=60, max_len=100)
    assert [record for _, record in await store.read("log", first[-1][0])] == [b"three"]
    assert await store.read("other-log", None) == []


@pytest.mark.redis
async def test_redis_store_expires_blobs_and_logs(redis_url: str, redis_prefix: str) -> None:
    store = RedisStore(redis_url, redis_prefix)
    try:
        await store.set("k", b"v", ttl=0.05)
        await store.append("log", b"r", ttl=0.05, max_len=10)
        await asyncio.sleep(0.15)
        assert await store.get("k") is None
        assert await store.read("log", None) == []
    finally:
        await store.aclose()


async def test_memory_store_expires_entries_after_their_ttl() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    await store.set("k", b"v", ttl=10)
    await store.append("log", b"r", ttl=10, max_len=10)
    clock.now += 9.9
    assert await store.get("k") == b"v"
    assert len(await store.read("log", None)) == 1
    clock.now += 0.2
    assert await store.get("k") is None
    assert await store.read("log", None) == []
    assert store.bytes == 0


async def test_memory_store_evicts_least_recently_used_beyond_its_byte_bound() -> None:
    store = MemoryStore(max_bytes=4000)
    for name in ("a", "b", "c"):
        await store.set(name, b"x" * 1000, ttl=60)
    assert await store.get("a") is not None  # "a" is now the most recently used
    await store.set("d", b"x" * 1000, ttl=60)
    assert await store.get("b") is None
    assert all([await store.get(name) for name in ("a", "c", "d")])
    assert store.bytes <= store.max_bytes


async def test_memory_store_counts_logs_against_the_same_bound() -> None:
    store = MemoryStore(max_bytes=3000)
    await store.set("blob", b"x" * 1000, ttl=60)
    for _ in range(4):
        await store.append("log", b"y" * 600, ttl=60, max_len=100)
    assert await store.get("blob") is None
    assert len(await store.read("log", None)) == 4
    assert store.bytes <= store.max_bytes


async def test_memory_store_caps_a_log_at_max_len() -> None:
    store = MemoryStore()
    for i in range(5):
        await store.append("log", str(i).encode(), ttl=60, max_len=3)
    assert [record for _, record in await store.read("log", None)] == [b"2", b"3", b"4"]


async def test_memory_store_cursor_survives_a_log_expiring() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    await store.append("log", b"old", ttl=1, max_len=10)
    cursor = (await store.read("log", None))[-1][0]
    clock.now += 2
    await store.append("log", b"new", ttl=1, max_len=10)
    assert [record for _, record in await store.read("log", cursor)] == [b"new"]
