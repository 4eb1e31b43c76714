"""The audit trail on both engines: one linear hash chain, sealed details, signed checkpoints,
and verification that names every kind of tampering done with raw SQL on the real tables."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import io
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text, update
from typer.testing import CliRunner

from swarmdeck.cli_audit import audit_app
from swarmdeck.core.audit import (
    CHECKPOINT_FILE,
    CSV_VERIFICATION_PREFIX,
    SYSTEM_ACTOR,
    Actor,
    AuditLog,
    AuditRecord,
    AuditRow,
)
from swarmdeck.core.audit._chain import CHAIN_FIELDS, GENESIS, canonical, record_hash
from swarmdeck.core.audit._checkpoints import line_hash, sign_checkpoint
from swarmdeck.core.audit._crypto import Keyring
from swarmdeck.core.bus import MemoryBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput

SECRET = b"test-secret-key-for-the-audit-trail"
ALICE = Actor(
    type="user",
    name="alice",
    role="admin",
    credential_id="sess-1",
    client_address="10.0.0.7",
    user_agent="pytest/8",
)
BOB = Actor(type="key", name="bob", role="operator", credential_id="key-9")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    async with database.session() as session:  # PostgreSQL's database is shared by the run
        await session.execute(text("DELETE FROM audit_records"))
    yield database
    async with database.session() as session:  # and nobody else should find it tampered with
        await session.execute(text("DELETE FROM audit_records"))
    await database.aclose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def audit(db: Database, data_dir: Path) -> AsyncIterator[AuditLog]:
    log = AuditLog(db, None, secret_key=SECRET, data_dir=data_dir, checkpoint_every=5)
    yield log
    await log.aclose()


async def write(audit: AuditLog, count: int, **overrides: Any) -> list[AuditRecord]:
    """`count` records one after another, alternating actors, actions and results."""
    out = []
    for n in range(count):
        out.append(
            await audit.record(
                overrides.get("actor", ALICE if n % 2 else BOB),
                overrides.get("action", "user.create" if n % 3 else "key.revoke"),
                resource_type=overrides.get("resource_type", "user" if n % 3 else "key"),
                resource_id=f"r{n}",
                result=overrides.get("result", "denied" if n % 4 == 3 else "success"),
                details=overrides.get("details", {"n": n, "note": f"change {n}"}),
            )
        )
    return out


async def sql(db: Database, statement: str, **params: Any) -> None:
    async with db.session() as session:
        await session.execute(text(statement), params)


async def id_at(db: Database, seq: int) -> str:
    async with db.session() as session:
        return str(
            (
                await session.execute(
                    text("SELECT id FROM audit_records WHERE seq = :s"), {"s": seq}
                )
            ).scalar_one()
        )


# -- the chain -----------------------------------------------------------------------------


async def test_records_form_one_linked_chain_that_verifies(audit: AuditLog) -> None:
    records = await write(audit, 12)
    assert [r.seq for r in records] == list(range(1, 13))
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert records[3].ts >= records[2].ts
    result = await audit.verify()
    assert (result.ok, result.records, result.first_bad, result.reason) == (True, 12, None, None)
    assert result.checkpoints == 2  # at seq 5 and 10


async def test_an_empty_log_verifies(audit: AuditLog) -> None:
    result = await audit.verify()
    assert (result.ok, result.records) == (True, 0)
    assert await audit.checkpoint() is None


_text = st.text(st.characters(codec="utf-8"), max_size=40)
_NULLABLE = {
    "actor_role",
    "client_address",
    "credential_id",
    "details",
    "key_id",
    "resource_id",
    "user_agent",
}


@given(
    values=st.fixed_dictionaries(
        {
            name: st.none() | _text if name in _NULLABLE else _text
            for name in CHAIN_FIELDS
            if name not in ("seq", "ts")
        }
    ),
    seq=st.integers(min_value=1, max_value=2**62),
)
def test_canonical_bytes_are_sorted_compact_json(values: dict[str, Any], seq: int) -> None:
    record = {**values, "seq": seq, "ts": "2026-11-25T20:15:46.000001Z"}
    assert (
        canonical([record[name] for name in CHAIN_FIELDS])
        == json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    )


async def test_hostile_text_round_trips_and_verifies(audit: AuditLog) -> None:
    odd = 'quote " backslash \\ newline \n tab \t nul-ish \x01 unicode é 漢字 🙂 \\u001f'
    await audit.record(
        Actor(type="user", name=odd, role=odd, user_agent=odd, client_address="::1"),
        "user.create",
        resource_type="user",
        resource_id=odd,
        details={odd: odd},
    )
    [record], _ = await audit.query(with_details=True)
    assert record.actor.name == odd and record.resource_id == odd
    assert record.details == {odd: odd}
    assert (await audit.verify()).ok


# -- tampering, each named -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_name", "mallory"),
        ("actor_type", "system"),
        ("action", "user.read"),
        ("result", "success"),
        ("resource_id", "other"),
        ("client_address", "127.0.0.1"),
        ("user_agent", None),
        ("prev_hash", "f" * 64),
    ],
)
async def test_verify_names_an_edited_field(
    audit: AuditLog, db: Database, column: str, value: str | None
) -> None:
    await write(audit, 8)
    await sql(db, f"UPDATE audit_records SET {column} = :v WHERE seq = 4", v=value)  # noqa: S608
    result = await audit.verify()
    assert not result.ok
    assert result.first_bad == await id_at(db, 4)
    assert result.records == 3
    assert "seq 4" in (result.reason or "")
    assert any(word in (result.reason or "") for word in ("edited", "broken"))


async def test_verify_names_an_edited_timestamp(audit: AuditLog, db: Database) -> None:
    records = await write(audit, 6)
    async with db.session() as session:
        await session.execute(
            update(AuditRow).where(AuditRow.seq == 2).values(ts=records[1].ts - timedelta(days=3))
        )
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, records[1].id)
    assert "edited" in (result.reason or "")


async def test_verify_names_a_deleted_middle_record(audit: AuditLog, db: Database) -> None:
    await write(audit, 9)
    await sql(db, "DELETE FROM audit_records WHERE seq = 6")
    result = await audit.verify()
    assert (result.ok, result.first_bad, result.records) == (False, "seq:6", 5)
    assert "missing" in (result.reason or "") and "deleted" in (result.reason or "")


async def test_verify_names_the_oldest_records_deleted(audit: AuditLog, db: Database) -> None:
    await write(audit, 4)
    await sql(db, "DELETE FROM audit_records WHERE seq <= 2")
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, "seq:1")


async def test_verify_names_a_deletion_hidden_by_renumbering(audit: AuditLog, db: Database) -> None:
    await write(audit, 8)
    moved = await id_at(db, 6)
    await sql(db, "DELETE FROM audit_records WHERE seq = 5")
    for seq in (6, 7, 8):
        await sql(db, "UPDATE audit_records SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, moved)
    assert "deleted" in (result.reason or "")


async def test_verify_names_reordered_records(audit: AuditLog, db: Database) -> None:
    await write(audit, 8)
    fourth, fifth = await id_at(db, 4), await id_at(db, 5)
    await sql(db, "UPDATE audit_records SET seq = -1 WHERE seq = 4")
    await sql(db, "UPDATE audit_records SET seq = 4 WHERE seq = 5")
    await sql(db, "UPDATE audit_records SET seq = 5 WHERE seq = -1")
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, fifth)
    assert "out of order" in (result.reason or "")
    assert fourth != fifth


async def test_verify_names_a_record_rewritten_with_a_fresh_hash(
    audit: AuditLog, db: Database
) -> None:
    """Editing a field and recomputing its hash breaks the next record's link."""
    await write(audit, 6)
    async with db.session() as session:
        row = (
            (await session.execute(text("SELECT * FROM audit_records WHERE seq = 3")))
            .mappings()
            .one()
        )
    values = dict(row)
    values["actor_name"] = "mallory"
    ts = (
        values["ts"] if isinstance(values["ts"], datetime) else datetime.fromisoformat(values["ts"])
    )
    values["ts"] = ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    forged = record_hash([values[name] for name in CHAIN_FIELDS])
    await sql(
        db, "UPDATE audit_records SET actor_name = 'mallory', hash = :h WHERE seq = 3", h=forged
    )
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, values["id"])
    assert "rewritten" in (result.reason or "")


