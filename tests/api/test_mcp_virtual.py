"""Virtual servers (`/mcp/{name}`: a named subset of the tools) and `tools/list` pagination
across servers, with `mcp-server-time` and our flaky server behind a real SwarmDeck and the
official `mcp` client in front."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import mcp.types as types
import pytest
from mcp.shared.exceptions import MCPError

from swarmdeck.config import FileConfig, Settings
from swarmdeck.mcp import McpConfig, VirtualServerConfig
from tests.api.conftest import Server, serving_healthy
from tests.api.test_mcp_http import ACCEPT, connect, make_key, open_session
from tests.mcp.conftest import FAST, flaky_server, time_server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

CLOCK = "time__get_current_time"
VIRTUAL = {
    # one tool by name, and a pattern that matches one more of another server
    "clock": VirtualServerConfig(description="Just the time", tools=(CLOCK, "flaky__ec*")),
    "flaky-only": VirtualServerConfig(servers=("flaky",)),
}


@pytest.fixture
async def bridge(server_settings: Settings) -> AsyncIterator[Server]:
    settings = McpConfig.model_validate(
        FAST.model_dump() | {"virtual_servers": VIRTUAL, "list_page_size": 3}
    )
    config = FileConfig(mcp=settings, mcp_servers={"time": time_server(), "flaky": flaky_server()})
    async with serving_healthy(server_settings, config) as running:
        yield running


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_virtual_server_serves_only_its_tools(bridge: Server, mode: str) -> None:
    async with connect(bridge, bridge.token, mode, path="/mcp/clock") as client:
        assert sorted(t.name for t in (await client.list_tools()).tools) == [
            "flaky__echo",
            CLOCK,
        ]
        result = await client.call_tool(CLOCK, {"timezone": "UTC"})
        assert result.is_error is False
        with pytest.raises(MCPError) as outside:
            await client.call_tool("time__convert_time", {})
        assert outside.value.error.data["type"] == "not_found"
    async with connect(bridge, bridge.token, mode, path="/mcp/flaky-only") as client:
        names = [t.name for t in await all_tools(client)]
        assert names and all(name.startswith("flaky__") for name in names)


async def test_an_unknown_virtual_server_is_404_but_only_after_authentication(
    bridge: Server,
) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"accept": ACCEPT}
    async with bridge.client() as anonymous:
        refused = await anonymous.post("/mcp/nowhere", json=request, headers=headers)
    assert refused.status_code == 401
    async with bridge.admin() as admin:
        missing = await admin.post("/mcp/nowhere", json=request, headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found"


async def test_a_session_opened_on_one_endpoint_is_unknown_on_another(bridge: Server) -> None:
    headers = {"accept": ACCEPT, "authorization": f"Bearer {bridge.token}"}
    async with httpx.AsyncClient(base_url=bridge.url, timeout=10) as http:
        session = {"mcp-session-id": await open_session(http, "/mcp/clock", bridge.token)}
        listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        # The whole bridge is not reachable through a session opened for a subset of it.
        widened = await http.post("/mcp", headers=headers | session, json=listing)
        assert widened.status_code == 404
        other = await http.post("/mcp/flaky-only", headers=headers | session, json=listing)
        assert other.status_code == 404


async def test_grants_still_apply_inside_a_virtual_server(bridge: Server) -> None:
    key = await make_key(bridge, "clock-only", [f"mcp-tool:execute:{CLOCK}"])
    async with connect(bridge, key, path="/mcp/clock") as client:
        assert [t.name for t in (await client.list_tools()).tools] == [CLOCK]
        with pytest.raises(MCPError) as refused:
            await client.call_tool("flaky__echo", {"text": "hi"})
        assert refused.value.error.data["type"] == "permission_denied"


async def test_rest_lists_virtual_servers_and_filters_tools_by_one(bridge: Server) -> None:
    async with bridge.admin() as admin:
        listed = await admin.get("/api/mcp/virtual-servers")
        assert listed.status_code == 200, listed.text
        clock = next(v for v in listed.json() if v["name"] == "clock")
        assert clock["path"] == "/mcp/clock"
        assert clock["description"] == "Just the time"
        assert clock["patterns"] == [CLOCK, "flaky__ec*"]
        assert [t["name"] for t in clock["tools"]] == ["flaky__echo", CLOCK]
        tools = await admin.get("/api/mcp/tools", params={"virtual": "clock"})
        assert [t["name"] for t in tools.json()] == ["flaky__echo", CLOCK]
        unknown = await admin.get("/api/mcp/tools", params={"virtual": "nowhere"})
        assert unknown.status_code == 404
    async with bridge.client() as anonymous:
        assert (await anonymous.get("/api/mcp/virtual-servers")).status_code == 401


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_list_pages_across_servers_with_cursors(bridge: Server, mode: str) -> None:
    async with bridge.admin() as admin:
        everything = [t["name"] for t in (await admin.get("/api/mcp/tools")).json()]
    assert len(everything) > 3, "the page size must be smaller than the list for this test"
    async with connect(bridge, bridge.token, mode) as client:
        first = await client.list_tools()
        assert len(first.tools) == 3
        assert first.next_cursor is not None
        paged = [t.name for t in await all_tools(client)]
        with pytest.raises(MCPError) as bad:
            await client.list_tools(cursor="not-a-cursor")
        assert bad.value.code == types.INVALID_PARAMS
    # Every tool once, in order, even though the pages cross from one server to the next.
    assert paged == everything


async def all_tools(client: object) -> list[types.Tool]:
    """Every page of a tool listing, following the cursors."""
    tools: list[types.Tool] = []
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)  # type: ignore[attr-defined]
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tools


async def test_virtual_servers_made_through_the_api_serve_persist_and_are_audited(
    bridge: Server, server_settings: Settings
) -> None:
    async with bridge.admin() as admin:
        made = await admin.post(
            "/api/mcp/virtual-servers",
            json={"name": "converter", "description": "Time zones", "tools": ["time__convert*"]},
        )
        assert made.status_code == 201, made.text
        assert made.json()["from_config"] is False
        assert [t["name"] for t in made.json()["tools"]] == ["time__convert_time"]
        assert (
            await admin.post(
                "/api/mcp/virtual-servers", json={"name": "converter", "servers": ["time"]}
            )
        ).status_code == 409
        # Config-file ones are read-only here; an empty selection is refused.
        assert (await admin.delete("/api/mcp/virtual-servers/clock")).status_code == 409
        empty = await admin.post("/api/mcp/virtual-servers", json={"name": "nothing"})
        assert empty.status_code == 422
    async with connect(bridge, bridge.token, path="/mcp/converter") as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["time__convert_time"]
    async with bridge.admin() as admin:
        changed = await admin.put("/api/mcp/virtual-servers/converter", json={"servers": ["flaky"]})
        assert changed.status_code == 200, changed.text
    async with connect(bridge, bridge.token, path="/mcp/converter") as client:
        names = [t.name for t in await all_tools(client)]
        assert names and all(name.startswith("flaky__") for name in names)
    async with bridge.admin() as admin:
        audit = (await admin.get("/api/audit", params={"resource_type": "mcp-server"})).json()
        actions = [(r["action"], r["resource_id"]) for r in audit["records"]]
        assert ("mcp.virtual.add", "virtual:converter") in actions
        assert ("mcp.virtual.update", "virtual:converter") in actions


async def test_a_virtual_server_made_through_the_api_outlives_a_restart_until_removed(
    server_settings: Settings,
) -> None:
    config = FileConfig(mcp=FAST, mcp_servers={"time": time_server()})
    async with serving_healthy(server_settings, config) as first, first.admin() as admin:
        made = await admin.post(
            "/api/mcp/virtual-servers", json={"name": "kept", "servers": ["time"]}
        )
        assert made.status_code == 201, made.text
    async with serving_healthy(server_settings, config) as second:
        async with second.admin() as admin:
            listed = (await admin.get("/api/mcp/virtual-servers")).json()
            assert [(v["name"], len(v["tools"])) for v in listed] == [("kept", 2)]
            assert (await admin.delete("/api/mcp/virtual-servers/kept")).status_code == 204
        async with second.client() as client:
            gone = await client.post(
                "/mcp/kept",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"accept": ACCEPT, "authorization": f"Bearer {second.token}"},
            )
        assert gone.status_code == 404
