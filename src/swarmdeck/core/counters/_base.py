"""The counters interface and the window arithmetic both implementations share."""

from __future__ import annotations

import math
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from swarmdeck.core.errors import Unavailable

BUCKETS = 60
"""How many buckets a window is cut into: the sliding window is exact to one bucket's width."""


class LockTimeout(Unavailable):
    """Someone else still held the lock when blocking_timeout ran out (a 503 at the API)."""

    def __init__(self, message: str = "lock is held elsewhere") -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to check_and_add: whether the amount was counted, and if not, when it could be."""

    allowed: bool
    total: int
    """The window's total after this call (unchanged when refused)."""
    retry_after: float
    """Seconds until enough of the window has expired to admit this amount; 0.0 when allowed."""


class Counters(Protocol):
    """Atomic sliding-window totals and named locks, shared by all tasks (memory) or replicas.

    A window of `window` seconds is cut into `BUCKETS` buckets; a key's total is the sum of
    the buckets that started less than `window` seconds ago. Amounts are integers (below 2**53
    in magnitude) so the implementations answer exactly alike.
    """

    async def check_and_add(self, key: str, amount: int, *, limit: int, window: float) -> Admission:
        """Add `amount` only if the total stays within `limit`; a refusal changes nothing."""
        ...

    async def add(self, key: str, amount: int, *, window: float) -> int:
        """Add `amount` unconditionally (negative settles a reservation); return the new total."""
        ...

    async def total(self, key: str, *, window: float) -> int:
        """Return the sum of `key`'s amounts inside the window ending now."""
        ...

    def lock(
        self, name: str, *, timeout: float = 10.0, blocking_timeout: float | None = None
    ) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block; raise LockTimeout after `blocking_timeout` seconds.

        `timeout` bounds how long a holder that died keeps the lock (Redis lease); `None` for
        `blocking_timeout` waits forever.
        """
        ...

    async def ping(self) -> None:
        """Raise if the backend is unreachable."""
        ...

    async def aclose(self) -> None:
        """Release the backend's connections."""
        ...


def checked_window(window: float) -> float:
    """Return `window` as a float after refusing non-positive or non-finite lengths."""
    window = float(window)
    if not (window > 0 and math.isfinite(window)):
        raise ValueError(f"window must be a positive number of seconds, got {window!r}")
    return window


def current_bucket(now: float, window: float) -> int:
    """Index of the bucket `now` falls in; the Lua script computes it with the same float ops."""
    return math.floor(now / (window / BUCKETS))


def retry_after(release_bucket: int | None, now: float, window: float) -> float:
    """Seconds from `now` until bucket `release_bucket` leaves the window (`window` if None)."""
    if release_bucket is None:
        return window
    target = release_bucket + BUCKETS
    at = target * (window / BUCKETS)
    # Float rounding may put now + wait a hair short of the target bucket; a caller that waits
    # exactly retry_after must be admitted, so step up to the first instant that lands in it.
    while True:
        wait = at - now
        if wait > 0 and current_bucket(now + wait, window) >= target:
            return wait
        at = math.nextafter(at, math.inf)
