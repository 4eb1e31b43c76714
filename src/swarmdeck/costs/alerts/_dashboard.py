"""The dashboard channel: each alert and recovery notice is an event on the `alerts` topic."""

from __future__ import annotations

from swarmdeck.core.bus import EventBus
from swarmdeck.costs.alerts._alert import TOPIC, Alert


class DashboardChannel:
    """Publishes `alert.fired` / `alert.resolved` with the alert as data; SSE and WS relay it."""

    def __init__(self, bus: EventBus, *, name: str = "dashboard") -> None:
        self.name = name
        self._bus = bus

    async def send(self, alert: Alert) -> None:
        await self._bus.publish(TOPIC, alert.event_type, alert.to_dict())
