"""Counters and locks in this process's memory: one replica, development and tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

from ._base import BUCKETS, Admission, LockTimeout, checked_window, current_bucket, retry_after

_SWEEP_INTERVAL = 1.0
"""Seconds of clock time between sweeps that forget idle keys, as Redis's PEXPIRE does."""


@dataclass(slots=True)
class _Series:
    buckets: dict[int, int] = field(default_factory=dict)
    expires_at: float = 0.0


@dataclass(slots=True)
class _NamedLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class MemoryCounters:
    """Counters kept in a dict; every operation runs without awaiting, so it is atomic per loop."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._series: dict[tuple[str, float], _Series] = {}
        self._locks: dict[str, _NamedLock] = {}
        self._next_sweep = float("-inf")

    async def check_and_add(self, key: str, amount: int, *, limit: int, window: float) -> Admission:
        """Add `amount` only if the total stays within `limit`; a refusal changes nothing."""
        window = checked_window(window)
        now = self._clock()
        live = self._live(key, window, now)
        total = sum(live.values())
        if total + amount <= limit:
            return Admission(True, self._add(key, window, now, amount, total), 0.0)
        release = _release_bucket(live, amount, limit)
        return Admission(False, total, retry_after(release, now, window))

    async def add(self, key: str, amount: int, *, window: float) -> int:
        """Add `amount` unconditionally (negative settles a reservation); return the new total."""
        window = checked_window(window)
        now = self._clock()
        total = sum(self._live(key, window, now).values())
        return self._add(key, window, now, amount, total)

    async def total(self, key: str, *, window: float) -> int:
        """Return the sum of `key`'s amounts inside the window ending now."""
        window = checked_window(window)
        return sum(self._live(key, window, self._clock()).values())

    def lock(
        self, name: str, *, timeout: float = 10.0, blocking_timeout: float | None = None
    ) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block; raise LockTimeout after `blocking_timeout` seconds.

        `timeout` is the Redis lease for holders that die; a task here releases on leaving the
        block however it ends, so it has no use in memory.
        """
        return self._hold(name, blocking_timeout)

    @asynccontextmanager
    async def _hold(self, name: str, blocking_timeout: float | None) -> AsyncIterator[None]:
        named = self._locks.get(name)
        if named is None:
            named = self._locks[name] = _NamedLock()
        named.users += 1
        try:
            try:
                async with asyncio.timeout(blocking_timeout):
                    await named.lock.acquire()
            except TimeoutError:
                raise LockTimeout(f"lock {name!r} still held after {blocking_timeout}s") from None
            try:
                yield
            finally:
                named.lock.release()
        finally:
            named.users -= 1
            if named.users == 0:
                del self._locks[name]

    async def ping(self) -> None:
        """Memory is always reachable."""

    async def aclose(self) -> None:
        """Forget every count; locks still held are released by their holders."""
        self._series.clear()

    def _live(self, key: str, window: float, now: float) -> dict[int, int]:
        self._sweep(now)
        series = self._series.get((key, window))
        if series is None:
            return {}
        # Buckets ahead of now (a clock that stepped back) still count: refusing is the safe side.
        oldest = current_bucket(now, window) - BUCKETS + 1
        for index in [index for index in series.buckets if index < oldest]:
            del series.buckets[index]
        return series.buckets

    def _add(self, key: str, window: float, now: float, amount: int, total: int) -> int:
        series = self._series.setdefault((key, window), _Series())
        index = current_bucket(now, window)
        value = series.buckets.get(index, 0) + amount
        if value:
            series.buckets[index] = value
        else:
            series.buckets.pop(index, None)
        if series.buckets:
            series.expires_at = now + window + window / BUCKETS
        else:
            del self._series[(key, window)]
        return total + amount

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + _SWEEP_INTERVAL
        for name in [name for name, series in self._series.items() if series.expires_at <= now]:
            del self._series[name]


def _release_bucket(live: dict[int, int], amount: int, limit: int) -> int | None:
    """The oldest bucket whose expiry lets `amount` fit, or None if it never fits on its own."""
    if amount > limit:
        return None
    remaining = sum(live.values())
    for index in sorted(live):
        remaining -= live[index]
        if remaining + amount <= limit:
            return index
    # Unreachable: with every bucket gone the total is 0 and amount <= limit.
    return None
