"""The cost ledger: one row per LLM call, taken on the hot path, written off it in batches.

`record()` is synchronous and only appends to memory. Two background tasks do the rest:
the publisher announces each call on the `costs` topic at once (the dashboard's live
spend), the writer inserts rows with one INSERT (executemany) per batch when `batch_size`
rows are waiting or `flush_seconds` after the oldest one arrived. `aclose()` writes
everything still queued, so SIGTERM loses nothing; SIGKILL loses what is queued and not
yet committed (at most one flush interval of calls plus the batch in flight). While the
database is down the writer retries with backoff and keeps rows in memory up to
`max_pending`; beyond that the newest calls are not ledgered (their events still go out)
and the loss is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, cast

from sqlalchemy import Table, insert, select

from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.costs._tables import CallRow
from swarmdeck.costs.usage import CacheOutcome, CallRecord, CallStatus, Usage

log = logging.getLogger(__name__)

TOPIC: Final = "costs"
EVENT_TYPE: Final = "call"
MAX_BATCH: Final = 500
_NANO: Final = Decimal("1e-9")  # the `Money` column keeps billionths
_PUBLISH_CHUNK: Final = 64
_INSERT: Final = insert(cast(Table, CallRow.__table__))
_BACKOFF_MAX_SECONDS: Final = 5.0
_DROP_LOG_SECONDS: Final = 10.0


def to_money(value: Decimal) -> Decimal:
    """A USD amount at the ledger's precision (billionths, as the `Money` column keeps it)."""
    return value.quantize(_NANO, rounding=ROUND_HALF_EVEN).normalize()


def call_to_dict(call: CallRecord) -> dict[str, Any]:
    """The call as JSON-safe data: USD amounts as strings (exact), time as ISO 8601."""
    return {
        **_row(call),
        "at": call.at.isoformat(),
        "cost_usd": str(call.cost_usd),
        "saved_usd": str(call.saved_usd),
        "attributes": dict(call.attributes),
    }


def _row(call: CallRecord) -> dict[str, Any]:
    usage = call.usage
    return {
        "id": call.id,
        "at": call.at,
        "key_id": call.key_id,
        "user": call.user,
        "swarm": call.swarm,
        "agent": call.agent,
        "provider": call.provider,
        "alias": call.alias,
        "model": call.model,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cost_usd": call.cost_usd,
        "saved_usd": call.saved_usd,
        "status": call.status,
        "status_code": call.status_code,
        "error_type": call.error_type,
        "cache": call.cache,
        "latency_ms": call.latency_ms,
        "ttft_ms": call.ttft_ms,
        "streamed": call.streamed,
        "operation": call.operation,
        "attributes": dict(call.attributes) or None,
    }


def _from_row(row: CallRow) -> CallRecord:
    return CallRecord(
        id=row.id,
        at=row.at,
        provider=row.provider,
        alias=row.alias,
        model=row.model,
        usage=Usage(
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
            cached_input_tokens=row.cached_input_tokens,
            cache_write_tokens=row.cache_write_tokens,
            reasoning_tokens=row.reasoning_tokens,
        ),
        cost_usd=row.cost_usd,
        saved_usd=row.saved_usd,
        key_id=row.key_id,
        user=row.user,
        swarm=row.swarm,
        agent=row.agent,
        status=cast(CallStatus, row.status),
        status_code=row.status_code,
        error_type=row.error_type,
        cache=cast(CacheOutcome, row.cache),
        latency_ms=row.latency_ms,
        ttft_ms=row.ttft_ms,
        streamed=row.streamed,
        operation=row.operation,
        attributes=dict(row.attributes or {}),
    )


