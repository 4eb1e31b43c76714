"""`swarmdeck cost report` on the ledger of a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from swarmdeck.core.db import Database
from swarmdeck.core.models import uuid7
from swarmdeck.costs.ledger import Ledger
from swarmdeck.costs.usage import CallRecord, Usage


def env(data_dir: Path, database_url: str) -> dict[str, str | None]:
    values: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SWARMDECK_")}
    values.update(
        {
            "SWARMDECK_DATA_DIR": str(data_dir),
            "SWARMDECK_DATABASE_URL": database_url,
            "SWARMDECK_SECRET_KEY": secrets.token_urlsafe(32),
        }
    )
    return values


def seed(database_url: str) -> None:
    async def run() -> None:
        db = Database(database_url)
        await db.migrate()
        ledger = Ledger(db, None)
        now = datetime.now(UTC)
        for swarm, cost, hours in (
            ("research", "1.25", 1),
            ("research", "0.000000005", 2),
            ("ops", "2", 3),
            (None, "0.5", 4),
            ("ops", "100", 48),  # outside the day
        ):
            ledger.record(
                CallRecord(
                    id=str(uuid7()),
                    at=now - timedelta(hours=hours),
                    provider="openai",
                    alias="gpt-4o",
                    model="gpt-4o",
                    usage=Usage(input_tokens=1500, output_tokens=500),
                    cost_usd=Decimal(cost),
                    saved_usd=Decimal("0.1") if swarm == "ops" else Decimal(0),
                    swarm=swarm,
                )
            )
        await ledger.aclose()
        await db.aclose()

    asyncio.run(run())


def test_cost_report_by_swarm_prints_a_table_and_json(
    fresh_database_url: str, tmp_path: Path
) -> None:
    from swarmdeck.cli import app

    seed(fresh_database_url)
    runner = CliRunner()
    environment = env(tmp_path, fresh_database_url)
    shown = runner.invoke(
        app, ["cost", "report", "--window", "1d", "--by", "swarm"], env=environment
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    research = next(line for line in lines if "research" in line)
    assert "2" in research and "3,000" in research and "$1.25" in research
    assert any("ops" in line and "$2.00" in line and "$0.10" in line for line in lines)
    assert any("(none)" in line for line in lines)
    assert "exact: 3.750000005 USD" in shown.stdout

    as_json = runner.invoke(app, ["cost", "report", "--by", "swarm", "--json"], env=environment)
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["total_usd"] == "3.750000005" and report["calls"] == 4
    assert [g["key"] for g in report["groups"]] == ["ops", "research", None]
    assert report["groups"][1]["cost_usd"] == "1.250000005"


def test_cost_report_refuses_unknown_windows_and_groups(tmp_path: Path) -> None:
    from swarmdeck.cli import app

    runner = CliRunner()
    environment = env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    for args in (["--window", "2h"], ["--by", "colour"]):
        result = runner.invoke(app, ["cost", "report", *args], env=environment)
        assert result.exit_code == 2, result.output
