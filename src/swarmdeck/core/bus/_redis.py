"""The Redis bus: scaled mode, many replicas.

Each publish is one Lua script that appends the event to a capped stream (the replay
buffer, shared by every replica, giving one global order) and publishes it on a
channel. Each process holds one pub/sub connection and fans events out locally. After
a lost connection the listener replays what it missed from the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Collection
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from swarmdeck.core.bus._base import Event, Subscription, event_order
from swarmdeck.core.bus._fanout import Fanout, after

log = logging.getLogger(__name__)

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('PUBLISH', KEYS[2], id .. '\\n' .. ARGV[2])
return id
"""


def _entries(raw: Any) -> list[tuple[str, str]]:
    """`(id, body)` pairs from an XRANGE/XREVRANGE reply (decode_responses=True)."""
    return [(str(entry_id), str(fields["e"])) for entry_id, fields in raw or ()]


def _decode(event_id: str, body: str) -> Event:
    raw = json.loads(body)
    raw["id"] = event_id
    return Event.from_dict(raw)


class RedisBus:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "swarmdeck",
        buffer_size: int = 1000,
        queue_size: int = 1000,
    ) -> None:
        self._client = aioredis.from_url(url, decode_responses=True, health_check_interval=30)
        self._stream = f"{prefix}:bus:stream"
        self._channel = f"{prefix}:bus:events"
        self._buffer_size = buffer_size
        self._fanout = Fanout(queue_size)
        self._publish = self._client.register_script(_PUBLISH)
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._last_seen = "0-0"
        self.connected = False

    async def publish(self, topic: str, type: str, data: Any = None) -> Event:
        body = json.dumps(
            {"topic": topic, "type": type, "data": data, "ts": time.time()},
            separators=(",", ":"),
            default=str,
        )
        event_id = await self._publish(
            keys=[self._stream, self._channel], args=[self._buffer_size, body]
        )
        return _decode(str(event_id), body)

    async def subscribe(
        self, topics: Collection[str] | None = None, *, last_event_id: str | None = None
    ) -> Subscription:
        subscription = self._fanout.add(topics)
        if last_event_id is not None:
            subscription.backlog = after(
                await self._range_after(last_event_id), last_event_id, subscription.topics
            )
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        self._fanout.remove(subscription)

    async def recent(self, topics: Collection[str] | None = None, limit: int = 100) -> list[Event]:
        wanted = frozenset(topics) if topics is not None else None
        entries = _entries(await self._client.xrevrange(self._stream, count=self._buffer_size))
        events = [_decode(entry_id, body) for entry_id, body in reversed(entries)]
        return [e for e in events if wanted is None or e.topic in wanted][-limit:]

    async def _range_after(self, last_event_id: str) -> list[Event]:
        if event_order(last_event_id) < (0, 0):
            return []
        entries = _entries(
            await self._client.xrange(
                self._stream, min=f"({last_event_id}", count=self._buffer_size
            )
        )
        return [_decode(entry_id, body) for entry_id, body in entries]

    @property
    def subscriber_count(self) -> int:
        return self._fanout.count

    async def ping(self) -> None:
        await self._client.ping()

    async def start(self) -> None:
        """Start the pub/sub listener and wait until it receives, so no event is missed."""
        if self._listener is None:
            newest = _entries(await self._client.xrevrange(self._stream, count=1))
            self._last_seen = newest[0][0] if newest else "0-0"
            self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def _listen(self) -> None:
        backoff = 0.1
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                # Whatever was published while we were away is in the stream.
                for event in await self._range_after(self._last_seen):
                    self._deliver(event)
                self.connected = True
                self._subscribed.set()
                backoff = 0.1
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message["type"] != "message":
                        continue
                    event_id, _, body = str(message["data"]).partition("\n")
                    self._deliver(_decode(event_id, body))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.connected = False
                log.warning("event bus lost Redis; reconnecting", extra={"error": str(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _deliver(self, event: Event) -> None:
        if event_order(event.id) <= event_order(self._last_seen):
            return
        self._last_seen = event.id
        self._fanout.deliver(event)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._fanout.close_all()
        await self._client.aclose()