async def test_verify_names_ciphertext_swapped_between_records(
    audit: AuditLog, db: Database
) -> None:
    await write(audit, 8)
    async with db.session() as session:
        a = (
            await session.execute(text("SELECT details FROM audit_records WHERE seq = 3"))
        ).scalar_one()
        b = (
            await session.execute(text("SELECT details FROM audit_records WHERE seq = 7"))
        ).scalar_one()
    await sql(db, "UPDATE audit_records SET details = :d WHERE seq = 3", d=b)
    await sql(db, "UPDATE audit_records SET details = :d WHERE seq = 7", d=a)
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, await id_at(db, 3))
    assert "ciphertext" in (result.reason or "") and "swapped" in (result.reason or "")
    # Reading still works; the two swapped records' details no longer open.
    records, _ = await audit.query(limit=10, with_details=True)
    unreadable = {r.seq for r in records if r.details_error is not None}
    assert unreadable == {3, 7}


async def test_verify_names_a_truncated_tail(audit: AuditLog, db: Database) -> None:
    await write(audit, 12)
    checkpoint = await audit.checkpoint()
    assert checkpoint is not None and checkpoint.seq == 12
    await sql(db, "DELETE FROM audit_records WHERE seq > 9")
    result = await audit.verify()
    assert (result.ok, result.first_bad, result.records) == (False, "seq:10", 9)
    assert "truncated" in (result.reason or "")


