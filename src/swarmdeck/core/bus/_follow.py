"""Follow topics as one unbroken stream, even when the reader falls behind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from swarmdeck.core.bus._base import Event, EventBus, Subscription


class Follower:
    """A subscription that survives being cut off for lagging.

    The bus cuts off a subscriber whose queue fills, so one slow reader cannot stall the
    rest. A follower then resubscribes from the last event its reader consumed; the bus
    replays the gap from its buffer. SSE streams and WebSocket sockets both read through one.
    """

    def __init__(
        self, bus: EventBus, topics: Collection[str] | None, *, last_event_id: str | None = None
    ) -> None:
        self._bus = bus
        self._topics = frozenset(topics) if topics is not None else None
        self.last_event_id = last_event_id
        self._subscription: Subscription | None = None
        self._closed = False

    async def start(self) -> None:
        """Subscribe now, so every event published after this returns is delivered."""
        self._subscription = await self._bus.subscribe(
            self._topics, last_event_id=self.last_event_id
        )

    async def events(self) -> AsyncIterator[Event]:
        if self._subscription is None:
            await self.start()
        while self._subscription is not None:
            subscription = self._subscription
            async for event in subscription:
                yield event
                self.last_event_id = event.id  # consumed: the reader asked for the next one
            if self._closed or not subscription.overflowed:
                return
            await self.start()

    async def close(self) -> None:
        self._closed = True
        if self._subscription is not None:
            await self._bus.unsubscribe(self._subscription)
