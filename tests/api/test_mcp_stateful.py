"""A stateful server behind a real SwarmDeck: each credential (REST) and each `/mcp` session
has its own upstream session, and ending the `/mcp` session ends the upstream one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import Server, serving_healthy
from tests.api.test_mcp_http import ACCEPT, make_key, open_session
from tests.mcp.conftest import FAST, process_gone
from tests.mcp.test_sessions import INCREMENT, counter_server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)


@pytest.fixture
async def bridge(server_settings: Settings) -> AsyncIterator[Server]:
    config = FileConfig(mcp=FAST, mcp_servers={"counter": counter_server(stateful=True)})
    async with serving_healthy(server_settings, config) as running:
        yield running


async def rest_increment(bridge: Server, token: str) -> dict[str, Any]:
    async with bridge.client(token=token) as client:
        response = await client.post(f"/api/mcp/tools/{INCREMENT}/call", json={"arguments": {}})
    assert response.status_code == 200, response.text
    counted: dict[str, Any] = response.json()["structuredContent"]
    return counted


async def test_each_credential_keeps_its_own_state_over_rest(bridge: Server) -> None:
    other = await make_key(bridge, "counting", ["mcp-tool:execute"])
    first = [await rest_increment(bridge, bridge.token) for _ in range(3)]
    second = await rest_increment(bridge, other)
    assert [c["count"] for c in first] == [1, 2, 3]
    assert second["count"] == 1
    assert second["pid"] != first[0]["pid"]
    async with bridge.admin() as admin:
        status = (await admin.get("/api/mcp/servers/counter")).json()
    assert status["stateful"] is True
    assert (status["sessions"], status["max_sessions"]) == (2, 20)


async def test_an_mcp_session_is_its_own_client_and_ending_it_ends_the_upstream(
    bridge: Server,
) -> None:
    headers = {"accept": ACCEPT, "authorization": f"Bearer {bridge.token}"}
    call = {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": INCREMENT}}

    async with httpx.AsyncClient(base_url=bridge.url, timeout=10) as http:

        async def increment(session: str, request_id: int) -> dict[str, Any]:
            answer = await http.post(
                "/mcp",
                headers=headers | {"mcp-session-id": session, "mcp-protocol-version": "2025-11-25"},
                json=call | {"id": request_id},
            )
            assert answer.status_code == 200, answer.text
            data = next(line for line in answer.text.splitlines() if line.startswith("data:"))
            result: dict[str, Any] = json.loads(data.removeprefix("data:"))["result"]
            return dict(result["structuredContent"])

        one = await open_session(http, "/mcp", bridge.token)
        two = await open_session(http, "/mcp", bridge.token)
        assert [(await increment(one, i))["count"] for i in (2, 3)] == [1, 2]
        other = await increment(two, 4)
        assert other["count"] == 1, "the same credential, but another session: fresh state"
        pid = (await increment(one, 5))["pid"]
        ended = await http.delete("/mcp", headers=headers | {"mcp-session-id": one})
        assert ended.status_code == 200, ended.text
    for _ in range(100):
        if process_gone(pid):
            break
        await asyncio.sleep(0.05)
    assert process_gone(pid), "the ended session's upstream process is still running"
