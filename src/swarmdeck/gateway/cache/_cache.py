"""`ResponseCache`: the exact and the semantic cache behind one lookup and one store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

import orjson

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.cache._embedder import Embedder, Vector
from swarmdeck.gateway.cache._keys import exact_key, semantic_prompt
from swarmdeck.gateway.cache._redis_store import RedisStore
from swarmdeck.gateway.cache._semantic import SemanticIndex
from swarmdeck.gateway.cache._store import CacheStore, MemoryStore, StoreUnavailable
from swarmdeck.gateway.config import CacheConfig

log = logging.getLogger(__name__)

CacheMode = Literal["exact", "semantic", "off"]
"""What the request header `x-swarmdeck-cache` asks for: exact only, exact then semantic, none."""

INDEX_QUEUE = 1024
"""Stored prompts waiting to be embedded; beyond this, semantic indexing is skipped."""
RECENT_VECTORS = 256
"""Vectors of recently looked-up prompts kept for the store that follows a miss."""


@dataclass(frozen=True, slots=True)
class CacheHit:
    """A stored answer, with what the original call used and cost (the saving to ledger)."""

    kind: Literal["hit", "semantic-hit"]
    response: dict[str, Any]
    usage: Usage
    cost_usd: Decimal
    similarity: float | None = None
    """The cosine similarity of the two prompts, for a semantic hit."""


@dataclass(frozen=True, slots=True)
class _Pending:
    partition: str
    key: str
    prompt: str


def _payload(response: dict[str, Any], usage: Usage, cost: Decimal, stored_at: float) -> bytes:
    return orjson.dumps({"t": stored_at, "r": response, "u": asdict(usage), "c": str(cost)})


class ResponseCache:
    """Answers for repeated and paraphrased requests, in-process or shared through Redis.

    One payload per request is stored under its exact key, kept as long as the longer of
    the two TTLs; each kind of lookup checks the payload's age against its own TTL.
    `store` writes the payload at once and queues the prompt for embedding, so the hot
    path never waits for the model.
    """

    def __init__(
        self,
        config: CacheConfig,
        *,
        redis_url: str | None = None,
        redis_prefix: str = "swarmdeck",
        max_bytes: int = 128 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
        embedder: Embedder | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._store: CacheStore = (
            RedisStore(redis_url, redis_prefix)
            if redis_url
            else MemoryStore(max_bytes=max_bytes, clock=clock)
        )
        self._embedder = embedder or Embedder()
        self._owns_embedder = embedder is None
        self._index = SemanticIndex(
            self._store, threshold=config.semantic.threshold, ttl=config.semantic.ttl, clock=clock
        )
        self._loading: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._semantic_broken = False
        self._recent: OrderedDict[str, Vector] = OrderedDict()

    @property
    def semantic_enabled(self) -> bool:
        return self.config.semantic.enabled and not self._semantic_broken

    @property
    def _payload_ttl(self) -> float:
        ttls = [self.config.exact.ttl if self.config.exact.enabled else 0.0]
        if self.config.semantic.enabled:
            ttls.append(self.config.semantic.ttl)
        return max(ttls)

    def start(self) -> None:
        """Load the embedding model in the background; call from the running event loop."""
        if self.config.semantic.enabled and self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> None:
        try:
            await self._embedder.load_async()
        except Exception as exc:  # the exact cache still works without the model
            self._semantic_broken = True
            log.warning("semantic cache disabled: %s", exc)

    async def ready(self) -> bool:
        """Wait for the model; True when semantic lookups can run."""
        self.start()
        if self._loading is not None:
            await asyncio.shield(self._loading)
        return self.semantic_enabled and self._embedder.ready

    async def lookup(
        self, namespace: str, body: dict[str, Any], *, mode: CacheMode = "semantic"
    ) -> CacheHit | None:
        """The stored answer for `body`: exact first, then (mode `semantic`) a verified neighbour.

        A semantic lookup before the model has loaded, or with the store unreachable, is a
        miss rather than a wait or an error.
        """
        if mode == "off":
            return None
        try:
            return await self._lookup(namespace, body, mode)
        except StoreUnavailable as exc:
            log.warning("cache lookup skipped: %s", exc)
            return None

    async def _lookup(
        self, namespace: str, body: dict[str, Any], mode: CacheMode
    ) -> CacheHit | None:
        key = exact_key(namespace, body)
        if self.config.exact.enabled:
            hit = await self._read(key, "hit", self.config.exact.ttl)
            if hit is not None:
                return hit
        if mode != "semantic" or not self.semantic_enabled or not self._embedder.ready:
            return None
        prompt = semantic_prompt(namespace, body)
        if prompt is None:
            return None
        for neighbour in await self._index.search(prompt.partition, prompt.text, self._embed):
            hit = await self._read(neighbour.key, "semantic-hit", self.config.semantic.ttl)
            if hit is not None:
                return CacheHit(
                    hit.kind, hit.response, hit.usage, hit.cost_usd, neighbour.similarity
                )
        return None

    async def _embed(self, text: str) -> Vector:
        """The vector of `text`; a miss's lookup and the store that follows embed it once."""
        vector = self._recent.pop(text, None)
        if vector is None:
            vector = await self._embedder.embed(text)
        self._recent[text] = vector
        if len(self._recent) > RECENT_VECTORS:
            self._recent.popitem(last=False)
        return vector

    async def _read(
        self, key: str, kind: Literal["hit", "semantic-hit"], ttl: float
    ) -> CacheHit | None:
        raw = await self._store.get(f"p:{key}")
        if raw is None:
            return None
        entry = orjson.loads(raw)
        if entry["t"] <= self._clock() - ttl:
            return None
        return CacheHit(kind, entry["r"], Usage(**entry["u"]), Decimal(entry["c"]))

    async def store(
        self,
        namespace: str,
        body: dict[str, Any],
        response: dict[str, Any],
        usage: Usage,
        cost_usd: Decimal,
    ) -> None:
        """Keep a successful answer; its prompt is embedded later, off the request's path."""
        if not (self.config.exact.enabled or self.config.semantic.enabled):
            return
        key = exact_key(namespace, body)
        payload = _payload(response, usage, cost_usd, self._clock())
        try:
            await self._store.set(f"p:{key}", payload, self._payload_ttl)
        except StoreUnavailable as exc:
            log.warning("cache store skipped: %s", exc)
            return
        if not self.semantic_enabled:
            return
        prompt = semantic_prompt(namespace, body)
        if prompt is None:
            return
        queue = self._ensure_worker()
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(_Pending(prompt.partition, key, prompt.text))

    def _ensure_worker(self) -> asyncio.Queue[_Pending]:
        if self._queue is None:
            self._queue = asyncio.Queue(INDEX_QUEUE)
        if self._worker is None or self._worker.done():
            self.start()
            self._worker = asyncio.get_running_loop().create_task(self._index_forever(self._queue))
        return self._queue

    async def _index_forever(self, queue: asyncio.Queue[_Pending]) -> None:
        while True:
            pending = await queue.get()
            try:
                if await self.ready():
                    vector = await self._embed(pending.prompt)
                    await self._index.add(pending.partition, pending.key, pending.prompt, vector)
            except StoreUnavailable as exc:
                log.warning("semantic cache: indexing skipped: %s", exc)
            except Exception:
                log.exception("semantic cache: indexing a stored prompt failed")
            finally:
                queue.task_done()

    async def drain(self) -> None:
        """Wait until every stored prompt has been indexed (tests, benchmarks, shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        """Stop the background work and close the store."""
        for task in (self._worker, self._loading):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._owns_embedder:
            self._embedder.close()
        await self._store.aclose()