async def test_verify_names_history_rewritten_after_a_checkpoint(
    audit: AuditLog, db: Database, data_dir: Path
) -> None:
    """Delete the tail and write new records over it: the chain is valid, the checkpoint not."""
    await write(audit, 10)
    await sql(db, "DELETE FROM audit_records WHERE seq > 7")
    other = AuditLog(db, None, secret_key=SECRET, data_dir=data_dir, checkpoint_every=1000)
    replaced = await write(other, 3)
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, replaced[-1].id)
    assert "checkpoint" in (result.reason or "") and "rewritten" in (result.reason or "")


def _lines(data_dir: Path) -> list[str]:
    return (data_dir / CHECKPOINT_FILE).read_text().splitlines()


async def test_verify_names_an_edited_checkpoint_line(audit: AuditLog, data_dir: Path) -> None:
    await write(audit, 10)
    lines = _lines(data_dir)
    assert len(lines) == 2
    first = json.loads(lines[0])
    first["seq"] = 4  # hide what came after
    lines[0] = json.dumps(first, separators=(",", ":"))
    (data_dir / CHECKPOINT_FILE).write_text("\n".join(lines) + "\n")
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, "checkpoint:1")
    assert "signature" in (result.reason or "")


async def test_verify_names_a_forged_checkpoint(audit: AuditLog, data_dir: Path) -> None:
    """A checkpoint appended by someone without the key: well-formed, linked, badly signed."""
    await write(audit, 5)
    last = _lines(data_dir)[-1]
    forger = Keyring(b"not-the-server-secret")
    forged = sign_checkpoint(forger, 99, "a" * 64, datetime.now(UTC), line_hash(last)).line()
    with (data_dir / CHECKPOINT_FILE).open("a") as handle:
        handle.write(forged + "\n")
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, "checkpoint:2")
    assert "forged" in (result.reason or "")


async def test_verify_names_a_removed_checkpoint_line(audit: AuditLog, data_dir: Path) -> None:
    await write(audit, 15)
    lines = _lines(data_dir)
    (data_dir / CHECKPOINT_FILE).write_text("\n".join([lines[0], lines[2]]) + "\n")
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, "checkpoint:2")
    assert "removed" in (result.reason or "")


async def test_verify_names_an_inserted_record(audit: AuditLog, db: Database) -> None:
    await write(audit, 3)
    await sql(
        db,
        "INSERT INTO audit_records (id, seq, ts, actor_type, actor_name, action, resource_type,"
        " result, prev_hash, hash) SELECT 'forged', 0, ts, actor_type, actor_name, action,"
        " resource_type, result, prev_hash, hash FROM audit_records WHERE seq = 1",
    )
    result = await audit.verify()
    assert (result.ok, result.first_bad) == (False, "forged")
    assert "inserted" in (result.reason or "")


