"""`swarmdeck mcp stdio` as Claude Desktop runs it: a subprocess driven by the official
`mcp` stdio client, relaying to a real SwarmDeck with `mcp-server-time` behind it."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import Server, free_port, serving_healthy
from tests.mcp.conftest import FAST, time_server
from tests.test_cli import SWARMDECK, run

TOOL = "time__get_current_time"


@pytest.fixture
async def bridge(tmp_path: Path) -> AsyncIterator[Server]:
    settings = Settings(
        data_dir=tmp_path / "data",
        host="127.0.0.1",
        port=free_port(),
        admin_token=SecretStr("sdt-test-" + secrets.token_urlsafe(16)),
        temporal_enabled=False,  # no swarm runs here: no dev server to start and stop
    )
    config = FileConfig(mcp=FAST, mcp_servers={"time": time_server()})
    async with serving_healthy(settings, config) as running:
        yield running


def relay(bridge: Server, key: str, mode: str = "auto", **options: Any) -> Client:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    return Client(
        StdioServerParameters(
            command=SWARMDECK,
            args=["mcp", "stdio", "--url", bridge.url],
            env={**base, "SWARMDECK_API_KEY": key},
        ),
        mode=mode,
        **options,
    )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_stdio_relay_lists_and_calls_the_bridges_tools(bridge: Server, mode: str) -> None:
    async with relay(bridge, bridge.token, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {TOOL, "time__convert_time"} <= set(tools)
        assert "timezone" in tools[TOOL].input_schema["properties"]
        result = await client.call_tool(TOOL, {"timezone": "Asia/Tokyo"})
        assert result.is_error is False
        assert isinstance(result.content[0], types.TextContent)
        assert "Asia/Tokyo" in result.content[0].text
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("time__nope", {})
        assert unknown.value.code == types.INVALID_PARAMS


async def test_tool_list_changes_reach_the_stdio_client(bridge: Server) -> None:
    changed = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with relay(bridge, bridge.token, "legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.tools.list_changed is True
        await client.list_tools()
        async with bridge.admin() as admin:
            assert (await admin.post("/api/mcp/servers/time/restart")).status_code == 200
        with anyio.fail_after(10):
            await changed.wait()


def test_without_an_api_key_it_exits_2_and_says_why() -> None:
    result = run("mcp", "stdio", "--url", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert "SWARMDECK_API_KEY" in result.stderr
    assert result.stdout == ""  # stdout is the protocol


async def test_a_refused_key_is_reported_on_stderr(bridge: Server) -> None:
    process = await asyncio.create_subprocess_exec(
        SWARMDECK,
        "mcp",
        "stdio",
        "--url",
        bridge.url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")},
            "SWARMDECK_API_KEY": "sdk-not-a-key",
            "COLUMNS": "200",
        },
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(b""), 30)
    assert process.returncode == 1
    assert stdout == b""
    assert b"refused the API key (401)" in stderr
