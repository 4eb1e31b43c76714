"""The event bus on both implementations: delivery, topics, order, resume, slow subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from swarmdeck.core.bus import (
    Event,
    EventBus,
    Follower,
    MemoryBus,
    RedisBus,
    Subscription,
    event_order,
)

BusFactory = Callable[..., EventBus]


@pytest.fixture
async def make_bus(
    live_backend: str, redis_url: str, redis_prefix: str
) -> AsyncIterator[BusFactory]:
    """Builds started buses of the backend under test; several share one Redis key space."""
    made: list[EventBus] = []

    def factory(**options: Any) -> EventBus:
        bus: EventBus
        if live_backend == "memory":
            bus = MemoryBus(**options)
        else:
            bus = RedisBus(redis_url, prefix=redis_prefix, **options)
        made.append(bus)
        return bus

    yield factory
    for bus in made:
        await bus.aclose()


@pytest.fixture
async def bus(make_bus: BusFactory) -> EventBus:
    started = make_bus()
    await started.start()
    return started


async def take(subscription: Subscription, count: int, timeout: float = 5.0) -> list[Event]:
    async def collect() -> list[Event]:
        got: list[Event] = []
        async for event in subscription:
            got.append(event)
            if len(got) == count:
                break
        return got

    return await asyncio.wait_for(collect(), timeout)


async def test_subscriber_receives_published_events_in_order(bus: EventBus) -> None:
    subscription = await bus.subscribe(["jobs"])
    sent = [await bus.publish("jobs", "job.step", {"n": n}) for n in range(20)]
    got = await take(subscription, 20)
    assert [e.data["n"] for e in got] == list(range(20))
    assert [e.id for e in got] == [e.id for e in sent]
    assert [event_order(e.id) for e in got] == sorted(event_order(e.id) for e in got)


async def test_subscriber_sees_only_its_topics(bus: EventBus) -> None:
    costs = await bus.subscribe(["costs"])
    everything = await bus.subscribe(None)
    await bus.publish("system", "component.status", {"name": "db"})
    await bus.publish("costs", "call.priced", {"usd": "0.01"})
    assert [e.topic for e in await take(costs, 1)] == ["costs"]
    assert [e.topic for e in await take(everything, 2)] == ["system", "costs"]


async def test_resume_after_last_event_id_replays_what_was_missed(bus: EventBus) -> None:
    first = await bus.publish("jobs", "t", 1)
    await bus.publish("other", "t", "not wanted")
    await bus.publish("jobs", "t", 2)
    await bus.publish("jobs", "t", 3)
    resumed = await bus.subscribe(["jobs"], last_event_id=first.id)
    await bus.publish("jobs", "t", 4)
    assert [e.data for e in await take(resumed, 3)] == [2, 3, 4]


async def test_resume_buffer_is_bounded(make_bus: BusFactory) -> None:
    bus = make_bus(buffer_size=10)
    await bus.start()
    first = await bus.publish("jobs", "t", 0)
    for n in range(1, 200):
        await bus.publish("jobs", "t", n)
    recent = await bus.recent(["jobs"], limit=1000)
    # Redis trims approximately (MAXLEN ~), so allow its slack but never unbounded growth.
    assert 10 <= len(recent) < 200
    assert recent[-1].data == 199
    resumed = await bus.subscribe(["jobs"], last_event_id=first.id)
    assert len(resumed.backlog) == len(recent)


async def test_recent_returns_newest_events_oldest_first(bus: EventBus) -> None:
    for n in range(5):
        await bus.publish("jobs", "t", n)
    recent = await bus.recent(["jobs"], limit=3)
    assert [e.data for e in recent] == [2, 3, 4]


async def test_slow_subscriber_is_cut_off_without_stalling_others(make_bus: BusFactory) -> None:
    bus = make_bus(queue_size=10)
    await bus.start()
    slow = await bus.subscribe(["jobs"])
    fast = await bus.subscribe(["jobs"])
    received: list[Event] = []

    async def drain() -> None:
        async for event in fast:
            received.append(event)
            if len(received) == 50:
                return

    draining = asyncio.create_task(drain())
    for n in range(50):
        await bus.publish("jobs", "t", n)
        await asyncio.sleep(0)  # let the fast reader keep up, as a live client would
    await asyncio.wait_for(draining, 5)
    assert slow.overflowed
    leftovers = await asyncio.wait_for(_drain(slow), 2)
    assert len(leftovers) < 50  # its stream ended early; it resumes with Last-Event-ID
    assert [e.data for e in received] == list(range(50))


async def test_unsubscribe_ends_the_stream(bus: EventBus) -> None:
    subscription = await bus.subscribe(["jobs"])
    await bus.unsubscribe(subscription)
    assert [e async for e in subscription] == []


async def test_closing_the_bus_ends_every_stream(make_bus: BusFactory) -> None:
    bus = make_bus()
    await bus.start()
    subscription = await bus.subscribe(None)
    await bus.aclose()
    assert await asyncio.wait_for(_drain(subscription), 2) == []


async def _drain(subscription: Subscription) -> list[Event]:
    return [e async for e in subscription]


@pytest.mark.redis
async def test_redis_bus_fans_out_across_replicas(redis_url: str, redis_prefix: str) -> None:
    replicas = [RedisBus(redis_url, prefix=redis_prefix) for _ in range(3)]
    try:
        for replica in replicas:
            await replica.start()
        subscriptions = [await r.subscribe(["jobs"]) for r in replicas]
        sent = await replicas[0].publish("jobs", "t", "hello")
        for subscription in subscriptions:
            assert [e.id for e in await take(subscription, 1)] == [sent.id]
        # Any replica can resume a client from the shared stream.
        more = await replicas[1].publish("jobs", "t", "again")
        resumed = await replicas[2].subscribe(["jobs"], last_event_id=sent.id)
        assert [e.id for e in resumed.backlog] == [more.id]
    finally:
        for replica in replicas:
            await replica.aclose()


@pytest.mark.redis
async def test_redis_bus_recovers_events_published_while_disconnected(
    redis_url: str, redis_prefix: str
) -> None:
    listener = RedisBus(redis_url, prefix=redis_prefix)
    publisher = RedisBus(redis_url, prefix=redis_prefix)
    admin = aioredis.from_url(redis_url)
    try:
        await listener.start()
        await publisher.start()
        subscription = await listener.subscribe(["jobs"])
        await publisher.publish("jobs", "t", "before")
        assert [e.data for e in await take(subscription, 1)] == ["before"]
        await admin.client_kill_filter(_type="pubsub")  # drop every pub/sub connection
        for n in range(5):
            await publisher.publish("jobs", "t", n)
        got = await take(subscription, 5, timeout=10)
        assert [e.data for e in got] == [0, 1, 2, 3, 4]
    finally:
        await admin.aclose()
        await listener.aclose()
        await publisher.aclose()


async def test_follower_survives_falling_behind_without_losing_events(make_bus: BusFactory) -> None:
    bus = make_bus(queue_size=10)
    await bus.start()
    follower = Follower(bus, ["jobs"])
    await follower.start()
    for n in range(40):  # four times the queue, nobody reading
        await bus.publish("jobs", "t", n)
    got: list[int] = []

    async def read() -> None:
        async for event in follower.events():
            got.append(event.data)
            if len(got) == 40:
                return

    await asyncio.wait_for(read(), 10)
    await follower.close()
    assert got == list(range(40))
