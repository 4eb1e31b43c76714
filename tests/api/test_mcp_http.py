"""`/mcp` with `mcp-server-time` behind it, driven by the official `mcp` client: both protocol
eras, bearer auth (401/403), tools filtered by grants, and `tools/list_changed`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import httpx2
import mcp.types as types
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import Server, serving_healthy
from tests.api.test_mcp_api import audit_records
from tests.mcp.conftest import FAST, flaky_server, time_server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

TOOL = "time__get_current_time"
ACCEPT = "application/json, text/event-stream"


@pytest.fixture
async def bridge(server_settings: Settings) -> AsyncIterator[Server]:
    config = FileConfig(mcp=FAST, mcp_servers={"time": time_server(), "flaky": flaky_server()})
    async with serving_healthy(server_settings, config) as running:
        yield running


@asynccontextmanager
async def connect(
    bridge: Server,
    token: str,
    mode: str = "auto",
    path: str = "/mcp",
    event_hooks: dict[str, list[Any]] | None = None,
    **options: object,
) -> AsyncIterator[Client]:
    """The official client on `/mcp` (or a virtual server's `path`) with a bearer token."""
    async with (
        httpx2.AsyncClient(
            headers={"authorization": f"Bearer {token}"}, timeout=30, event_hooks=event_hooks
        ) as http,
        Client(
            streamable_http_client(f"{bridge.url}{path}", http_client=http),
            mode=mode,
            **options,  # type: ignore[arg-type]
        ) as client,
    ):
        yield client


async def make_key(bridge: Server, role: str, permissions: list[str] | None = None) -> str:
    """An API key of a (new, if `permissions`) role."""
    async with bridge.admin() as admin:
        if permissions is not None:
            created = await admin.post(
                "/api/roles", json={"name": role, "permissions": permissions}
            )
            assert created.status_code == 201, created.text
        user = await admin.post(
            "/api/users",
            json={"name": f"u-{role}", "password": "a-long-enough-password", "role": role},
        )
        assert user.status_code == 201, user.text
        key = await admin.post("/api/keys", json={"user": f"u-{role}", "name": "mcp"})
        assert key.status_code == 201, key.text
        secret: str = key.json()["key"]
        return secret


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_official_client_lists_and_calls_tools(bridge: Server, mode: str) -> None:
    async with connect(bridge, bridge.token, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {TOOL, "time__convert_time"} <= set(tools)
        assert "timezone" in tools[TOOL].input_schema["properties"]
        result = await client.call_tool(TOOL, {"timezone": "Europe/Paris"})
        assert result.is_error is False
        assert isinstance(result.content[0], types.TextContent)
        assert "Europe/Paris" in result.content[0].text
        failed = await client.call_tool(TOOL, {"timezone": "Mars/Olympus_Mons"})
        assert failed.is_error is True
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("time__nope", {})
        assert unknown.value.code == types.INVALID_PARAMS
        assert unknown.value.error.data["type"] == "not_found"
    records = await audit_records(bridge, "mcp.tool.call", count=2)
    assert {r["resource_id"] for r in records} == {TOOL}


async def test_anonymous_and_bad_tokens_get_401_with_a_bearer_challenge(bridge: Server) -> None:
    for client in (bridge.client(), bridge.client(token="sdk-wrong")):
        async with client:
            response = await client.post(
                "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"accept": "application/json, text/event-stream"},
            )
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["type"] == "unauthenticated"
    with pytest.raises(Exception):  # noqa: B017 - the SDK reports it as a generic error
        async with connect(bridge, "sdk-wrong"):
            pass
    async with bridge.admin() as admin:
        denied = (await admin.get("/api/audit", params={"action": "access.denied"})).json()
    assert any(r["resource_id"] == "/mcp" for r in denied["records"])


async def test_a_role_without_any_mcp_tool_grant_gets_403(bridge: Server) -> None:
    key = await make_key(bridge, "viewer")
    async with bridge.client(token=key) as client:
        response = await client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["type"] == "permission_denied"


async def test_tools_are_filtered_and_calls_checked_by_the_callers_grants(bridge: Server) -> None:
    key = await make_key(bridge, "clock", [f"mcp-tool:execute:{TOOL}"])
    async with connect(bridge, key) as client:
        assert [tool.name for tool in (await client.list_tools()).tools] == [TOOL]
        assert (await client.call_tool(TOOL, {"timezone": "UTC"})).is_error is False
        with pytest.raises(MCPError) as refused:
            await client.call_tool("time__convert_time", {})
        assert refused.value.error.data["type"] == "permission_denied"


async def open_session(http: httpx.AsyncClient, path: str, token: str) -> str:
    """A handshake-era session opened by hand (raw HTTP); its id."""
    opened = await http.post(
        path,
        headers={"accept": ACCEPT, "authorization": f"Bearer {token}"},
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
    )
    assert opened.status_code == 200, opened.text
    return opened.headers["mcp-session-id"]


async def test_a_session_belongs_to_the_key_that_opened_it(bridge: Server) -> None:
    other = await make_key(bridge, "other", ["mcp-tool:execute"])
    async with httpx.AsyncClient(base_url=bridge.url, timeout=10) as http:
        session = await open_session(http, "/mcp", bridge.token)
        hijack = await http.post(
            "/mcp",
            headers={
                "accept": ACCEPT,
                "authorization": f"Bearer {other}",
                "mcp-session-id": session,
            },
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        )
    assert hijack.status_code == 404


async def test_open_sessions_hear_that_the_tool_list_changed(bridge: Server) -> None:
    changed = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with connect(bridge, bridge.token, "legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.tools.list_changed is True
        await client.list_tools()
        async with bridge.admin() as admin:
            restarted = await admin.post("/api/mcp/servers/time/restart")
            assert restarted.status_code == 200, restarted.text
        with anyio.fail_after(10):
            await changed.wait()


async def test_2026_clients_hear_it_through_subscriptions_listen(bridge: Server) -> None:
    async with connect(bridge, bridge.token, "auto") as client:
        assert client.protocol_version == "2026-07-28"
        async with client.listen(tools_list_changed=True) as subscription:
            async with bridge.admin() as admin:
                assert (await admin.post("/api/mcp/servers/time/restart")).status_code == 200
            with anyio.fail_after(10):
                async for _event in subscription:
                    break


async def test_progress_from_the_upstream_reaches_the_mcp_client(bridge: Server) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect(bridge, bridge.token) as client:
        result = await client.call_tool(
            "flaky__progress", {"steps": 3}, progress_callback=on_progress
        )
    assert result.is_error is False
    assert [step for step, _, _ in seen] == [1, 2, 3]
    assert seen[-1] == (3, 3, "step 3")


async def test_answers_that_stream_nothing_come_as_plain_json(bridge: Server) -> None:
    """2026-07-28 calls without a progress token skip SSE framing; with one, they stream."""
    kinds: list[str] = []

    async def on_response(response: httpx2.Response) -> None:
        if response.request.method == "POST":
            kinds.append(response.headers["content-type"].split(";")[0])

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        pass

    async with connect(bridge, bridge.token, event_hooks={"response": [on_response]}) as client:
        assert client.protocol_version == "2026-07-28"
        await client.call_tool(TOOL, {"timezone": "UTC"})
        plain = list(kinds)
        kinds.clear()
        await client.call_tool("flaky__progress", {"steps": 1}, progress_callback=on_progress)
    assert plain and set(plain) == {"application/json"}
    assert kinds[-1] == "text/event-stream"
