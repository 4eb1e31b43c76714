"""Two replicas on PostgreSQL and Redis: MCP changes made through one reach the other."""

from __future__ import annotations

import asyncio
import sys

import pytest

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import free_port, serving_healthy, wait_healthy
from tests.mcp.conftest import FAST, time_server

pytestmark = pytest.mark.parametrize("shape", ["scaled"], indirect=True)


async def test_another_replica_serves_a_virtual_server_made_on_one(
    server_settings: Settings,
) -> None:
    config = FileConfig(mcp=FAST, mcp_servers={"time": time_server()})
    other = server_settings.model_copy(update={"port": free_port()})
    async with (
        serving_healthy(server_settings, config) as one,
        serving_healthy(other, config) as two,
    ):
        async with one.admin() as admin:
            made = await admin.post(
                "/api/mcp/virtual-servers", json={"name": "shared", "tools": ["time__get*"]}
            )
            assert made.status_code == 201, made.text
        async with two.admin() as admin:
            for _ in range(100):  # the change travels over Redis
                listed = (await admin.get("/api/mcp/virtual-servers")).json()
                if listed:
                    break
                await asyncio.sleep(0.05)
            assert [(v["name"], [t["name"] for t in v["tools"]]) for v in listed] == [
                ("shared", ["time__get_current_time"])
            ]


async def test_another_replica_runs_a_server_added_on_one(server_settings: Settings) -> None:
    settings = FAST.model_copy(update={"api_commands": (sys.executable,)})
    config = FileConfig(mcp=settings)
    other = server_settings.model_copy(update={"port": free_port()})
    clock = time_server().model_dump(mode="json", exclude_defaults=True)
    async with (
        serving_healthy(server_settings, config) as one,
        serving_healthy(other, config) as two,
    ):
        async with one.admin() as admin:
            added = await admin.post("/api/mcp/servers", json={"name": "clock", "config": clock})
            assert added.status_code == 201, added.text
        async with two.admin() as admin:
            status = await wait_healthy(admin, "clock")
        assert status["state"] == "healthy", status
