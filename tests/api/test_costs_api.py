"""Spend over HTTP against a real server: calls taken by the runtime's ledger show up in the
summary, the time series and the recent calls at once, amounts exact, and who may see them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI

from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.models import uuid7
from swarmdeck.costs.usage import CallRecord, Usage
from swarmdeck.runtime import Runtime

from .conftest import Server, start_server


@pytest.fixture
async def live(
    server_settings: Settings, file_config: FileConfig
) -> AsyncIterator[tuple[Server, Runtime]]:
    """The `server` fixture, plus the runtime it serves (the app keeps it on its state)."""
    uv, task = await start_server(server_settings, file_config)
    assert server_settings.admin_token is not None
    app = uv.config.app
    assert isinstance(app, FastAPI)
    runtime: Runtime = app.state.runtime
    yield (
        Server(
            url=f"http://127.0.0.1:{server_settings.port}",
            token=server_settings.admin_token.get_secret_value(),
            settings=server_settings,
        ),
        runtime,
    )
    uv.should_exit = True
    await asyncio.wait_for(task, 10)


def call(swarm: str, cost: str, *, minutes_ago: float = 1, **extra: object) -> CallRecord:
    return CallRecord(
        id=str(uuid7()),
        at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        provider="openai",
        alias="gpt-4o",
        model="gpt-4o-2024-08-06",
        usage=Usage(input_tokens=1000, output_tokens=250, cached_input_tokens=200),
        cost_usd=Decimal(cost),
        swarm=swarm,
        **extra,  # type: ignore[arg-type]
    )


async def test_summary_shows_calls_just_taken_with_exact_amounts(
    live: tuple[Server, Runtime],
) -> None:
    server, runtime = live
    research, ops = f"research-{uuid.uuid4().hex[:6]}", f"ops-{uuid.uuid4().hex[:6]}"
    runtime.ledger.record(call(research, "0.000000001"))
    runtime.ledger.record(call(research, "0.1", saved_usd=Decimal("0.02"), cache="hit"))
    runtime.ledger.record(call(ops, "0.3"))
    runtime.ledger.record(call(ops, "5", minutes_ago=120))  # outside the hour
    async with server.admin() as admin:
        # Not flushed yet: the summary writes pending calls first.
        response = await admin.get(
            "/api/costs/summary", params={"window": "1h", "group_by": "swarm"}
        )
        day = await admin.get("/api/costs/summary", params={"window": "1d", "group_by": "swarm"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["window"], body["group_by"]) == ("1h", "swarm")
    assert body["total_usd"] == "0.400000001" and body["calls"] == 3
    assert body["groups"] == [
        {
            "key": ops,
            "cost_usd": "0.3",
            "calls": 1,
            "input_tokens": 1000,
            "output_tokens": 250,
            "saved_usd": "0",
        },
        {
            "key": research,
            "cost_usd": "0.100000001",
            "calls": 2,
            "input_tokens": 2000,
            "output_tokens": 500,
            "saved_usd": "0.02",
        },
    ]
    assert day.json()["total_usd"] == "5.400000001"


async def test_timeseries_and_recent_calls(live: tuple[Server, Runtime]) -> None:
    server, runtime = live
    swarm = f"s-{uuid.uuid4().hex[:6]}"
    first, second = call(swarm, "0.25", minutes_ago=3), call(swarm, "0.5", minutes_ago=1)
    runtime.ledger.record(first)
    runtime.ledger.record(second)
    async with server.admin() as admin:
        series = await admin.get(
            "/api/costs/timeseries", params={"window": "1h", "group_by": "swarm"}
        )
        recent = await admin.get("/api/costs/calls", params={"limit": 2})
    assert series.status_code == 200, series.text
    body = series.json()
    assert body["bucket_seconds"] == 60 and len(body["points"]) == 61
    spent = [p for p in body["points"] if p["calls"]]
    assert [p["cost_usd"] for p in spent] == ["0.25", "0.5"]
    assert spent[1]["groups"] == [{"key": swarm, "cost_usd": "0.5", "calls": 1}]
    assert recent.status_code == 200, recent.text
    calls = recent.json()["calls"]
    assert [c["id"] for c in calls] == [second.id, first.id]
    assert calls[0]["cost_usd"] == "0.5" and calls[0]["cached_input_tokens"] == 200
    assert calls[0]["model"] == "gpt-4o-2024-08-06" and calls[0]["at"].endswith("Z")


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_bad_windows_and_groups_are_422(server: Server) -> None:
    async with server.admin() as admin:
        for path, params in (
            ("/api/costs/summary", {"window": "2h"}),
            ("/api/costs/summary", {"group_by": "colour"}),
            ("/api/costs/timeseries", {"window": "30d", "bucket_seconds": "60"}),
            ("/api/costs/timeseries", {"bucket_seconds": "0"}),
            ("/api/costs/calls", {"limit": "0"}),
        ):
            response = await admin.get(path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["error"]["type"] == "invalid_input"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_costs_need_costs_read(server: Server) -> None:
    async with server.client() as anonymous:
        assert (await anonymous.get("/api/costs/summary")).status_code == 401
    async with server.admin() as admin:
        role = await admin.post(
            "/api/roles", json={"name": "agents-only", "permissions": ["model:execute"]}
        )
        assert role.status_code == 201, role.text
    async with server.as_role("agents-only") as agent:
        assert (await agent.get("/api/costs/summary")).status_code == 403
        assert (await agent.get("/api/costs/calls")).status_code == 403
    async with server.as_role("viewer") as viewer:  # spend is a dashboard: viewers read it
        assert (await viewer.get("/api/costs/summary")).status_code == 200


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_every_route_documents_its_errors_and_usd_as_strings(server: Server) -> None:
    async with server.admin() as admin:
        spec = (await admin.get("/api/openapi.json")).json()
    for path in ("/api/costs/summary", "/api/costs/timeseries", "/api/costs/calls"):
        responses = spec["paths"][path]["get"]["responses"]
        assert {"200", "401", "403", "422"} <= set(responses), path
    summary = spec["components"]["schemas"]["CostSummary"]["properties"]
    assert summary["total_usd"]["type"] == "string"