async def test_workers_verify_a_long_chain_and_name_problems_in_any_range(
    audit: AuditLog, db: Database
) -> None:
    """Past `parallel_verify_min` the walk is split over worker processes and stitched."""
    await write(audit, 40, details=None)
    audit.parallel_verify_min = 1
    assert (await audit.verify()).ok
    await sql(db, "UPDATE audit_records SET action = 'edited' WHERE seq = 31")
    result = await audit.verify()
    assert (result.ok, result.first_bad, result.records) == (False, await id_at(db, 31), 30)
    await sql(db, "DELETE FROM audit_records WHERE seq = 21")  # the first row of the second range
    result = await audit.verify()
    assert (result.ok, result.first_bad, result.records) == (False, "seq:21", 20)


# -- details -------------------------------------------------------------------------------


async def test_details_are_encrypted_at_rest_and_decrypted_on_request(
    audit: AuditLog, db: Database
) -> None:
    await audit.record(
        ALICE, "user.create", resource_type="user", details={"name": "vera", "role": "viewer"}
    )
    async with db.session() as session:
        raw, key_id = (
            await session.execute(text("SELECT details, key_id FROM audit_records"))
        ).one()
    assert "vera" not in raw and "viewer" not in raw
    assert len(base64.b64decode(raw)) > 12 + 16  # nonce, ciphertext, tag
    assert key_id == audit.keyring.details_key_id and len(key_id) == 8
    [hidden], _ = await audit.query()
    assert hidden.details is None
    [shown], _ = await audit.query(with_details=True)
    assert shown.details == {"name": "vera", "role": "viewer"}
    assert shown.to_dict(with_details=True)["details"] == shown.details
    assert shown.to_dict(with_details=False)["details"] is None


async def test_secrets_in_details_are_redacted_before_encryption(audit: AuditLog) -> None:
    written = await audit.record(
        ALICE,
        "key.create",
        resource_type="key",
        details={"password": "hunter2", "note": "used sk-proj-abcdefghijklmnopqrstuvwx1234"},
    )
    assert written.details == {"password": "[REDACTED]", "note": "used [REDACTED:api_key]"}
    [stored], _ = await audit.query(with_details=True)
    assert "hunter2" not in json.dumps(stored.details)
    assert "sk-proj" not in json.dumps(stored.details)


async def test_a_record_sealed_with_an_unknown_key_verifies_but_is_unreadable(
    db: Database, tmp_path: Path
) -> None:
    old = AuditLog(db, None, secret_key=b"old-secret", data_dir=tmp_path / "a", checkpoint_every=99)
    await write(old, 3)
    rotated = AuditLog(db, None, secret_key=b"new-secret", data_dir=tmp_path / "b")
    assert (await rotated.verify()).ok
    records, _ = await rotated.query(with_details=True)
    assert all(r.details is None for r in records)
    assert all("unknown key" in (r.details_error or "") for r in records)
    assert records[0].to_dict(with_details=True)["details_error"].startswith("unreadable")
    keeping = AuditLog(
        db,
        None,
        secret_key=b"new-secret",
        data_dir=tmp_path / "b",
        previous_secret_keys=[b"old-secret"],
    )
    records, _ = await keeping.query(with_details=True)
    assert [r.details for r in records] == [{"n": n, "note": f"change {n}"} for n in (2, 1, 0)]
    assert (await keeping.verify()).ok


# -- concurrency ---------------------------------------------------------------------------


def _assert_one_chain(records: list[AuditRecord], count: int) -> None:
    ordered = sorted(records, key=lambda r: r.seq)
    assert [r.seq for r in ordered] == list(range(1, count + 1))
    assert ordered[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(ordered))


