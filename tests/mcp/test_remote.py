"""Remote servers over streamable HTTP, through the SDK's client, with configured headers."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from swarmdeck.mcp import HttpServerConfig
from tests.mcp.conftest import FLAKY, RegistryFactory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(FLAKY), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the HTTP test server did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def remote() -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    port = _free_port()
    processes = [_start(port)]
    yield port, processes
    for process in processes:
        if process.poll() is None:
            _stop(process)


async def test_remote_tools_are_listed_and_called_with_the_configured_headers(
    bridge: RegistryFactory, remote: tuple[int, list[subprocess.Popen[bytes]]]
) -> None:
    port, _ = remote
    config = HttpServerConfig(
        url=f"http://127.0.0.1:{port}/mcp", headers={"X-Upstream-Key": "from-config"}
    )
    async with bridge({"far": config}) as registry:
        assert "far__echo" in {tool.name for tool in registry.tools()}
        [status] = registry.servers()
        assert (status.kind, status.state, status.replicas[0].pid) == ("http", "healthy", None)
        echoed = await registry.call_tool("far__echo", {"text": "hi"})
        assert echoed.structured_content == {"result": "hi"}
        seen = await registry.call_tool("far__headers", {})
        assert seen.structured_content is not None
        headers = {k.lower(): v for k, v in seen.structured_content.items()}
        assert headers["x-upstream-key"] == "from-config"
        assert "authorization" not in headers


async def test_remote_server_that_goes_away_is_reconnected(
    bridge: RegistryFactory, remote: tuple[int, list[subprocess.Popen[bytes]]]
) -> None:
    port, processes = remote
    config = HttpServerConfig(url=f"http://127.0.0.1:{port}/mcp")
    async with bridge({"far": config}) as registry:
        _stop(processes[0])
        deadline = time.monotonic() + 10
        while registry.server("far").state in ("healthy", "degraded"):
            assert time.monotonic() < deadline, registry.server("far")
            await asyncio.sleep(0.05)
        assert registry.tools() == []
        processes.append(_start(port))
        assert await registry.wait_ready(15), registry.server("far")
        result = await registry.call_tool("far__echo", {"text": "again"})
        assert result.structured_content == {"result": "again"}
        assert registry.server("far").restarts >= 1
