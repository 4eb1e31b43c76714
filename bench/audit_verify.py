"""Audit trail verification speed: `AuditLog.verify()` over a million chained records.

Builds N valid records in Python exactly as the writer does (uuid7 ids, details sealed
with AES-GCM, the shared canonical hash, a signed checkpoint every 100 records), bulk
loads them into a SQLite file (executemany) and a PostgreSQL database (COPY), then times
`verify()` on each: every record re-hashed and linked, every checkpoint signature checked.
Target: under 10 s for 1M records on this 2-core box.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from rich.table import Table

from bench._report import console, load_check, write_result
from swarmdeck.core.audit import CHECKPOINT_FILE, AuditLog, AuditRow, Keyring

# The writer's own serialisation and checkpoint signing: the bench must build records
# exactly as `AuditLog.record` would.
from swarmdeck.core.audit._chain import CHAIN_FIELDS, GENESIS, record_hash, ts_text
from swarmdeck.core.audit._checkpoints import line_hash, sign_checkpoint
from swarmdeck.core.db import Database
from swarmdeck.core.models import uuid7

NAME = "audit_verify"
RECORDS = 1_000_000
CHECKPOINT_EVERY = 100
TARGET_S = 10.0
SECRET = b"bench-audit-secret-key-not-for-production"
PG_SERVER_URL = os.environ.get(
    "SWARMDECK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

COLUMNS = [column.name for column in AuditRow.__table__.columns]
_ACTORS = [("user", f"user{i}@example.com", "operator") for i in range(20)] + [
    ("key", "ci-deployer", "operator"),
    ("system", "system", "admin"),
]
_ACTIONS = [
    ("user.create", "user"),
    ("key.revoke", "key"),
    ("login", "session"),
    ("access.denied", "route"),
    ("swarm.scale", "swarm"),
]


def build(count: int) -> tuple[list[tuple[Any, ...]], list[str]]:
    """`count` valid chained rows (in `COLUMNS` order) and their checkpoint lines."""
    keyring = Keyring(SECRET)
    start = datetime.now(UTC) - timedelta(milliseconds=count)
    step = timedelta(milliseconds=1)
    rows: list[tuple[Any, ...]] = []
    checkpoints: list[str] = []
    prev = previous_line = GENESIS
    for seq in range(1, count + 1):
        actor_type, actor_name, role = _ACTORS[seq % len(_ACTORS)]
        action, resource_type = _ACTIONS[seq % len(_ACTIONS)]
        record_id = str(uuid7())
        ts = start + step * seq
        key_id, sealed = keyring.seal(
            b'{"changes":{"role":["viewer","operator"]},"reason":"on-call rotation","ticket":"OPS-%d"}'
            % seq,
            record_id=record_id,
        )
        values: dict[str, Any] = {
            "id": record_id,
            "seq": seq,
            "ts": ts,
            "actor_type": actor_type,
            "actor_name": actor_name,
            "actor_role": role,
            "client_address": "10.1.2.3",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) swarmdeck-dashboard",
            "credential_id": uuid.UUID(int=seq).hex,
            "action": action,
            "resource_type": resource_type,
            "resource_id": f"res-{seq % 5000}",
            "result": "denied" if action == "access.denied" else "success",
            "key_id": key_id,
            "details": sealed,
            "prev_hash": prev,
        }
        chained = [ts_text(ts) if name == "ts" else values[name] for name in CHAIN_FIELDS]
        values["hash"] = prev = record_hash(chained)
        rows.append(tuple(values[name] for name in COLUMNS))
        if seq % CHECKPOINT_EVERY == 0:
            line = sign_checkpoint(keyring, seq, prev, ts, previous_line).line()
            checkpoints.append(line + "\n")
            previous_line = line_hash(line)
    return rows, checkpoints


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Rows with the timestamp as SQLAlchemy stores it on SQLite."""
    ts_index = COLUMNS.index("ts")
    for row in rows:
        ts: datetime = row[ts_index]
        yield (*row[:ts_index], ts.strftime("%Y-%m-%d %H:%M:%S.%f"), *row[ts_index + 1 :])


