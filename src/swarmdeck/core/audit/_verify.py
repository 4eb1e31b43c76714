"""Verification: walk the whole chain in seq order and name the first thing wrong.

The walk reads rows through the driver itself in large keyset-paginated batches, with
the timestamp already in canonical text from SQL, and hashes them with the writer's own
`canonical` (`_segment.check_rows`). Re-hashing costs about 10 us a record in Python,
so a long chain is split into ranges checked by worker processes, one per core, and the
ranges are stitched together here. Only when a record fails does verification slow down to work out what
happened to it, in this process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence, Set
from typing import Any, Final

from swarmdeck.core.audit import _segment
from swarmdeck.core.audit._chain import CHAIN_FIELDS, ID_INDEX, PREV_INDEX, SEQ_INDEX, record_hash
from swarmdeck.core.audit._checkpoints import CheckpointScan
from swarmdeck.core.audit._crypto import DetailsUnreadable, Keyring
from swarmdeck.core.audit._segment import (
    BEFORE_ALL,
    HASH_INDEX,
    ChainState,
    Segment,
    check_rows,
    select_rows,
)
from swarmdeck.core.db import Database

log = logging.getLogger(__name__)

BATCH: Final = 25_000
# Rows hashed between two yields to the event loop (~20 ms of work).
SLICE: Final = 2_000
# Below this many records one process is about as quick as starting workers.
PARALLEL_MIN_RECORDS: Final = 100_000
MAX_WORKERS: Final = 4
_DETAILS_INDEX: Final = CHAIN_FIELDS.index("details")
_KEY_INDEX: Final = CHAIN_FIELDS.index("key_id")


class _Rows:
    """Batches of raw rows (`CHAIN_FIELDS` then `hash`) straight from the driver."""

    def __init__(self, dialect: str, driver: Any) -> None:
        self.dialect = dialect
        self.driver = driver
        self.sql = select_rows(dialect, limit=True)

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        if self.dialect == "sqlite":
            return list(await self.driver.execute_fetchall(sql, args))
        return list(await self.driver.fetch(sql, *args))

    async def head(self) -> int:
        rows = await self._fetch("SELECT max(seq) FROM audit_records")
        return int(rows[0][0] or 0)

    async def batch(self, after: int, upto: int, limit: int = BATCH) -> list[Any]:
        return await self._fetch(self.sql, after, upto, limit)

    async def seq_of_hash(self, hash: str) -> int | None:
        param = "?" if self.dialect == "sqlite" else "$1"
        sql = f"SELECT seq FROM audit_records WHERE hash = {param} ORDER BY seq LIMIT 1"  # noqa: S608
        rows = await self._fetch(sql, hash)
        return int(rows[0][0]) if rows else None


def _hash_of(row: Sequence[Any]) -> str | None:
    try:
        return record_hash(row)
    except (TypeError, ValueError, UnicodeError):
        return None  # a field of the wrong type or shape: it was tampered with


class _Walk:
    """One verification walk in this process, from `state` to the head."""

    def __init__(
        self, rows: _Rows, keyring: Keyring, expected: Mapping[int, Set[str]], head: int
    ) -> None:
        self.rows = rows
        self.keyring = keyring
        self.expected = expected
        self.head = head
        self.state = ChainState()

    async def run(self) -> tuple[str, str] | None:
        """Walk on from `state`; `(first_bad, reason)` for the first problem, else None."""
        after = BEFORE_ALL if self.state.seq == 0 else self.state.seq
        batch = await self.rows.batch(after, self.head)
        while batch:
            following = asyncio.ensure_future(self.rows.batch(batch[-1][SEQ_INDEX], self.head))
            for start in range(0, len(batch), SLICE):
                # Yielding between slices starts the next fetch and keeps the loop responsive.
                await asyncio.sleep(0)
                part = batch[start : start + SLICE]
                bad = check_rows(part, self.state, self.expected)
                if bad is not None:
                    await following  # awaited even when unused: the connection stays clean
                    return await self._diagnose(part[bad])
            batch = await following
        return None

    async def _diagnose(self, row: Sequence[Any]) -> tuple[str, str]:
        """Name what happened to `row`, the first record that failed."""
        seq, record_id = row[SEQ_INDEX], str(row[ID_INDEX])
        want = self.state.seq + 1
        if type(seq) is not int:
            return record_id, f"record {record_id} has a malformed seq ({seq!r}): edited"
        if seq > want:
            missing = f"seq {want}" if seq == want + 1 else f"seq {want}..{seq - 1}"
            return f"seq:{want}", f"record {missing} is missing: deleted from the chain"
        if seq < want:
            return record_id, f"record {record_id} has seq {seq} out of sequence: inserted"
        own_ok = _hash_of(row) == row[HASH_INDEX]
        if row[PREV_INDEX] != self.state.hash:
            return await self._broken_link(row, own_ok)
        if not own_ok:
            return record_id, self._edited(row)
        signed = ", ".join(sorted(self.expected.get(seq, ())))
        return record_id, (
            f"record seq {seq} differs from a signed checkpoint (which has hash {signed}): "
            "the history up to it was rewritten"
        )

    async def _broken_link(self, row: Sequence[Any], own_ok: bool) -> tuple[str, str]:
        seq, record_id = row[SEQ_INDEX], str(row[ID_INDEX])
        linked = await self.rows.seq_of_hash(str(row[PREV_INDEX]))
        if linked is not None and linked != seq - 1:
            return record_id, (
                f"records out of order: seq {seq} links to the record now at seq {linked}, "
                f"not to seq {seq - 1} (records were reordered)"
            )
        if own_ok and self.state.id is not None:
            return self.state.id, (
                f"record seq {self.state.seq} was rewritten: its hash no longer matches the "
                f"prev_hash that seq {seq} recorded"
            )
        if own_ok:
            return record_id, f"record seq {seq} was rewritten: it does not start the chain"
        return record_id, (
            f"chain broken at seq {seq}: the record it links to is gone (a record before it "
            "was deleted and the rest renumbered) or its link was edited"
        )

    def _edited(self, row: Sequence[Any]) -> str:
        seq = row[SEQ_INDEX]
        sealed, key = row[_DETAILS_INDEX], row[_KEY_INDEX]
        if isinstance(sealed, str) and isinstance(key, str) and self.keyring.knows(key):
            try:
                self.keyring.open(key, sealed, record_id=str(row[ID_INDEX]))
            except DetailsUnreadable:
                return (
                    f"record seq {seq}: its details ciphertext does not belong to it "
                    "(swapped with another record's or replaced)"
                )
        return f"record seq {seq} was edited: its fields no longer match its hash"


def _worker_dsn(db: Database) -> str:
    """How a worker process connects: a SQLite file path, or a libpq URL for asyncpg."""
    url = db.engine.url
    if db.dialect == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _run_worker(
    dialect: str, dsn: str, after: int, upto: int, expected: Mapping[int, Set[str]]
) -> Segment:
    """Walk `(after, upto]` in a worker process; the job goes on stdin (the DSN may hold a
    password, which must not show in the process list)."""
    job = {
        "dialect": dialect,
        "dsn": dsn,
        "after": after,
        "upto": upto,
        "expected": {str(seq): sorted(hashes) for seq, hashes in expected.items()},
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        _segment.__name__,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate(json.dumps(job).encode())
    finally:
        if process.returncode is None:  # cancelled: do not leave the worker behind
            process.kill()
            await process.wait()
    if process.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise WorkerFailed(f"verification worker exited with {process.returncode}: {tail[0]}")
    return Segment(**json.loads(out))


class WorkerFailed(RuntimeError):
    """A verification worker could not run; the walk then runs in this process."""


async def _walk_in_workers(
    db: Database, head: int, workers: int, expected: Mapping[int, Set[str]]
) -> tuple[ChainState, bool]:
    """Check `(0, head]` in `workers` ranges at once; the state after the last good record
    and whether the walk must go on from there (a problem follows it)."""
    bounds = [head * part // workers for part in range(workers + 1)]
    dsn = _worker_dsn(db)
    segments = await asyncio.gather(
        *(
            _run_worker(
                db.dialect,
                dsn,
                after,
                upto,
                {seq: hashes for seq, hashes in expected.items() if after < seq <= upto},
            )
            for after, upto in itertools.pairwise(bounds)
        )
    )
    state = ChainState()
    for segment in segments:
        if segment.after > 0 and (
            segment.first_seq != state.seq + 1 or segment.first_prev != state.hash
        ):
            return state, True  # the ranges do not join: the walk here will say why
        if segment.first_seq is not None or segment.after == 0:
            state = ChainState(seq=segment.last_seq, id=segment.last_id, hash=segment.last_hash)
        if segment.stopped:
            return state, True
    return state, False


async def verify_chain(
    db: Database,
    keyring: Keyring,
    scan: CheckpointScan,
    *,
    parallel_min: int = PARALLEL_MIN_RECORDS,
) -> tuple[int, str | None, str | None]:
    """Walk the chain: `(records verified, first_bad, reason)`. `scan` must be read before
    this is called, so that every checkpoint in it refers to a record already committed."""
    expected = scan.expected_hashes()
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        rows = _Rows(db.dialect, raw.driver_connection)
        head = await rows.head()
        walk = _Walk(rows, keyring, expected, head)
        workers = min(MAX_WORKERS, os.cpu_count() or 1, head)
        go_on = True
        in_memory = db.dialect == "sqlite" and db.engine.url.database in (None, "", ":memory:")
        if head >= parallel_min and workers > 1 and not in_memory:
            try:
                walk.state, go_on = await _walk_in_workers(db, head, workers, expected)
            except (WorkerFailed, OSError) as exc:
                log.warning("audit verification runs in one process: %s", exc)
                walk.state, go_on = ChainState(), True
        problem = await walk.run() if go_on else None
    last = walk.state.seq
    if problem is not None:
        return last, *problem
    if scan.bad_line is not None:
        where = f"checkpoint:{scan.bad_line}"
        return last, where, f"checkpoint file line {scan.bad_line}: {scan.bad_reason}"
    latest = scan.latest
    if latest is not None and latest.seq > last:
        return (
            last,
            f"seq:{last + 1}",
            (
                f"truncated: a signed checkpoint covers seq {latest.seq} but the log ends at seq "
                f"{last}: the newest records were deleted"
            ),
        )
    return last, None, None
