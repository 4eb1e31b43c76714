"""Atomic sliding-window counters and named locks, in memory or on Redis, behind one protocol."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._base import BUCKETS, Admission, Counters, LockTimeout
from ._memory import MemoryCounters
from ._redis import RedisCounters

__all__ = [
    "BUCKETS",
    "Admission",
    "Counters",
    "LockTimeout",
    "MemoryCounters",
    "RedisCounters",
    "create_counters",
]


def create_counters(
    redis_url: str | None, *, prefix: str = "swarmdeck", clock: Callable[[], float] = time.time
) -> Counters:
    """Build the counters a deployment uses: Redis when a URL is configured, memory otherwise."""
    if redis_url is None:
        return MemoryCounters(clock=clock)
    return RedisCounters.from_url(redis_url, prefix=prefix, clock=clock)
