"""The in-process bus: embedded mode, one process."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Collection
from typing import Any

from swarmdeck.core.bus._base import Event, Subscription
from swarmdeck.core.bus._fanout import Fanout, after


class MemoryBus:
    def __init__(self, *, buffer_size: int = 1000, queue_size: int = 1000) -> None:
        self._buffer: deque[Event] = deque(maxlen=buffer_size)
        self._fanout = Fanout(queue_size)
        self._last_ms = 0
        self._seq = 0

    def _next_id(self) -> str:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= self._last_ms:  # same millisecond (or clock stepped back): keep order
            self._seq += 1
        else:
            self._last_ms, self._seq = now_ms, 0
        return f"{self._last_ms}-{self._seq}"

    async def publish(self, topic: str, type: str, data: Any = None) -> Event:
        event = Event(id=self._next_id(), topic=topic, type=type, data=data, ts=time.time())
        self._buffer.append(event)
        self._fanout.deliver(event)
        return event

    async def subscribe(
        self, topics: Collection[str] | None = None, *, last_event_id: str | None = None
    ) -> Subscription:
        subscription = self._fanout.add(topics)
        subscription.backlog = after(list(self._buffer), last_event_id, subscription.topics)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        self._fanout.remove(subscription)

    async def recent(self, topics: Collection[str] | None = None, limit: int = 100) -> list[Event]:
        wanted = frozenset(topics) if topics is not None else None
        events = [e for e in self._buffer if wanted is None or e.topic in wanted]
        return events[-limit:]

    @property
    def subscriber_count(self) -> int:
        return self._fanout.count

    async def ping(self) -> None:
        return None

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        self._fanout.close_all()
