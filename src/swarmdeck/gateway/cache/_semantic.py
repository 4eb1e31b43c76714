"""Nearest stored prompt within a partition: vectors in the store, a matrix per replica.

Each partition is an append-only log in the store (a capped stream on Redis). A replica
keeps a matrix per partition it has seen and, before each search, reads only the records
appended since its cursor: one round trip that usually returns nothing. Entries expire by
age at search time, so every replica agrees on what is live without coordination.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import orjson

from swarmdeck.gateway.cache._embedder import DIM, Vector
from swarmdeck.gateway.cache._store import CacheStore
from swarmdeck.gateway.cache._verifier import agree

_VECTOR_BYTES = DIM * 4
CANDIDATES = 8
"""Neighbours above the threshold that the verifier examines, best first."""


@dataclass(frozen=True, slots=True)
class Neighbour:
    key: str
    """The exact key of the stored request whose answer may be served."""
    prompt: str
    similarity: float


def encode_record(vector: Vector, key: str, prompt: str, stored_at: float) -> bytes:
    """A log record: the float32 vector, then the entry as JSON."""
    meta = orjson.dumps({"k": key, "p": prompt, "t": stored_at})
    return vector.astype(np.float32).tobytes() + meta


@dataclass(slots=True)
class _Partition:
    cursor: str | None = None
    matrix: Vector = field(default_factory=lambda: np.empty((0, DIM), dtype=np.float32))
    keys: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    stored_at: list[float] = field(default_factory=list)

    def add(self, records: list[tuple[str, bytes]], max_len: int) -> None:
        vectors = [np.frombuffer(record[:_VECTOR_BYTES], dtype=np.float32) for _, record in records]
        for _, record in records:
            meta = orjson.loads(record[_VECTOR_BYTES:])
            self.keys.append(meta["k"])
            self.prompts.append(meta["p"])
            self.stored_at.append(float(meta["t"]))
        self.matrix = np.vstack([self.matrix, *vectors])
        self.cursor = records[-1][0]
        if len(self.keys) > max_len:
            cut = len(self.keys) - max_len
            self.matrix = self.matrix[cut:]
            del self.keys[:cut], self.prompts[:cut], self.stored_at[:cut]


class SemanticIndex:
    """Store and search prompt vectors per partition, with the verifier as the last word."""

    def __init__(
        self,
        store: CacheStore,
        *,
        threshold: float,
        ttl: float,
        clock: Callable[[], float],
        max_per_partition: int = 1000,
        max_vectors: int = 100_000,
    ) -> None:
        self.threshold = threshold
        self.ttl = ttl
        self._store = store
        self._clock = clock
        self.max_per_partition = max_per_partition
        self.max_vectors = max_vectors
        self._partitions: OrderedDict[str, _Partition] = OrderedDict()
        self._vectors = 0

    @staticmethod
    def _log(partition: str) -> str:
        return f"s:{partition}"

    async def add(self, partition: str, key: str, prompt: str, vector: Vector) -> None:
        """Append an entry; every replica sees it at its next search of the partition."""
        record = encode_record(vector, key, prompt, self._clock())
        await self._store.append(
            self._log(partition), record, ttl=self.ttl, max_len=self.max_per_partition
        )

    async def _refresh(self, partition: str) -> _Partition:
        local = self._partitions.pop(partition, None) or _Partition()
        records = await self._store.read(self._log(partition), local.cursor)
        before = len(local.keys)
        if records:
            local.add(records, self.max_per_partition)
        self._partitions[partition] = local  # most recently used last
        self._vectors += len(local.keys) - before
        while self._vectors > self.max_vectors and len(self._partitions) > 1:
            _, evicted = self._partitions.popitem(last=False)
            self._vectors -= len(evicted.keys)
        return local

    async def search(
        self, partition: str, prompt: str, embed: Callable[[str], Awaitable[Vector]]
    ) -> list[Neighbour]:
        """Live entries at or above the threshold that the verifier accepts, best first.

        `embed` is called only when the partition holds live entries, so a prompt in a new
        conversation or under new instructions costs no embedding.
        """
        local = await self._refresh(partition)
        if not local.keys:
            return []
        live = np.asarray(local.stored_at) > self._clock() - self.ttl
        if not live.any():
            return []
        similarities = local.matrix @ await embed(prompt)
        # float32 rounding can put an identical prompt a hair under 1.0.
        eligible = np.flatnonzero(live & (similarities >= self.threshold - 1e-6))
        if not eligible.size:
            return []
        best = eligible[np.argsort(-similarities[eligible], kind="stable")][:CANDIDATES]
        return [
            Neighbour(local.keys[i], local.prompts[i], float(similarities[i]))
            for i in best
            if agree(prompt, local.prompts[i])
        ]
