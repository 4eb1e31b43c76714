"""Fired alerts over HTTP: listed newest first, filtered by state, and only for who may read them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import uvicorn
from fastapi import FastAPI

from swarmdeck.app import create_app
from swarmdeck.config import FileConfig, Settings
from swarmdeck.costs.alerts import AlertEngine
from swarmdeck.costs.budgets import BudgetStatus
from swarmdeck.costs.config import AlertsConfig
from swarmdeck.runtime import Runtime

from .conftest import Server


@dataclass
class AlertServer(Server):
    app: FastAPI

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


@pytest.fixture
def file_config() -> FileConfig:
    # The runtime's own engine would resolve the test engine's budget alerts (its snapshot
    # has no such budget), as a replica would: keep it from evaluating during a test.
    return FileConfig(alerts=AlertsConfig(check_seconds=3600))


@pytest.fixture
async def alert_server(
    server_settings: Settings, file_config: FileConfig
) -> AsyncIterator[AlertServer]:
    """A real server like `server`, keeping the app so the test can reach its runtime."""
    app = create_app(server_settings, file_config)
    uv = uvicorn.Server(
        uvicorn.Config(
            app,
            host=server_settings.host,
            port=server_settings.port,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(uv.serve())
    for _ in range(500):
        if uv.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    assert uv.started and server_settings.admin_token is not None
    yield AlertServer(
        url=f"http://127.0.0.1:{server_settings.port}",
        token=server_settings.admin_token.get_secret_value(),
        settings=server_settings,
        app=app,
    )
    uv.should_exit = True
    await asyncio.wait_for(task, 10)


def spend(spent: str) -> list[BudgetStatus]:
    return [
        BudgetStatus(
            scope="swarm",
            name="research",
            window="hour",
            spent_usd=Decimal(spent),
            reserved_usd=Decimal(0),
            limit_usd=Decimal("0.01"),
            alert_usd=None,
        )
    ]


async def test_fired_alerts_are_listed_newest_first_and_by_state(
    alert_server: AlertServer,
) -> None:
    runtime = alert_server.runtime
    statuses = spend("0.006")

    async def snapshot() -> list[BudgetStatus]:
        return statuses

    # The budget rules as the runtime's engine runs them, on the server's database and bus.
    budget_engine = AlertEngine(runtime.config.alerts, snapshot, runtime.db, runtime.bus)
    await budget_engine.evaluate()
    await budget_engine.flush()
    await asyncio.sleep(0.005)  # a later fired_at for the notice
    runtime.alerts.notify("unpriced_model", "no price for 'llama'", key="llama")
    await runtime.alerts.flush()

    async with alert_server.admin() as admin:
        listed = await admin.get("/api/alerts")
        assert listed.status_code == 200, listed.text
        alerts = listed.json()
        assert [(a["rule"], a["name"], a["state"]) for a in alerts] == [
            ("unpriced_model", "llama", "open"),
            ("budget_percent", "research", "open"),
        ]
        budget = alerts[1]
        assert budget["threshold"] == "50" and budget["window"] == "hour"
        assert budget["value_usd"] == "0.006" and budget["limit_usd"] == "0.01"
        assert budget["severity"] == "warning" and budget["resolved_at"] is None
        assert budget["fired_at"].endswith("Z")
        assert budget["delivered"] == {"fired": ["dashboard"]}
        assert budget["details"]["percent"] == 50

        statuses[:] = spend("0.001")
        await budget_engine.evaluate()
        await budget_engine.flush()
        opened = (await admin.get("/api/alerts", params={"state": "open"})).json()
        resolved = (await admin.get("/api/alerts", params={"state": "resolved"})).json()
        everything = (await admin.get("/api/alerts", params={"state": "all", "limit": 1})).json()
    assert [a["rule"] for a in opened] == ["unpriced_model"]
    assert [(a["id"], a["state"]) for a in resolved] == [(budget["id"], "resolved")]
    assert resolved[0]["delivered"] == {"fired": ["dashboard"], "resolved": ["dashboard"]}
    assert [a["rule"] for a in everything] == ["unpriced_model"]


async def test_each_alert_is_a_dashboard_event(alert_server: AlertServer) -> None:
    runtime = alert_server.runtime
    runtime.alerts.notify("unpriced_model", "no price for 'mistral'", key="mistral")
    await runtime.alerts.flush()
    for _ in range(100):  # on Redis the event comes back through the stream
        events = await runtime.bus.recent(["alerts"])
        if events:
            break
        await asyncio.sleep(0.02)
    (event,) = events
    assert event.type == "alert.fired"
    assert (event.data["rule"], event.data["name"]) == ("unpriced_model", "mistral")


async def test_alerts_need_alert_read_and_bad_queries_are_refused(
    alert_server: AlertServer,
) -> None:
    async with alert_server.client() as anonymous:
        assert (await anonymous.get("/api/alerts")).status_code == 401
    async with alert_server.admin() as admin:
        role = await admin.post(
            "/api/roles", json={"name": "alert-reader", "permissions": ["alert:read"]}
        )
        assert role.status_code == 201, role.text
        role = await admin.post(
            "/api/roles", json={"name": "agents-only", "permissions": ["model:execute"]}
        )
        assert role.status_code == 201, role.text
    async with alert_server.as_role("agents-only") as agent:
        refused = await agent.get("/api/alerts")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["type"] == "permission_denied"
    async with alert_server.admin() as admin:
        for params in ({"state": "maybe"}, {"limit": 0}, {"limit": 501}):
            bad = await admin.get("/api/alerts", params=params)
            assert bad.status_code == 422, (params, bad.text)
            assert bad.json()["error"]["type"] == "invalid_input"
    async with alert_server.as_role("alert-reader") as reader:
        allowed = await reader.get("/api/alerts")
    assert allowed.status_code == 200 and allowed.json() == []
