"""The event bus: in-process for one process, Redis pub/sub across replicas.

Features publish where a change happens; the SSE and WebSocket endpoints fan events
out to the dashboard and other clients.
"""

from swarmdeck.core.bus._base import Event, EventBus, Subscription, event_order
from swarmdeck.core.bus._follow import Follower
from swarmdeck.core.bus._memory import MemoryBus
from swarmdeck.core.bus._redis import RedisBus


def create_bus(
    redis_url: str | None,
    *,
    prefix: str = "swarmdeck",
    buffer_size: int = 1000,
    queue_size: int = 1000,
) -> EventBus:
    """The Redis bus when a URL is given, else the in-process one."""
    if redis_url is None:
        return MemoryBus(buffer_size=buffer_size, queue_size=queue_size)
    return RedisBus(redis_url, prefix=prefix, buffer_size=buffer_size, queue_size=queue_size)


__all__ = [
    "Event",
    "EventBus",
    "Follower",
    "MemoryBus",
    "RedisBus",
    "Subscription",
    "create_bus",
    "event_order",
]
