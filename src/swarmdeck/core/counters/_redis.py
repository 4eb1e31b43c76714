"""Counters and locks on Redis, shared by every process and replica of the control plane."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock

from ._base import BUCKETS, Admission, LockTimeout, checked_window, retry_after

_LOCK_POLL = 0.05
"""Seconds between attempts while waiting for a Redis lock someone else holds."""

# One hash per (key, window): bucket index -> amount. ARGV: mode ('check', 'add' or 'total'),
# now, window, amount, limit, bucket count. Returns {allowed, total, release bucket or nil}.
# The float arithmetic matches _base.current_bucket op for op so both backends agree exactly.
_WINDOW_SCRIPT = """
local key = KEYS[1]
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])
local buckets = tonumber(ARGV[6])
local width = window / buckets
local current = math.floor(now / width)
local oldest = current - buckets + 1

local live = {}
local stale = {}
local total = 0
local flat = redis.call('HGETALL', key)
for i = 1, #flat, 2 do
  local index = tonumber(flat[i])
  if index < oldest then
    stale[#stale + 1] = flat[i]
  else
    local value = tonumber(flat[i + 1])
    live[#live + 1] = {index, value}
    total = total + value
  end
end

if mode == 'total' then
  return {1, total, false}
end

if mode == 'check' and total + amount > limit then
  if amount > limit then
    return {0, total, false}
  end
  table.sort(live, function(a, b) return a[1] < b[1] end)
  local remaining = total
  for _, bucket in ipairs(live) do
    remaining = remaining - bucket[2]
    if remaining + amount <= limit then
      return {0, total, bucket[1]}
    end
  end
  return {0, total, false}
end

if #stale > 0 then
  redis.call('HDEL', key, unpack(stale))
end
-- %d, not tostring: Lua 5.1 prints large numbers in exponent form.
local field = string.format('%d', current)
-- ARGV[4] verbatim for the same reason: HINCRBY wants the integer's digits.
if redis.call('HINCRBY', key, field, ARGV[4]) == 0 then
  redis.call('HDEL', key, field)
end
redis.call('PEXPIRE', key, string.format('%d', math.ceil((window + width) * 1000)))
return {1, total + amount, false}
"""


class RedisCounters:
    """Counters as Lua-scripted Redis hashes and locks as redis-py locks, all under `prefix`."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "swarmdeck",
        clock: Callable[[], float] = time.time,
        owns_client: bool = False,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._clock = clock
        self._owns_client = owns_client
        self._script = client.register_script(_WINDOW_SCRIPT)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "swarmdeck",
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> RedisCounters:
        """Connect lazily to `url`; `options` go to the connection pool; aclose closes it."""
        # A blocking pool queues bursts (hundreds of admissions at once) instead of failing
        # them with MaxConnectionsError once every connection is busy.
        pool = aioredis.BlockingConnectionPool.from_url(url, **options)
        client = aioredis.Redis.from_pool(pool)
        return cls(client, prefix=prefix, clock=clock, owns_client=True)

    async def check_and_add(self, key: str, amount: int, *, limit: int, window: float) -> Admission:
        """Add `amount` only if the total stays within `limit`; a refusal changes nothing."""
        window = checked_window(window)
        now = self._clock()
        allowed, total, release = await self._run("check", key, window, now, amount, limit)
        if allowed:
            return Admission(True, total, 0.0)
        return Admission(False, total, retry_after(release, now, window))

    async def add(self, key: str, amount: int, *, window: float) -> int:
        """Add `amount` unconditionally (negative settles a reservation); return the new total."""
        window = checked_window(window)
        _, total, _ = await self._run("add", key, window, self._clock(), amount, 0)
        return total

    async def total(self, key: str, *, window: float) -> int:
        """Return the sum of `key`'s amounts inside the window ending now."""
        window = checked_window(window)
        _, total, _ = await self._run("total", key, window, self._clock(), 0, 0)
        return total

    def lock(
        self, name: str, *, timeout: float = 10.0, blocking_timeout: float | None = None
    ) -> AbstractAsyncContextManager[None]:
        """Hold the lock `name` for the block; raise LockTimeout after `blocking_timeout` seconds.

        The lock lapses after `timeout` seconds so a crashed holder cannot keep it; a holder
        that overstays gets redis' LockNotOwnedError on leaving the block.
        """
        lock = self._client.lock(
            f"{self._prefix}:lock:{name}",
            timeout=timeout,
            sleep=_LOCK_POLL,
            blocking_timeout=blocking_timeout,
            thread_local=False,
        )
        return self._hold(lock, name, blocking_timeout)

    @asynccontextmanager
    async def _hold(
        self, lock: Lock, name: str, blocking_timeout: float | None
    ) -> AsyncIterator[None]:
        if not await lock.acquire():
            raise LockTimeout(f"lock {name!r} still held after {blocking_timeout}s")
        try:
            yield
        finally:
            await lock.release()

    async def ping(self) -> None:
        """Raise redis' ConnectionError or TimeoutError if the server is unreachable."""
        await self._client.ping()

    async def aclose(self) -> None:
        """Close the client if this object opened it."""
        if self._owns_client:
            await self._client.aclose()

    async def _run(
        self, mode: str, key: str, window: float, now: float, amount: int, limit: int
    ) -> tuple[bool, int, int | None]:
        # repr round-trips the float exactly, so Lua's tonumber sees the same now and window.
        args = (mode, repr(now), repr(window), str(amount), str(limit), str(BUCKETS))
        allowed, total, release = await self._script(
            keys=[f"{self._prefix}:ctr:{key}:{window!r}"], args=args
        )
        return bool(allowed), int(total), None if release is None else int(release)
