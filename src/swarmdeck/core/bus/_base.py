"""Events, subscriptions, and the bus protocol both implementations follow."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Event:
    """One message on a topic. `id` is `<unix ms>-<seq>`, ordered, usable as Last-Event-ID."""

    id: str
    topic: str
    type: str
    data: Any
    ts: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "type": self.type,
            "data": self.data,
            "ts": self.ts,
        }

    @functools.cached_property
    def wire(self) -> str:
        """The wire form, encoded once however many subscribers receive it."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        return cls(
            id=str(raw["id"]),
            topic=str(raw["topic"]),
            type=str(raw["type"]),
            data=raw.get("data"),
            ts=float(raw["ts"]),
        )


def event_order(event_id: str) -> tuple[int, int]:
    """The sort key of an event id; malformed ids sort before everything."""
    millis, _, seq = event_id.partition("-")
    try:
        return int(millis), int(seq or 0)
    except ValueError:
        return (-1, -1)


@dataclass(eq=False)
class Subscription:
    """A subscriber's view of the bus: replayed events first, then live ones, in id order."""

    topics: frozenset[str] | None
    queue: asyncio.Queue[Event | None]
    backlog: list[Event] = field(default_factory=list)
    last_id: tuple[int, int] = (-1, -1)
    overflowed: bool = False
    closed: bool = False

    def wants(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        for event in self.backlog:
            self.last_id = event_order(event.id)
            yield event
        self.backlog = []
        while True:
            # A closed subscription delivers what it already holds, then ends: no gaps, so
            # resuming from the last id seen loses nothing.
            if self.closed and self.queue.empty():
                return
            live = await self.queue.get()
            if live is None:
                return
            order = event_order(live.id)
            if order <= self.last_id:  # already replayed
                continue
            self.last_id = order
            yield live


class EventBus(Protocol):
    """Publish/subscribe with a bounded replay buffer; in-process or Redis pub/sub."""

    async def publish(self, topic: str, type: str, data: Any = None) -> Event: ...

    async def subscribe(
        self, topics: Collection[str] | None = None, *, last_event_id: str | None = None
    ) -> Subscription: ...

    async def unsubscribe(self, subscription: Subscription) -> None: ...

    async def recent(
        self, topics: Collection[str] | None = None, limit: int = 100
    ) -> list[Event]: ...

    async def ping(self) -> None: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...
