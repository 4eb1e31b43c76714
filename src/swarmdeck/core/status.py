"""Component status: what `/readyz`, the Overview page and the `system` topic report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from swarmdeck.core.bus import EventBus
from swarmdeck.core.models import utcnow

log = logging.getLogger(__name__)

Status = Literal["starting", "ok", "degraded", "down"]
SYSTEM_TOPIC = "system"


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    name: str
    status: Status
    detail: str | None
    changed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "changed_at": self.changed_at.isoformat(),
        }


class StatusBoard:
    """Holds each component's status and announces every change on the `system` topic."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._components: dict[str, ComponentStatus] = {}

    async def set(self, name: str, status: Status, detail: str | None = None) -> None:
        current = self._components.get(name)
        if current is not None and (current.status, current.detail) == (status, detail):
            return
        entry = ComponentStatus(name, status, detail, utcnow())
        self._components[name] = entry
        try:
            await self._bus.publish(SYSTEM_TOPIC, "component.status", entry.to_dict())
        except Exception:  # the bus itself may be the component that is down
            log.warning(
                "could not announce status change", extra={"component": name, "status": status}
            )

    def snapshot(self) -> list[ComponentStatus]:
        return sorted(self._components.values(), key=lambda c: c.name)

    def get(self, name: str) -> ComponentStatus | None:
        return self._components.get(name)