async def test_two_hundred_concurrent_writers_build_one_chain(
    audit: AuditLog, db: Database
) -> None:
    started = time.perf_counter()
    records = await asyncio.gather(
        *(
            audit.record(ALICE, "user.create", resource_type="user", details={"i": i})
            for i in range(200)
        )
    )
    elapsed = time.perf_counter() - started
    print(f"\n{db.dialect}: 200 concurrent writers, one engine: {200 / elapsed:,.0f} records/s")
    _assert_one_chain(list(records), 200)
    result = await audit.verify()
    assert (result.ok, result.records) == (True, 200)


async def test_writers_on_separate_engines_still_build_one_chain(
    database_url: str, db: Database, data_dir: Path
) -> None:
    """Three engines stand for three processes: the write lock is the database's, not ours."""
    engines = [Database(database_url) for _ in range(3)]
    logs = [
        AuditLog(engine, None, secret_key=SECRET, data_dir=data_dir, checkpoint_every=50)
        for engine in engines
    ]
    try:
        started = time.perf_counter()
        records = await asyncio.gather(
            *(
                logs[i % 3].record(BOB, "swarm.scale", resource_type="swarm", details={"i": i})
                for i in range(210)
            )
        )
        elapsed = time.perf_counter() - started
        print(
            f"\n{db.dialect}: 210 concurrent writers on 3 engines: {210 / elapsed:,.0f} records/s"
        )
        _assert_one_chain(list(records), 210)
        for log in logs:
            await log.checkpoint()
        result = await logs[0].verify()
        assert (result.ok, result.records) == (True, 210)
        assert result.checkpoints >= 4
    finally:
        for log in logs:
            await log.aclose()
        for engine in engines:
            await engine.aclose()


async def test_a_cancelled_caller_does_not_lose_its_record(audit: AuditLog) -> None:
    task = asyncio.create_task(
        audit.record(SYSTEM_ACTOR, "settings.change", resource_type="settings")
    )
    await asyncio.sleep(0)
    task.cancel()
    for _ in range(100):
        records, _ = await audit.query()
        if records:
            break
        await asyncio.sleep(0.02)
    assert [r.action for r in records] == ["settings.change"]
    assert task.cancelled()


# -- reading -------------------------------------------------------------------------------


async def test_query_filters_by_actor_action_resource_result_and_time(audit: AuditLog) -> None:
    records = await write(audit, 12)
    assert {r.actor.name for r in (await audit.query(actor="alice"))[0]} == {"alice"}
    assert len((await audit.query(actor="alice"))[0]) == 6
    assert {r.action for r in (await audit.query(action="key.revoke"))[0]} == {"key.revoke"}
    assert len((await audit.query(action="user.*"))[0]) == 8
    assert len((await audit.query(action="user.%"))[0]) == 0  # no SQL wildcards
    assert {r.resource_type for r in (await audit.query(resource_type="key"))[0]} == {"key"}
    denied, _ = await audit.query(result="denied")
    assert [r.seq for r in denied] == [12, 8, 4]
    window, _ = await audit.query(since=records[2].ts, until=records[5].ts)
    assert [r.seq for r in window] == [5, 4, 3]
    naive, _ = await audit.query(since=records[10].ts.replace(tzinfo=None))
    assert [r.seq for r in naive] == [12, 11]
    with pytest.raises(InvalidInput):
        await audit.query(result="maybe")


async def test_query_pages_newest_first_with_an_opaque_cursor(audit: AuditLog) -> None:
    await write(audit, 23, details=None)
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = await audit.query(limit=10, cursor=cursor)
        seen += [r.seq for r in page]
        pages += 1
        if cursor is None:
            break
    assert seen == list(range(23, 0, -1)) and pages == 3
    page, cursor = await audit.query(limit=23)
    assert len(page) == 23 and cursor is None
    for bad in ("nonsense", base64.urlsafe_b64encode(b"seq:x").decode()):
        with pytest.raises(InvalidInput):
            await audit.query(cursor=bad)
    for limit in (0, 1001):
        with pytest.raises(InvalidInput):
            await audit.query(limit=limit)


async def test_records_must_name_a_known_result_and_actor_type(audit: AuditLog) -> None:
    with pytest.raises(InvalidInput):
        await audit.record(ALICE, "x", resource_type="y", result="maybe")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        await audit.record(Actor(type="robot", name="r"), "x", resource_type="y")
    with pytest.raises(InvalidInput):
        await audit.record(ALICE, "", resource_type="y")
    anonymous = Actor(type="anonymous", name="anonymous", client_address="203.0.113.9")
    await audit.record(anonymous, "login", resource_type="session", result="denied")
    assert (await audit.verify()).ok