def _normalised(call: CallRecord) -> CallRecord:
    """The call with its amounts at ledger precision, so event, row and sums agree."""
    cost, saved = to_money(call.cost_usd), to_money(call.saved_usd)
    if cost == call.cost_usd and saved == call.saved_usd:
        return call
    return CallRecord(
        id=call.id,
        at=call.at,
        provider=call.provider,
        alias=call.alias,
        model=call.model,
        usage=call.usage,
        cost_usd=cost,
        saved_usd=saved,
        key_id=call.key_id,
        user=call.user,
        swarm=call.swarm,
        agent=call.agent,
        status=call.status,
        status_code=call.status_code,
        error_type=call.error_type,
        cache=call.cache,
        latency_ms=call.latency_ms,
        ttft_ms=call.ttft_ms,
        streamed=call.streamed,
        operation=call.operation,
        attributes=call.attributes,
    )


class Ledger:
    """Records every call through the gateway; see the module docstring for the guarantees."""

    def __init__(
        self,
        db: Database,
        bus: EventBus | None,
        *,
        batch_size: int = MAX_BATCH,
        flush_seconds: float = 0.2,
        max_pending: int = 100_000,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be within 1..{MAX_BATCH}")
        self._db = db
        self._bus = bus
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self._max_pending = max_pending
        self._rows: deque[tuple[float, CallRecord]] = deque()  # (monotonic arrival, call)
        self._events: deque[CallRecord] = deque()
        self._recorded = 0  # rows accepted, ever
        self._committed = 0  # rows written, ever (rows are written in arrival order)
        self._dropped = 0
        self._dropped_logged_at = 0.0
        self._wake = asyncio.Event()
        self._urgent = False
        self._publish_wake = asyncio.Event()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._closing = False

    # -- the hot path -------------------------------------------------------------------------

    def record(self, call: CallRecord) -> None:
        """Take one call: never blocks, never raises on storage trouble."""
        call = _normalised(call)
        if self._bus is not None and self._publisher is not None:
            self._events.append(call)
            self._publish_wake.set()
        if len(self._rows) >= self._max_pending:
            self._drop()
            return
        self._rows.append((time.monotonic(), call))
        self._recorded += 1
        if len(self._rows) == 1 or len(self._rows) >= self._batch_size:
            self._wake.set()

    def _drop(self) -> None:
        self._dropped += 1
        now = time.monotonic()
        if now - self._dropped_logged_at >= _DROP_LOG_SECONDS:
            self._dropped_logged_at = now
            log.error(
                "cost ledger full (%d rows waiting for the database): newest calls are not "
                "ledgered; %d dropped so far",
                len(self._rows),
                self._dropped,
            )

    @property
    def dropped(self) -> int:
        """Calls not ledgered because the in-memory queue was full."""
        return self._dropped

    @property
    def pending(self) -> int:
        """Calls recorded but not yet committed."""
        return self._recorded - self._committed

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the writer and the publisher."""
        if self._writer is None:
            self._closing = False
            self._writer = asyncio.create_task(self._write_loop(), name="ledger-writer")
        if self._publisher is None and self._bus is not None:
            self._publisher = asyncio.create_task(
                self._publish_loop(self._bus), name="ledger-publisher"
            )

    async def flush(self) -> None:
        """Wait until every call recorded so far is committed (bound it with asyncio.timeout).

        Without a running writer (a CLI command) the calls are written here, once.
        """
        target = self._recorded
        if self._committed >= target:
            return
        if self._writer is None or self._writer.done():
            while self._rows:
                await self._write_batch(retry=False)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((target, future))
        self._urgent = True
        self._wake.set()
        await asyncio.shield(future)

    async def settle(self, max_seconds: float = 2.0) -> bool:
        """`flush`, waiting at most `max_seconds` (readers want fresh rows, not a hang while
        the database is away); False when rows were still waiting."""
        try:
            async with asyncio.timeout(max_seconds):
                await self.flush()
        except TimeoutError:
            return False
        return True

    async def aclose(self, grace_seconds: float = 10.0) -> None:
        """Publish and write everything queued (SIGTERM loses nothing), then stop."""
        self._closing = True
        self._urgent = True
        self._wake.set()
        self._publish_wake.set()
        tasks = [t for t in (self._publisher, self._writer) if t is not None]
        if tasks:
            _, running = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in running:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        else:
            try:
                while self._rows:
                    await self._write_batch(retry=False)
            except Exception as exc:
                log.error("cost ledger: could not write the last calls: %s", exc)
        if self._rows:
            log.error(
                "cost ledger closed with %d calls unwritten (database unavailable)",
                len(self._rows),
            )
        for _, future in self._waiters:  # nobody waits on a closed ledger
            if not future.done():
                future.set_result(None)
        self._waiters = []
        self._writer = self._publisher = None

    # -- background tasks ---------------------------------------------------------------------

    async def _publish_loop(self, bus: EventBus) -> None:
        while True:
            if not self._events:
                if self._closing:
                    return
                await self._publish_wake.wait()
                self._publish_wake.clear()
                continue
            chunk = [self._events.popleft() for _ in range(min(_PUBLISH_CHUNK, len(self._events)))]
            results = await asyncio.gather(
                *(bus.publish(TOPIC, EVENT_TYPE, call_to_dict(call)) for call in chunk),
                return_exceptions=True,
            )
            failed = sum(isinstance(r, BaseException) for r in results)
            if failed:  # the rows are still written; only the live view misses them
                first = next(r for r in results if isinstance(r, BaseException))
                log.warning("could not publish %d cost events: %s", failed, first)

    async def _write_loop(self) -> None:
        while True:
            if not self._rows:
                self._urgent = False
                self._settle_waiters()
                if self._closing:
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            delay = self._rows[0][0] + self._flush_seconds - time.monotonic()
            hurry = self._urgent or self._closing or len(self._rows) >= self._batch_size
            if delay > 0 and not hurry:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                self._wake.clear()
                continue
            await self._write_batch(retry=True)

    async def _write_batch(self, *, retry: bool) -> None:
        """Write the oldest queued calls (up to a batch) in one INSERT; retry with backoff."""
        backoff = 0.1
        while True:
            batch = [self._rows[i][1] for i in range(min(self._batch_size, len(self._rows)))]
            try:
                await self._insert(batch)
            except Exception as exc:
                if not retry:
                    raise
                log.warning(
                    "cost ledger: could not write %d calls (%d waiting), retrying in %.1fs: %s",
                    len(batch),
                    len(self._rows),
                    backoff,
                    exc,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_SECONDS)
                continue
            for _ in batch:
                self._rows.popleft()
            self._committed += len(batch)
            self._settle_waiters()
            return

    async def _insert(self, batch: Sequence[CallRecord]) -> None:
        # One INSERT statement per batch, sent with the driver's executemany (asyncpg
        # pipelines it, SQLite reuses one prepared statement), in one transaction. A literal
        # multi-row VALUES is ~10x slower here: SQLAlchemy compiles 13,000 bind parameters.
        async with self._db.session() as session:
            await session.execute(_INSERT, [_row(call) for call in batch])

    def _settle_waiters(self) -> None:
        if not self._waiters:
            return
        still: list[tuple[int, asyncio.Future[None]]] = []
        for target, future in self._waiters:
            if self._committed >= target:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((target, future))
        self._waiters = still

    # -- reading ------------------------------------------------------------------------------

    async def recent(self, limit: int = 50) -> list[CallRecord]:
        """The newest calls, newest first (the Gateway page's recent requests); calls taken
        but not yet written are flushed first."""
        await self.settle()
        async with self._db.session() as session:
            rows = (
                await session.scalars(
                    select(CallRow).order_by(CallRow.at.desc(), CallRow.id.desc()).limit(limit)
                )
            ).all()
        return [_from_row(row) for row in rows]


__all__ = ["EVENT_TYPE", "TOPIC", "Ledger", "call_to_dict", "to_money"]
