"""The inner loop of verification, and a worker that runs it over one range of seqs.

`check_rows` is the hot path: per row, the seq, the link to the previous hash, the hash
itself (through the writer's own `canonical`) and any signed checkpoint at that seq.
Rows come straight from the driver with the timestamp already in canonical text (SQL
below), in `CHAIN_FIELDS` order followed by `hash`.

`walk_segment` runs in a worker process (`python -m swarmdeck.core.audit._segment`, the
job as JSON on stdin, the `Segment` as JSON on stdout) so that a long chain is checked on
every core: each worker walks its own range and reports where it started, where it
ended and whether it stopped at a problem; the coordinator (`_verify`) stitches the
ranges together and explains any problem. This module imports nothing heavy, so a
worker starts in a few tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import hashlib
import json
import sqlite3
import sys
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from swarmdeck.core.audit._chain import CHAIN_FIELDS, GENESIS, ID_INDEX, PREV_INDEX, SEQ_INDEX
from swarmdeck.core.audit._chain import canonical as _canonical

HASH_INDEX: Final = len(CHAIN_FIELDS)
FETCH: Final = 10_000
# Below any seq: the first range is read from here, so rows inserted with seq <= 0 show.
BEFORE_ALL: Final = -(2**62)

# The timestamp in canonical form (`_chain.ts_text`), computed by the database. SQLite holds
# SQLAlchemy's fixed "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; PostgreSQL a timestamptz.
_TS_SQL: Final = {
    "sqlite": "substr(ts, 1, 10) || 'T' || substr(ts, 12) || 'Z'",
    "postgresql": """to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
}
_PARAMS: Final = {"sqlite": ("?", "?", "?"), "postgresql": ("$1", "$2", "$3")}


def select_rows(dialect: str, *, limit: bool) -> str:
    """Rows with seq in `(after, upto]`, in seq order, ready for `check_rows`."""
    if dialect not in _TS_SQL:
        raise NotImplementedError(f"audit verification does not support {dialect}")
    columns = [_TS_SQL[dialect] if name == "ts" else name for name in CHAIN_FIELDS]
    after, upto, count = _PARAMS[dialect]
    sql = (
        f"SELECT {', '.join(columns)}, hash FROM audit_records "  # noqa: S608 (constants only)
        f"WHERE seq > {after} AND seq <= {upto} ORDER BY seq"
    )
    return f"{sql} LIMIT {count}" if limit else sql


@dataclass
class ChainState:
    """The last record known good. `linked` is False at the start of a worker's range,
    where the previous hash is not known yet: the first row's link is checked later."""

    seq: int = 0
    id: str | None = None
    hash: str = GENESIS
    linked: bool = True
    first_seq: int | None = None
    first_prev: str | None = None


def check_rows(
    rows: Sequence[Sequence[Any]], state: ChainState, expected: Mapping[int, Set[str]]
) -> int | None:
    """Check rows in order, advancing `state` past each good one; the index of the first
    bad row, or None."""
    sha256, canonical = hashlib.sha256, _canonical
    prev_hash, prev_id, want = state.hash, state.id, state.seq + 1
    bad: int | None = None
    if not state.linked and rows:
        # A worker's first row: its link is checked when the ranges are stitched.
        state.first_seq, state.first_prev = rows[0][SEQ_INDEX], rows[0][PREV_INDEX]
        prev_hash = rows[0][PREV_INDEX]
        state.linked = True
    for index, row in enumerate(rows):
        if row[SEQ_INDEX] != want or row[PREV_INDEX] != prev_hash:
            bad = index
            break
        try:
            digest = sha256(canonical(row)).hexdigest()
        except (TypeError, ValueError, UnicodeError):
            bad = index
            break
        stored = row[HASH_INDEX]
        if digest != stored or (want in expected and stored not in expected[want]):
            bad = index
            break
        prev_hash, prev_id = stored, row[ID_INDEX]
        want += 1
    state.seq, state.id, state.hash = want - 1, prev_id, prev_hash
    return bad


@dataclass(frozen=True)
class Segment:
    """What a worker found in `(after, upto]`: its first row's seq and link, the last
    good record, and whether it stopped at a bad row."""

    after: int
    first_seq: int | None
    first_prev: str | None
    last_seq: int
    last_id: str | None
    last_hash: str
    stopped: bool


def walk_segment(
    dialect: str, dsn: str, after: int, upto: int, expected: Mapping[int, Set[str]]
) -> Segment:
    """Check every row with seq in `(after, upto]` (runs in a worker process). The range
    starting at 0 starts the chain; it also reads any row with a seq below 1."""
    state = ChainState(seq=after, linked=after == 0)
    query_after = BEFORE_ALL if after == 0 else after
    if dialect == "sqlite":
        stopped = _walk_sqlite(dsn, query_after, upto, state, expected)
    else:
        stopped = asyncio.run(_walk_postgres(dsn, query_after, upto, state, expected))
    return Segment(
        after=after,
        first_seq=state.first_seq,
        first_prev=state.first_prev,
        last_seq=state.seq,
        last_id=state.id,
        last_hash=state.hash,
        stopped=stopped,
    )


def _walk_sqlite(
    path: str, after: int, upto: int, state: ChainState, expected: Mapping[int, Set[str]]
) -> bool:
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        cursor = conn.execute(select_rows("sqlite", limit=False), (after, upto))
        while rows := cursor.fetchmany(FETCH):
            if check_rows(rows, state, expected) is not None:
                return True
        return False
    finally:
        conn.close()


async def _walk_postgres(
    dsn: str, after: int, upto: int, state: ChainState, expected: Mapping[int, Set[str]]
) -> bool:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(readonly=True):
            cursor = await conn.cursor(select_rows("postgresql", limit=False), after, upto)
            while rows := await cursor.fetch(FETCH):
                if check_rows(rows, state, expected) is not None:
                    return True
        return False
    finally:
        await conn.close()


def main() -> None:
    """Worker entry point: a job as JSON on stdin, its `Segment` as JSON on stdout."""
    # Rows are tuples of strings, never cycles: the collector would only slow the walk.
    gc.disable()
    job = json.load(sys.stdin)
    expected = {int(seq): frozenset(hashes) for seq, hashes in job["expected"].items()}
    segment = walk_segment(job["dialect"], job["dsn"], job["after"], job["upto"], expected)
    json.dump(dataclasses.asdict(segment), sys.stdout)


if __name__ == "__main__":
    main()
