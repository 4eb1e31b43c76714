"""The MCP bridge's REST door with `mcp-server-time` from PyPI behind it: listing, calling,
permissions per tool or per server, the audit record, and recovery after kill -9."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import Server, serving, serving_healthy, wait_healthy
from tests.mcp.conftest import FAST, time_server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

TOOL = "time__get_current_time"


@pytest.fixture
async def bridge(server_settings: Settings) -> AsyncIterator[Server]:
    config = FileConfig(
        mcp=FAST.model_copy(update={"api_commands": (sys.executable,)}),
        mcp_servers={"time": time_server()},
    )
    async with serving_healthy(server_settings, config) as running:
        yield running


async def audit_records(server: Server, action: str, *, count: int) -> list[dict[str, Any]]:
    """The audit records of `action`, once `count` are there: calls are audited just after."""
    async with server.admin() as admin:
        for _ in range(100):
            records: list[dict[str, Any]] = (
                await admin.get("/api/audit", params={"action": action})
            ).json()["records"]
            if len(records) >= count:
                break
            await asyncio.sleep(0.05)
    return records


async def call(client: httpx.AsyncClient, arguments: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/api/mcp/tools/{TOOL}/call", json={"arguments": arguments})


async def test_tools_are_listed_namespaced_and_callable(bridge: Server) -> None:
    async with bridge.admin() as admin:
        [server] = (await admin.get("/api/mcp/servers")).json()
        assert (server["name"], server["kind"], server["state"]) == ("time", "stdio", "healthy")
        assert server["replicas"][0]["pid"] > 0
        tools = {t["name"]: t for t in (await admin.get("/api/mcp/tools")).json()}
        assert {TOOL, "time__convert_time"} <= set(tools)
        assert tools[TOOL]["upstream_name"] == "get_current_time"
        assert "timezone" in tools[TOOL]["input_schema"]["properties"]
        response = await call(admin, {"timezone": "Europe/Paris"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["isError"] is False
    assert "Europe/Paris" in result["content"][0]["text"]


async def test_a_tool_error_is_a_result_and_bad_input_a_4xx(bridge: Server) -> None:
    async with bridge.admin() as admin:
        failed = await call(admin, {"timezone": "Mars/Olympus_Mons"})
        assert failed.status_code == 200
        assert failed.json()["isError"] is True
        unknown = await admin.post("/api/mcp/tools/time__nope/call", json={"arguments": {}})
        assert unknown.status_code == 404
        bad = await admin.post(f"/api/mcp/tools/{TOOL}/call", json={"arguments": [1]})
        assert bad.status_code == 422
        bad_name = await admin.post("/api/mcp/tools/a%20b/call", json={"arguments": {}})
        assert bad_name.status_code == 422


async def test_calls_need_the_tool_or_its_server_and_are_audited(bridge: Server) -> None:
    async with bridge.admin() as admin:
        for name, permission in (("by-server", "time"), ("by-tool", TOOL), ("other", "git")):
            created = await admin.post(
                "/api/roles",
                json={"name": name, "permissions": [f"mcp-tool:execute:{permission}"]},
            )
            assert created.status_code == 201, created.text
    async with bridge.as_role("by-server") as by_server:
        assert (await call(by_server, {"timezone": "UTC"})).status_code == 200
    async with bridge.as_role("by-tool") as by_tool:
        assert (await call(by_tool, {"timezone": "UTC"})).status_code == 200
        # It sees only the tool it may call.
        assert [t["name"] for t in (await by_tool.get("/api/mcp/tools")).json()] == [TOOL]
    async with bridge.as_role("other") as other:
        refused = await call(other, {"timezone": "UTC", "api_key": "sk-live-123456789012345678"})
        assert refused.status_code == 403
    async with bridge.as_role("viewer") as viewer:  # no mcp-tool grant at all
        assert (await call(viewer, {"timezone": "UTC"})).status_code == 403
    async with bridge.client() as anonymous:
        assert (await call(anonymous, {"timezone": "UTC"})).status_code == 401
        assert (await anonymous.get("/api/mcp/servers")).status_code == 401
    records = await audit_records(bridge, "mcp.tool.call", count=3)
    outcomes = sorted(r["result"] for r in records)
    assert outcomes == ["denied", "success", "success"]
    denied = next(r for r in records if r["result"] == "denied")
    assert denied["resource_id"] == TOOL
    assert "sk-live-123456789012345678" not in str(denied)


async def test_after_kill_9_calls_succeed_again_within_5_seconds(bridge: Server) -> None:
    async with bridge.admin() as admin:
        [server] = (await admin.get("/api/mcp/servers")).json()
        os.kill(server["replicas"][0]["pid"], signal.SIGKILL)
        killed = time.monotonic()
        while True:
            response = await call(admin, {"timezone": "UTC"})
            if response.status_code == 200:
                break
            assert response.status_code in (502, 503), response.text
            assert time.monotonic() - killed < 5, "no recovery within 5 s"
            await asyncio.sleep(0.05)
        [server] = (await admin.get("/api/mcp/servers")).json()
    assert server["restarts"] >= 1
    assert time.monotonic() - killed < 5


async def test_restarts_are_audited_and_state_changes_reach_the_bus(bridge: Server) -> None:
    async with bridge.admin() as admin:
        restarted = await admin.post("/api/mcp/servers/time/restart")
        assert restarted.status_code == 200, restarted.text
        for _ in range(200):
            recent = (
                await admin.get("/api/events/recent", params={"topics": "mcp", "limit": 50})
            ).json()
            states = [e["data"]["state"] for e in recent if e["type"] == "server.state"]
            if len(states) >= 3 and states[-1] == "healthy":
                break
            await asyncio.sleep(0.05)
        records = (await admin.get("/api/audit", params={"action": "mcp.server.restart"})).json()
        missing = await admin.post("/api/mcp/servers/nope/restart")
    # It came up at start, went down for the restart, and came back.
    assert states[0] == "healthy" or "starting" in states
    assert any(state != "healthy" for state in states)
    assert states[-1] == "healthy"
    assert records["records"][0]["resource_id"] == "time"
    assert missing.status_code == 404


def clock_config(**extra: Any) -> dict[str, Any]:
    server = time_server(env={"CLOCK_TOKEN": "tok-very-secret-123"}, **extra)
    return server.model_dump(mode="json")


async def test_servers_added_through_the_api_run_persist_and_are_audited(
    bridge: Server, server_settings: Settings
) -> None:
    async with bridge.admin() as admin:
        added = await admin.post(
            "/api/mcp/servers", json={"name": "clock", "config": clock_config()}
        )
        assert added.status_code == 201, added.text
        clock = await wait_healthy(admin, "clock")
        assert (clock["state"], clock["from_config"]) == ("healthy", False)
        assert (await admin.get("/api/mcp/servers/time")).json()["from_config"] is True
        called = await admin.post(
            "/api/mcp/tools/clock__get_current_time/call", json={"arguments": {"timezone": "UTC"}}
        )
        assert called.status_code == 200, called.text
        changed = await admin.put(
            "/api/mcp/servers/clock", json={"config": clock_config(replicas=2)}
        )
        assert changed.status_code == 200, changed.text
        assert len((await wait_healthy(admin, "clock"))["replicas"]) == 2
        duplicate = await admin.post(
            "/api/mcp/servers", json={"name": "clock", "config": clock_config()}
        )
        assert duplicate.status_code == 409
        elsewhere = clock_config()
        elsewhere["command"] = "/bin/sh"  # not in mcp.api_commands
        refused = await admin.post("/api/mcp/servers", json={"name": "sh", "config": elsewhere})
        assert refused.status_code == 403
        assert "mcp.api_commands" in refused.json()["error"]["message"]
        from_file = await admin.put("/api/mcp/servers/time", json={"config": clock_config()})
        assert from_file.status_code == 409
        assert (await admin.delete("/api/mcp/servers/time")).status_code == 409
        records = (await admin.get("/api/audit", params={"action": "mcp.server.*"})).json()
    actions = [r["action"] for r in records["records"]]
    assert actions[:2] == ["mcp.server.update", "mcp.server.add"]
    assert "tok-very-secret-123" not in str(records)
    async with bridge.as_role("operator") as operator:  # reads and restarts, never adds
        refused = await operator.post(
            "/api/mcp/servers", json={"name": "evil", "config": clock_config()}
        )
        assert refused.status_code == 403


async def test_stored_servers_come_back_after_a_restart_sealed_at_rest(
    server_settings: Settings,
) -> None:
    config = FileConfig(mcp=FAST.model_copy(update={"api_commands": (sys.executable,)}))
    async with serving(server_settings, config) as first, first.admin() as admin:
        added = await admin.post(
            "/api/mcp/servers", json={"name": "clock", "config": clock_config()}
        )
        assert added.status_code == 201, added.text
    database = b"".join(f.read_bytes() for f in server_settings.data_dir.glob("swarmdeck.db*"))
    assert b"tok-very-secret-123" not in database
    assert b"mcp_server_time" not in database  # the whole config is sealed
    async with serving(server_settings, config) as second, second.admin() as admin:
        assert (await wait_healthy(admin, "clock"))["state"] == "healthy"
        assert (await admin.delete("/api/mcp/servers/clock")).status_code == 204
        assert (await admin.get("/api/mcp/servers/clock")).status_code == 404
    async with serving(server_settings, config) as third, third.admin() as admin:
        assert (await admin.get("/api/mcp/servers")).json() == []


async def test_tools_can_be_called_over_the_websocket(bridge: Server) -> None:
    from websockets.asyncio.client import connect

    from tests.api.test_ws import reply_to, ws_url

    async with connect(
        ws_url(bridge), additional_headers={"authorization": f"Bearer {bridge.token}"}
    ) as ws:
        await ws.send(json.dumps({"id": "s", "type": "command", "command": "mcp.servers"}))
        [server] = (await reply_to(ws, "s"))["result"]
        assert server["name"] == "time"
        call = {"tool": TOOL, "arguments": {"timezone": "Asia/Tokyo"}}
        await ws.send(
            json.dumps({"id": "c", "type": "command", "command": "mcp.call", "args": call})
        )
        result = (await reply_to(ws, "c"))["result"]
        assert "Asia/Tokyo" in result["content"][0]["text"]
        await ws.send(
            json.dumps({"id": "b", "type": "command", "command": "mcp.call", "args": {"tool": 1}})
        )
        assert (await reply_to(ws, "b"))["error"]["type"] == "invalid_input"


async def test_websocket_calls_are_checked_per_tool_and_anonymous_sockets_refused(
    bridge: Server,
) -> None:
    import websockets
    from websockets.asyncio.client import connect

    from tests.api.test_mcp_http import make_key
    from tests.api.test_ws import reply_to, ws_url

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with connect(ws_url(bridge)):
            pass
    assert refused.value.response.status_code == 403
    viewer = await make_key(bridge, "viewer")
    converter = await make_key(
        bridge, "converter", ["dashboard:read", "mcp-tool:execute:time__convert_time"]
    )
    call = {"tool": TOOL, "arguments": {"timezone": "UTC"}}
    for key in (viewer, converter):
        async with connect(
            ws_url(bridge), additional_headers={"authorization": f"Bearer {key}"}
        ) as ws:
            await ws.send(
                json.dumps({"id": "c", "type": "command", "command": "mcp.call", "args": call})
            )
            assert (await reply_to(ws, "c"))["error"]["type"] == "permission_denied"
    convert = {
        "tool": "time__convert_time",
        "arguments": {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"},
    }
    async with connect(
        ws_url(bridge), additional_headers={"authorization": f"Bearer {converter}"}
    ) as ws:
        await ws.send(
            json.dumps({"id": "k", "type": "command", "command": "mcp.call", "args": convert})
        )
        assert "Asia/Tokyo" in (await reply_to(ws, "k"))["result"]["content"][0]["text"]
