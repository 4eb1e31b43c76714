"""Local fan-out to subscriber queues, shared by both bus implementations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection

from swarmdeck.core.bus._base import Event, Subscription, event_order

log = logging.getLogger(__name__)


class Fanout:
    """Delivers each event to every local subscriber that wants its topic, never blocking.

    A subscriber whose queue is full is cut off (its stream ends); clients reconnect with
    Last-Event-ID and resume from the replay buffer, so a slow browser cannot stall the bus.
    """

    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()

    def add(self, topics: Collection[str] | None) -> Subscription:
        subscription = Subscription(
            topics=frozenset(topics) if topics is not None else None,
            queue=asyncio.Queue(maxsize=self._queue_size),
        )
        self._subscribers.add(subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.discard(subscription)
            self._end(subscription)

    def deliver(self, event: Event) -> None:
        for subscription in list(self._subscribers):
            if not subscription.wants(event.topic):
                continue
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning(
                    "event subscriber fell behind; closing its stream", extra={"topic": event.topic}
                )
                subscription.overflowed = True
                self._subscribers.discard(subscription)
                self._end(subscription)

    def close_all(self) -> None:
        for subscription in list(self._subscribers):
            self._end(subscription)
        self._subscribers.clear()

    @staticmethod
    def _end(subscription: Subscription) -> None:
        subscription.closed = True
        # Wake a reader waiting on an empty queue; a full queue is drained first, then ends.
        with contextlib.suppress(asyncio.QueueFull):
            subscription.queue.put_nowait(None)

    @property
    def count(self) -> int:
        return len(self._subscribers)


def after(
    events: list[Event], last_event_id: str | None, topics: frozenset[str] | None
) -> list[Event]:
    """The events newer than `last_event_id` on the wanted topics, in order."""
    if last_event_id is None:
        return []
    floor = event_order(last_event_id)
    return [
        event
        for event in events
        if event_order(event.id) > floor and (topics is None or event.topic in topics)
    ]
