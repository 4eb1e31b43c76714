"""The audit log service: append records to the chain, read them back, verify, checkpoint.

Writers serialise on the chain head: each batch of records is appended in one transaction
that first takes the write lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory
transaction lock), then reads the head and inserts after it, so concurrent writers in any
number of processes build one linear chain. Within a process, concurrent `record` calls
are grouped: one flusher task writes everything queued so far in one transaction, which
is what makes hundreds of concurrent writers cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import insert, select, text

from swarmdeck.core.audit._chain import GENESIS
from swarmdeck.core.audit._checkpoints import CHECKPOINT_FILE, Checkpoint, CheckpointStore
from swarmdeck.core.audit._crypto import Keyring
from swarmdeck.core.audit._draft import Draft, chained_row, make_draft, to_record
from swarmdeck.core.audit._export import export_chunks
from swarmdeck.core.audit._model import AuditRow
from swarmdeck.core.audit._query import aware, filters, newest_first, oldest_first
from swarmdeck.core.audit._records import (
    Actor,
    AuditRecord,
    AuditResult,
    VerifyResult,
)
from swarmdeck.core.audit._verify import PARALLEL_MIN_RECORDS, verify_chain
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput
from swarmdeck.core.models import utcnow

log = logging.getLogger(__name__)

TOPIC: Final = "audit"
EVENT_TYPE: Final = "audit.record"
MAX_BATCH: Final = 500
# Any constant works; every replica must use the same one.
_PG_CHAIN_LOCK: Final = 0x5D_EC_A0D1


class AuditLog:
    """The tamper-evident audit trail of every state change."""

    def __init__(
        self,
        db: Database,
        bus: EventBus | None,
        *,
        secret_key: bytes,
        data_dir: Path,
        checkpoint_every: int = 100,
        checkpoint_seconds: float = 300.0,
        webhook_url: str | None = None,
        previous_secret_keys: Sequence[bytes] = (),
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self._db = db
        self._bus = bus
        self.keyring = Keyring(secret_key, previous=previous_secret_keys)
        self.checkpoints = CheckpointStore(
            Path(data_dir) / CHECKPOINT_FILE, self.keyring, webhook_url=webhook_url
        )
        self._every = checkpoint_every
        self._seconds = checkpoint_seconds
        self._pending: list[tuple[Draft, asyncio.Future[AuditRecord]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._checkpoint_lock = asyncio.Lock()
        self._last_checkpoint: Checkpoint | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # From this many records on, verification runs in one worker process per core.
        self.parallel_verify_min = PARALLEL_MIN_RECORDS

    # -- writing ---------------------------------------------------------------------------

    async def record(
        self,
        actor: Actor,
        action: str,
        *,
        resource_type: str,
        resource_id: str | None = None,
        result: AuditResult = "success",
        details: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one record to the chain and return it once committed.

        `details` pass through the sanitiser before they are encrypted, so a secret handed
        in by mistake never reaches the log. Cancelling the caller does not cancel the write.
        """
        draft = make_draft(self.keyring, actor, action, resource_type, resource_id, result, details)
        future: asyncio.Future[AuditRecord] = asyncio.get_running_loop().create_future()
        self._pending.append((draft, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="audit-flush")
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # The write goes on; nobody is left to hear how it ended, so don't complain.
            future.add_done_callback(_outcome_unheard)
            raise

    async def _flush(self) -> None:
        """Write everything queued, batch after batch, until the queue is empty."""
        while self._pending:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            try:
                records = await self._append([draft for draft, _ in batch])
            except asyncio.CancelledError:
                for _, future in [*batch, *self._pending]:
                    if not future.done():
                        future.set_exception(RuntimeError("the audit writer was stopped"))
                self._pending.clear()
                raise
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            await self._after_commit(records)
            for (_, future), written in zip(batch, records, strict=True):
                if not future.done():
                    future.set_result(written)

    async def _append(self, drafts: list[Draft]) -> list[AuditRecord]:
        """Append drafts after the chain head in one transaction, holding the write lock."""
        async with self._db.session(immediate=True) as session:
            if self._db.dialect == "postgresql":
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK}
                )
            head = (
                await session.execute(
                    select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
                )
            ).first()
            seq, prev_hash = (head[0], head[1]) if head is not None else (0, GENESIS)
            rows: list[dict[str, Any]] = []
            records: list[AuditRecord] = []
            for draft in drafts:
                seq += 1
                row = chained_row(draft, seq, utcnow(), prev_hash)
                prev_hash = row["hash"]
                rows.append(row)
                records.append(to_record(draft, row))
            await session.execute(insert(AuditRow), rows)
        return records

    async def _after_commit(self, records: list[AuditRecord]) -> None:
        """Announce the records (without details) and checkpoint when one is due."""
        if self._bus is not None:
            for written in records:
                event = written.to_dict(with_details=False)
                del event["details"], event["details_error"]
                try:
                    await self._bus.publish(TOPIC, EVENT_TYPE, event)
                except Exception as exc:  # the record is committed; the live view may lag
                    log.warning("could not publish audit record %s: %s", written.id, exc)
        first, last = records[0], records[-1]
        if last.seq // self._every > (first.seq - 1) // self._every:
            try:
                await self._checkpoint_at(last.seq, last.hash)
            except Exception as exc:
                log.warning("audit checkpoint at seq %d failed: %s", last.seq, exc)
        else:
            self._arm_timer()

    # -- checkpoints -----------------------------------------------------------------------

    async def checkpoint(self) -> Checkpoint | None:
        """Sign and store a checkpoint of the current head now (also used at shutdown);
        None while the log is empty."""
        async with self._db.session() as session:
            head = (
                await session.execute(
                    select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
                )
            ).first()
        if head is None:
            self._cancel_timer()
            return None
        return await self._checkpoint_at(head[0], head[1])

    async def _checkpoint_at(self, seq: int, hash: str) -> Checkpoint:
        self._cancel_timer()
        async with self._checkpoint_lock:
            last = self._last_checkpoint
            if last is not None and last.seq >= seq:
                return last
            checkpoint = await self.checkpoints.append(seq, hash, utcnow())
            self._last_checkpoint = checkpoint
        if self.checkpoints.webhook_url is not None:
            self._spawn(self.checkpoints.post(checkpoint))
        return checkpoint

    def _arm_timer(self) -> None:
        """Make sure no record waits longer than `checkpoint_seconds` for a checkpoint."""
        if self._timer is None and self._seconds > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._seconds, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        self._spawn(self.checkpoint())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("audit background work failed: %s", task.exception())

    async def aclose(self) -> None:
        """Finish queued writes, write a final checkpoint, wait for webhook posts."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
        try:
            await self.checkpoint()
        finally:
            self._cancel_timer()
            if self._background:
                await asyncio.gather(*self._background, return_exceptions=True)

    # -- reading ---------------------------------------------------------------------------

    async def query(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        resource_type: str | None = None,
        result: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
        with_details: bool = False,
    ) -> tuple[list[AuditRecord], str | None]:
        """Records newest first, filtered; the cursor, when not None, fetches the next page.

        `action` ending in `*` matches a prefix (`user.*`). Times without a zone are UTC.
        """
        conditions = filters(
            actor=actor,
            action=action,
            resource_type=resource_type,
            result=result,
            since=since,
            until=until,
        )
        return await newest_first(
            self._db, self.keyring, conditions, cursor=cursor, limit=limit, details=with_details
        )

    def export(
        self,
        *,
        format: Literal["csv", "json"],
        since: datetime | None = None,
        until: datetime | None = None,
        with_details: bool = False,
    ) -> AsyncIterator[str]:
        """The records in `[since, until)` as CSV or JSON text chunks, oldest first, ending
        with the verification of the whole trail."""
        if format not in ("csv", "json"):
            raise InvalidInput("format must be csv or json", details={"format": format})
        conditions = filters(since=since, until=until)  # bad input fails now, not mid-stream
        return export_chunks(
            format,
            oldest_first(self._db, self.keyring, conditions, details=with_details),
            self.verify,
            since=aware(since),
            until=aware(until),
            with_details=with_details,
        )

    # -- verification ----------------------------------------------------------------------

    async def verify(self) -> VerifyResult:
        """Check the whole chain and every checkpoint; name the first problem found."""
        started = time.perf_counter()
        scan = await self.checkpoints.read()  # before the head is read: see verify_chain
        records, first_bad, reason = await verify_chain(
            self._db, self.keyring, scan, parallel_min=self.parallel_verify_min
        )
        log.debug("audit verify: %d records in %.2f s", records, time.perf_counter() - started)
        return VerifyResult(
            ok=first_bad is None,
            records=records,
            first_bad=first_bad,
            reason=reason,
            checkpoints=len(scan.valid),
        )


def _outcome_unheard(future: asyncio.Future[AuditRecord]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.error("an audit record whose writer was cancelled was not written: %s", exc)
