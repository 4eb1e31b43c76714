"""The cache on Redis, shared by every replica: blobs with `PX`, logs as capped streams.

Every call has a short timeout and raises `StoreUnavailable` on any Redis trouble: a slow
or absent cache must cost a request a miss, never an error or a stall.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import redis.asyncio as aioredis
import redis.exceptions

from swarmdeck.gateway.cache._store import StoreUnavailable

P = ParamSpec("P")
T = TypeVar("T")


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _unavailable(
    call: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    @functools.wraps(call)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await call(*args, **kwargs)
        except (redis.exceptions.RedisError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(f"redis: {exc}") from exc

    return guarded


class RedisStore:
    """Keys live under `{prefix}:cache:`; each log is a stream trimmed to about `max_len`."""

    def __init__(self, url: str, prefix: str = "swarmdeck", timeout: float = 1.0) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._prefix = f"{prefix}:cache:"

    @_unavailable
    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._prefix + key)
        return value.encode() if isinstance(value, str) else value

    @_unavailable
    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._redis.set(self._prefix + key, value, px=_ms(ttl))

    @_unavailable
    async def append(self, log: str, record: bytes, ttl: float, max_len: int) -> None:
        name = self._prefix + log
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(name, {"r": record}, maxlen=max_len, approximate=True)
            pipe.pexpire(name, _ms(ttl))
            await pipe.execute()

    @_unavailable
    async def read(self, log: str, after: str | None) -> list[tuple[str, bytes]]:
        start = "-" if after is None else f"({after}"
        rows: list[tuple[bytes, dict[bytes, bytes]]] = await self._redis.xrange(  # type: ignore[assignment]
            self._prefix + log, min=start, max="+"
        )
        return [(entry_id.decode(), fields[b"r"]) for entry_id, fields in rows]

    async def aclose(self) -> None:
        await self._redis.aclose()