async def _migrated(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.aclose()


async def _verify(url: str, data_dir: Path) -> tuple[float, Any]:
    db = Database(url)
    try:
        audit = AuditLog(db, None, secret_key=SECRET, data_dir=data_dir)
        started = time.perf_counter()
        result = await audit.verify()
        return time.perf_counter() - started, result
    finally:
        await db.aclose()


def _run_sqlite(rows: list[tuple[Any, ...]], data_dir: Path) -> dict[str, Any]:
    path = data_dir / "audit.db"
    asyncio.run(_migrated(f"sqlite+aiosqlite:///{path}"))
    started = time.perf_counter()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        placeholders = ", ".join("?" for _ in COLUMNS)
        conn.executemany(
            f"INSERT INTO audit_records ({', '.join(COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
            _sqlite_rows(rows),
        )
    load_s = time.perf_counter() - started
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return _timed("sqlite", f"sqlite+aiosqlite:///{path}", data_dir, len(rows), load_s)


def _timed(engine: str, url: str, data_dir: Path, count: int, load_s: float) -> dict[str, Any]:
    runs = [asyncio.run(_verify(url, data_dir)) for _ in range(2)]  # the first warms caches
    elapsed, result = min(runs, key=lambda run: run[0])
    console.print(f"audit: {engine}: verify {elapsed:.2f} s -> {result}")
    return {
        "engine": engine,
        "records": count,
        "load_s": load_s,
        "verify_s": elapsed,
        "verify_s_all_runs": [run[0] for run in runs],
        "records_per_s": count / elapsed,
        "ok": result.ok,
        "verified": result.records,
        "checkpoints": result.checkpoints,
        "within_target": elapsed < TARGET_S,
    }


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_copy(url: str, rows: list[tuple[Any, ...]]) -> float:
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await conn.copy_records_to_table("audit_records", records=rows, columns=COLUMNS)
        await conn.execute("VACUUM ANALYZE audit_records")
        return time.perf_counter() - started
    finally:
        await conn.close()


def _run_postgres(rows: list[tuple[Any, ...]], data_dir: Path) -> dict[str, Any]:
    name = f"swarmdeck_bench_audit_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL not reachable at {PG_SERVER_URL}: {exc}"
        console.print(f"[yellow]audit: postgresql skipped: {reason}[/]")
        return {"engine": "postgresql", "skipped": reason}
    url = f"{PG_SERVER_URL.rsplit('/', 1)[0]}/{name}"
    try:
        asyncio.run(_migrated(url))
        load_s = asyncio.run(_pg_copy(url, rows))
        return _timed("postgresql", url, data_dir, len(rows), load_s)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _table(runs: list[dict[str, Any]]) -> Table:
    table = Table(title=f"audit verify() (target < {TARGET_S:.0f} s for 1M records)")
    for column in ("engine", "records", "bulk load s", "verify s", "records/s", "ok", "target"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for run in runs:
        if "skipped" in run:
            table.add_row(run["engine"], "-", "-", "-", "-", "-", run["skipped"])
            continue
        table.add_row(
            run["engine"],
            f"{run['records']:,}",
            f"{run['load_s']:.1f}",
            f"{run['verify_s']:.2f}",
            f"{run['records_per_s']:,.0f}",
            "yes" if run["ok"] else "NO",
            "met" if run["within_target"] else "missed",
        )
    return table


def run(records: int = RECORDS) -> None:
    """Build, load and verify `records` records on each engine; print and write the JSON."""
    load_at_start = load_check(NAME)
    console.print(f"audit: building {records:,} chained records…")
    started = time.perf_counter()
    rows, checkpoints = build(records)
    build_s = time.perf_counter() - started
    console.print(f"audit: built in {build_s:.1f} s")
    with tempfile.TemporaryDirectory(prefix="swarmdeck-bench-audit-") as tmp:
        data_dir = Path(tmp)
        (data_dir / CHECKPOINT_FILE).write_text("".join(checkpoints))
        runs = [_run_sqlite(rows, data_dir), _run_postgres(rows, data_dir)]
    console.print(_table(runs))
    path = write_result(
        NAME,
        {
            "method": {
                "records": records,
                "checkpoint_every": CHECKPOINT_EVERY,
                "checkpoints": len(checkpoints),
                "build_s": build_s,
                "verify": "AuditLog.verify(), best of 2 runs, each with a fresh engine",
                "load": "sqlite3 executemany in one transaction; PostgreSQL COPY",
            },
            "target_s": TARGET_S,
            "load_average_at_start": load_at_start,
            "runs": runs,
        },
    )
    console.print(f"wrote {path}")