async def test_export_csv_streams_records_and_ends_with_the_verification(audit: AuditLog) -> None:
    await write(audit, 7)
    chunks = [chunk async for chunk in audit.export(format="csv", with_details=True)]
    assert len(chunks) >= 3
    body, _, trailer = "".join(chunks).rstrip("\n").rpartition("\n")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [int(r["seq"]) for r in rows] == list(range(1, 8))
    assert rows[0]["actor_name"] == "bob" and rows[1]["client_address"] == "10.0.0.7"
    assert json.loads(rows[2]["details"]) == {"n": 2, "note": "change 2"}
    assert trailer.startswith(CSV_VERIFICATION_PREFIX)
    verdict = json.loads(trailer.removeprefix(CSV_VERIFICATION_PREFIX))
    assert verdict["ok"] is True and verdict["records"] == 7


async def test_export_csv_neutralises_spreadsheet_formulas(audit: AuditLog) -> None:
    await audit.record(
        Actor(type="user", name='=HYPERLINK("http://evil")', user_agent="+1"),
        "x.y",
        resource_type="z",
    )
    text_ = "".join([chunk async for chunk in audit.export(format="csv")])
    row = next(csv.DictReader(io.StringIO(text_)))
    assert row["actor_name"].startswith("'=") and row["user_agent"] == "'+1"


async def test_export_json_is_one_document_with_the_verification(
    audit: AuditLog, db: Database
) -> None:
    records = await write(audit, 6)
    document = json.loads("".join([c async for c in audit.export(format="json")]))
    assert [r["seq"] for r in document["records"]] == list(range(1, 7))
    assert all(r["details"] is None for r in document["records"])
    assert document["verification"] == {
        "ok": True, "records": 6, "first_bad": None, "reason": None, "checkpoints": 1
    }  # fmt: skip
    window = json.loads(
        "".join(
            [c async for c in audit.export(format="json", since=records[1].ts, until=records[3].ts)]
        )
    )
    assert [r["seq"] for r in window["records"]] == [2, 3]
    await sql(db, "UPDATE audit_records SET result = 'success' WHERE seq = 4")
    tampered = json.loads("".join([c async for c in audit.export(format="json")]))
    assert tampered["verification"]["ok"] is False
    assert tampered["verification"]["first_bad"] == records[3].id
    empty = json.loads(
        "".join([c async for c in audit.export(format="json", since=datetime.now(UTC))])
    )
    assert empty["records"] == []
    with pytest.raises(InvalidInput):
        audit.export(format="xml")  # type: ignore[arg-type]


# -- live and checkpoints ------------------------------------------------------------------


async def test_each_record_is_published_on_the_audit_topic_without_details(
    db: Database, data_dir: Path
) -> None:
    bus = MemoryBus()
    await bus.start()
    subscription = await bus.subscribe(["audit"])
    log = AuditLog(db, bus, secret_key=SECRET, data_dir=data_dir)
    records = await write(log, 3)
    events = [await asyncio.wait_for(subscription.queue.get(), 1) for _ in range(3)]
    assert all(e is not None and (e.topic, e.type) == ("audit", "audit.record") for e in events)
    assert [e.data["id"] for e in events if e is not None] == [r.id for r in records]
    for event in events:
        assert event is not None
        assert "details" not in event.data and "change" not in event.wire
        assert event.data["actor"]["name"] in ("alice", "bob") and event.data["hash"]
    await log.aclose()
    await bus.aclose()


async def test_checkpoints_come_every_n_records_and_on_demand(
    audit: AuditLog, data_dir: Path
) -> None:
    await write(audit, 4)
    assert not (data_dir / CHECKPOINT_FILE).exists()
    await write(audit, 1)
    assert [json.loads(line)["seq"] for line in _lines(data_dir)] == [5]
    await write(audit, 2)
    forced = await audit.checkpoint()
    assert forced is not None and forced.seq == 7
    assert await audit.checkpoint() == forced  # nothing new: no second line
    lines = [json.loads(line) for line in _lines(data_dir)]
    assert [c["seq"] for c in lines] == [5, 7]
    assert lines[1]["prev"] == line_hash(_lines(data_dir)[0])
    assert lines[0]["key_id"] == audit.keyring.signing_key_id
    assert oct((data_dir / CHECKPOINT_FILE).stat().st_mode & 0o777) == "0o600"


