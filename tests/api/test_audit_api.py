"""The audit trail over HTTP: browse with filters and a cursor, verify, export, and who may."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from sqlalchemy import text

from swarmdeck.core.db import Database

from .conftest import Server


async def publish(admin_or_client: object, marker: str, count: int) -> None:
    """Audited changes: each outside publish writes an `event.publish` record."""
    for n in range(count):
        response = await admin_or_client.post(  # type: ignore[attr-defined]
            "/api/events", json={"topic": "test", "type": f"{marker}-{n}", "data": {"n": n}}
        )
        assert response.status_code == 202, response.text


async def test_admin_browses_records_with_details_newest_first(server: Server) -> None:
    marker = uuid.uuid4().hex[:12]
    async with server.admin() as admin:
        await publish(admin, marker, 3)
        response = await admin.get(
            "/api/audit", params={"action": "event.*", "actor": "admin-token", "limit": 3}
        )
    assert response.status_code == 200, response.text
    page = response.json()
    records = page["records"]
    assert [r["details"]["type"] for r in records] == [f"{marker}-2", f"{marker}-1", f"{marker}-0"]
    first = records[0]
    assert first["actor"] == {"type": "token", "name": "admin-token", "role": "admin"}
    assert (first["action"], first["resource_type"], first["result"]) == (
        "event.publish",
        "dashboard",
        "success",
    )
    assert first["client_address"] == "127.0.0.1" and first["user_agent"].startswith("python-httpx")
    assert first["ts"].endswith("Z") and len(first["hash"]) == 64
    assert records[1]["hash"] == first["prev_hash"]


async def test_pages_follow_the_cursor_and_bad_input_is_a_4xx(server: Server) -> None:
    marker = uuid.uuid4().hex[:12]
    async with server.admin() as admin:
        await publish(admin, marker, 5)
        seen: list[dict[str, object]] = []
        cursor = None
        pages = 0
        while len([r for r in seen if marker in str(r["details"])]) < 5:
            params: dict[str, str | int] = {"action": "event.publish", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await admin.get("/api/audit", params=params)).json()
            seen += page["records"]
            cursor = page["next_cursor"]
            pages += 1
        seqs = [int(str(r["seq"])) for r in seen]
        assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
        mine = [str(r["details"]) for r in seen if marker in str(r["details"])]
        assert [f"{marker}-{n}" in text for n, text in zip(range(4, -1, -1), mine, strict=True)]
        assert pages >= 3
        bad = await admin.get("/api/audit", params={"cursor": "not-a-cursor"})
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"] == {
            "type": "invalid_input",
            "message": "invalid cursor",
            "details": {"cursor": "not-a-cursor"},
        }
        for params in ({"limit": 0}, {"result": "maybe"}, {"since": "yesterday"}):
            response = await admin.get("/api/audit", params=params)
            assert response.status_code == 422, (params, response.text)
            assert response.json()["error"]["type"] == "invalid_input"


async def test_a_viewer_is_refused_and_the_refusal_is_on_the_record(server: Server) -> None:
    async with server.as_role("viewer") as viewer:
        for path in ("/api/audit", "/api/audit/verify", "/api/audit/export"):
            response = await viewer.get(path)
            assert response.status_code == 403, (path, response.text)
    async with server.admin() as admin:
        denied = (
            await admin.get(
                "/api/audit", params={"action": "access.denied", "result": "denied", "limit": 10}
            )
        ).json()["records"]
    paths = {r["resource_id"] for r in denied if r["actor"]["role"] == "viewer"}
    assert {"/api/audit", "/api/audit/verify", "/api/audit/export"} <= paths


async def test_verify_reports_an_intact_chain(server: Server) -> None:
    async with server.admin() as admin:
        await publish(admin, uuid.uuid4().hex[:12], 2)
        response = await admin.get("/api/audit/verify")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is True, result
    assert result["records"] >= 2 and result["first_bad"] is None and result["reason"] is None


async def test_export_downloads_csv_and_json_ending_with_the_verification(server: Server) -> None:
    marker = uuid.uuid4().hex[:12]
    async with server.admin() as admin:
        await publish(admin, marker, 2)
        as_csv = await admin.get("/api/audit/export", params={"format": "csv"})
        as_json = await admin.get("/api/audit/export", params={"format": "json"})
        bad = await admin.get("/api/audit/export", params={"format": "xml"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith("attachment; filename=")
    body, _, trailer = as_csv.text.rstrip("\n").rpartition("\n")
    rows = list(csv.DictReader(io.StringIO(body)))
    mine = [r for r in rows if marker in r["details"]]
    assert len(mine) == 2
    assert json.loads(trailer.removeprefix("# verification: "))["ok"] is True
    document = as_json.json()
    assert document["verification"]["ok"] is True
    assert [r["seq"] for r in document["records"]] == sorted(r["seq"] for r in document["records"])
    assert bad.status_code == 422


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_a_role_with_records_but_not_details_sees_no_details(server: Server) -> None:
    async with server.admin() as admin:
        role = await admin.post(
            "/api/roles", json={"name": "lister", "permissions": ["audit:read:records"]}
        )
        assert role.status_code == 201, role.text
        await admin.post("/api/events", json={"topic": "t", "type": "x"})  # an audited change
    async with server.as_role("lister") as lister:
        page = await lister.get("/api/audit?limit=50")
        assert page.status_code == 200, page.text
        records = page.json()["records"]
    assert records
    assert all(record["details"] is None for record in records)
    async with server.admin() as admin:
        full = (await admin.get("/api/audit?limit=50")).json()["records"]
    assert any(record["details"] for record in full)


async def test_verify_names_the_first_record_tampered_with_in_the_database(server: Server) -> None:
    async with server.admin() as admin:
        for n in range(3):
            await admin.post("/api/events", json={"topic": "t", "type": f"change-{n}"})
        target = (await admin.get("/api/audit?limit=100")).json()["records"][-2]
        assert (await admin.get("/api/audit/verify")).json()["ok"] is True
        # Someone with database access rewrites history behind the server's back.
        database = Database(server.settings.effective_database_url())
        try:
            async with database.engine.begin() as conn:
                await conn.execute(
                    text("UPDATE audit_records SET result = 'denied' WHERE id = :id"),
                    {"id": target["id"]},
                )
        finally:
            await database.aclose()
        verdict = (await admin.get("/api/audit/verify")).json()
    assert verdict["ok"] is False
    assert verdict["first_bad"] == target["id"]
    assert verdict["reason"]
