"""Where cache entries live: one protocol, an in-process and a Redis implementation.

Two kinds of data: blobs under a key with a TTL (the stored responses), and append-only
logs (one per semantic partition) that each replica reads incrementally from a cursor,
so a replica learns another's new entries with one cheap read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class StoreUnavailable(Exception):
    """The store could not be reached in time; the cache treats it as a miss."""


class CacheStore(Protocol):
    """Blobs with a TTL and per-partition append-only logs."""

    async def get(self, key: str) -> bytes | None:
        """The blob under `key`, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store a blob for `ttl` seconds."""
        ...

    async def append(self, log: str, record: bytes, ttl: float, max_len: int) -> None:
        """Append to a log kept `ttl` seconds after its last append, about `max_len` long."""
        ...

    async def read(self, log: str, after: str | None) -> list[tuple[str, bytes]]:
        """The records appended after cursor `after` (all when None), oldest first."""
        ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _Blob:
    value: bytes
    expires: float

    @property
    def size(self) -> int:
        return len(self.value)


@dataclass(slots=True)
class _Log:
    expires: float
    records: list[tuple[int, bytes]] = field(default_factory=list)
    size: int = 0


_OVERHEAD = 64
"""Bytes charged per entry on top of its payload (key, bookkeeping), so tiny ones still count."""


class MemoryStore:
    """In-process: TTL per entry and one LRU over blobs and logs, bounded by bytes."""

    def __init__(
        self, max_bytes: int = 128 * 1024 * 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, _Blob | _Log] = OrderedDict()
        self.bytes = 0
        self._seq = 0  # one sequence for every log, so a cursor survives a log's expiry

    def _charge(self, key: str, entry: _Blob | _Log) -> int:
        return len(key) + _OVERHEAD + entry.size

    def _live(self, key: str) -> _Blob | _Log | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self.bytes -= self._charge(key, entry)

    def _evict(self) -> None:
        while self.bytes > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return entry.value if isinstance(entry, _Blob) else None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        if key in self._entries:
            self._drop(key)
        blob = _Blob(value, self._clock() + ttl)
        self._entries[key] = blob
        self.bytes += self._charge(key, blob)
        self._evict()

    async def append(self, log: str, record: bytes, ttl: float, max_len: int) -> None:
        entry = self._live(log)
        if not isinstance(entry, _Log):
            if entry is not None:
                self._drop(log)
            entry = _Log(expires=0.0)
            self._entries[log] = entry
            self.bytes += self._charge(log, entry)
        entry.expires = self._clock() + ttl
        self._seq += 1
        entry.records.append((self._seq, record))
        entry.size += len(record)
        self.bytes += len(record)
        while len(entry.records) > max_len:
            _, dropped = entry.records.pop(0)
            entry.size -= len(dropped)
            self.bytes -= len(dropped)
        self._evict()

    async def read(self, log: str, after: str | None) -> list[tuple[str, bytes]]:
        entry = self._live(log)
        if not isinstance(entry, _Log):
            return []
        start = int(after) if after is not None else 0
        return [(str(seq), record) for seq, record in entry.records if seq > start]

    async def aclose(self) -> None:
        self._entries.clear()
        self.bytes = 0