async def test_a_checkpoint_follows_within_the_configured_seconds(
    db: Database, data_dir: Path
) -> None:
    log = AuditLog(db, None, secret_key=SECRET, data_dir=data_dir, checkpoint_seconds=0.1)
    await log.record(ALICE, "user.create", resource_type="user")
    assert not (data_dir / CHECKPOINT_FILE).exists()
    for _ in range(100):
        if (data_dir / CHECKPOINT_FILE).exists():
            break
        await asyncio.sleep(0.02)
    assert [json.loads(line)["seq"] for line in _lines(data_dir)] == [1]
    await log.aclose()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/checkpoints", received
    server.shutdown()
    server.server_close()


async def test_each_checkpoint_is_posted_to_the_webhook(
    db: Database, data_dir: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    log = AuditLog(
        db, None, secret_key=SECRET, data_dir=data_dir, checkpoint_every=3, webhook_url=url
    )
    await write(log, 3)
    await log.aclose()
    assert [c["seq"] for c in received] == [3]
    assert received[0] == json.loads(_lines(data_dir)[0])
    with pytest.raises(ValueError, match="http"):
        AuditLog(db, None, secret_key=SECRET, data_dir=data_dir, webhook_url="file:///etc/passwd")


# -- the command line ----------------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str | None]:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SWARMDECK_")}
    env.update({"SWARMDECK_DATA_DIR": str(data_dir), "SWARMDECK_SECRET_KEY": SECRET.decode()})
    return env


async def _cli_trail(data_dir: Path, count: int) -> None:
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'swarmdeck.db'}")
    await db.migrate()
    log = AuditLog(db, None, secret_key=SECRET, data_dir=data_dir, checkpoint_every=2)
    await write(log, count)
    await log.aclose()
    await db.aclose()


def test_cli_verifies_and_exports_the_trail(tmp_path: Path) -> None:
    """`swarmdeck audit ...` as a real process once, then in-process for the variations."""
    data_dir = tmp_path / "cli"
    asyncio.run(_cli_trail(data_dir, 4))
    env = {k: v for k, v in _env(data_dir).items() if v is not None}
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    ok = subprocess.run(
        [str(Path(sys.executable).with_name("swarmdeck")), "audit", "verify"],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout and "4 records" in ok.stdout
    runner = CliRunner()
    out = tmp_path / "export.json"
    exported = runner.invoke(
        audit_app,
        ["export", "--format", "json", "--details", "--output", str(out)],
        env=_env(data_dir),
    )
    assert exported.exit_code == 0, exported.output
    document = json.loads(out.read_text())
    assert len(document["records"]) == 4
    assert document["records"][0]["details"] == {"n": 0, "note": "change 0"}
    as_csv = runner.invoke(audit_app, ["export", "--until", "2000-01-01"], env=_env(data_dir))
    assert as_csv.exit_code == 0 and as_csv.stdout.startswith("id,seq,ts,")
    assert '"ok":true' in as_csv.stdout.splitlines()[-1]
    with contextlib.closing(sqlite3.connect(data_dir / "swarmdeck.db")) as conn, conn:
        conn.execute("DELETE FROM audit_records WHERE seq = 4")
    broken = runner.invoke(audit_app, ["verify", "--json"], env=_env(data_dir))
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["first_bad"] == "seq:4"
    shown = runner.invoke(audit_app, ["verify"], env=_env(data_dir))
    assert shown.exit_code == 1 and "broken" in shown.stdout and "seq:4" in shown.stdout
    for args in (["export", "--since", "yesterday"], ["export", "--format", "xml"]):
        bad = runner.invoke(audit_app, args, env=_env(data_dir))
        assert bad.exit_code == 2, (args, bad.output)
