"""The ways the MCP bench reaches `mcp-server-time`: direct over stdio, through SwarmDeck
(`/mcp` and REST), through the `mcp-proxy` package; and one client connection to each.

Every server runs in its own process on loopback and is stopped when its block ends.
`mcp-proxy` is installed from PyPI into a venv of its own under the user's cache
directory, kept between runs; it is never a dependency of SwarmDeck.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx
import httpx2
from mcp.client.client import Client
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from bench._gateway_targets import (
    HOST,
    _spawn,
    _stop_group,
    _stop_noting_death,
    _tree,
    _wait_http,
    swarmdeck,
)
from bench._report import console
from bench._server import _free_port

SERVER_NAME = "time"
MODERN_PROTOCOL = "2026-07-28"
TOOL = "get_current_time"
ARGUMENTS = {"timezone": "UTC"}
SERVER_COMMAND = [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]
CALL_TIMEOUT = 10.0
READY_TIMEOUT = 60.0
MCP_PROXY_SPEC = "mcp-proxy"
MCP_PROXY_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "swarmdeck-bench/mcp-proxy-venv"
)

Door = Literal["stdio", "mcp", "mcp-2026", "rest"]
"""`mcp`: the SDK's `ClientSession`, which speaks the 2025-11-25 session protocol; `mcp-2026`:
its `Client`, which negotiates 2026-07-28 (one exchange per call, no session) when offered."""
Call = Callable[[], Awaitable[None]]


class CallFailed(RuntimeError):
    """A tool call came back as an error (HTTP status, `isError`)."""


@dataclass(frozen=True)
class Target:
    """One way to call the tool: over stdio, streamable HTTP (`url`) or SwarmDeck's REST door."""

    name: str
    door: Door
    tool: str
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    pids: Callable[[], list[int]] = lambda: []
    admin_url: str | None = None  # SwarmDeck's own API, for the replica's pid

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server processes behind the target; None off Linux."""
        total = 0
        try:
            for pid in self.pids():
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return None
        return total / os.sysconf("SC_CLK_TCK")


def _direct_servers() -> list[int]:
    # The stdio servers the bench's own client sessions started: its children running the server.
    pids = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{os.getpid()}/task").iterdir():
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    if b"mcp_server_time" in Path(f"/proc/{child}/cmdline").read_bytes():
                        pids.append(int(child))
    return pids


DIRECT = Target(name="direct", door="stdio", tool=TOOL, pids=_direct_servers)


def _result_error(result: Any) -> str | None:
    if getattr(result, "is_error", False):
        return f"tool error: {str(getattr(result, 'content', ''))[:200]}"
    return None


@contextlib.asynccontextmanager
async def connect(target: Target) -> AsyncIterator[Call]:
    """One client of `target`, its own MCP session (or HTTP connection for REST), initialised;
    yields a function that makes one tools/call and raises when it fails."""
    headers = dict(target.headers)
    timeout = httpx2.Timeout(CALL_TIMEOUT, read=300.0)
    if target.door == "rest":
        async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:

            async def rest_call() -> None:
                response = await http.post(target.url, json={"arguments": ARGUMENTS})
                if response.status_code != 200:
                    raise CallFailed(f"HTTP {response.status_code}: {response.text[:200]}")
                if response.json().get("isError"):
                    raise CallFailed(f"tool error: {response.text[:200]}")

            yield rest_call
        return
    async with contextlib.AsyncExitStack() as stack:
        if target.door == "mcp-2026":
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=headers, timeout=timeout)
            )
            client = await stack.enter_async_context(
                Client(streamable_http_client(target.url, http_client=http), mode="auto")
            )
            if client.protocol_version != MODERN_PROTOCOL:
                raise CallFailed(f"negotiated {client.protocol_version}, not {MODERN_PROTOCOL}")

            async def client_call() -> None:
                with anyio.fail_after(CALL_TIMEOUT):
                    result = await client.call_tool(target.tool, ARGUMENTS)
                if (error := _result_error(result)) is not None:
                    raise CallFailed(error)

            yield client_call
            return
        if target.door == "stdio":
            server = StdioServerParameters(command=SERVER_COMMAND[0], args=SERVER_COMMAND[1:])
            read, write = await stack.enter_async_context(stdio_client(server))
        else:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=headers, timeout=timeout)
            )
            read, write = await stack.enter_async_context(
                streamable_http_client(target.url, http_client=http)
            )
        # No per-request limit on the session: 32 stdio servers starting at once on two cores
        # take longer than a call may to initialise; the caller bounds the connect.
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()

        async def mcp_call() -> None:
            with anyio.fail_after(CALL_TIMEOUT):
                result = await session.call_tool(target.tool, ARGUMENTS)
            if (error := _result_error(result)) is not None:
                raise CallFailed(error)

        yield mcp_call


def _servers(admin_url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = httpx.get(f"{admin_url}/api/mcp/servers", headers=headers, timeout=5)
    response.raise_for_status()
    servers: list[dict[str, Any]] = response.json()
    return servers


def time_server(admin_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """SwarmDeck's view of the `time` server (`GET /api/mcp/servers`): state, replicas, pids."""
    for server in _servers(admin_url, headers):
        if server["name"] == SERVER_NAME:
            return server
    raise LookupError(f"SwarmDeck lists no MCP server {SERVER_NAME!r}")


def wait_healthy(admin_url: str, headers: dict[str, str], *, up_for: float = 0.0) -> int:
    """Wait until the `time` server's first replica is healthy (for `up_for` s); its pid."""
    deadline = time.monotonic() + READY_TIMEOUT
    server: dict[str, Any] = {}
    while time.monotonic() < deadline:
        server = time_server(admin_url, headers)
        replica = server["replicas"][0]
        if (
            replica["state"] == "healthy"
            and replica["pid"] is not None
            and (replica["uptime_seconds"] or 0.0) >= up_for
        ):
            return int(replica["pid"])
        time.sleep(0.1)
    raise TimeoutError(
        f"MCP server {SERVER_NAME!r} not healthy after {READY_TIMEOUT:.0f} s: {server}"
    )


def mcp_door_missing(url: str, headers: dict[str, str]) -> str | None:
    """Why SwarmDeck's `/mcp` cannot be measured (it answers 404: not built yet), or None."""
    response = httpx.post(
        url,
        headers={**headers, "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 0, "method": "ping"},
        timeout=5,
    )
    if response.status_code == 404:
        return f"POST {url} answers 404: SwarmDeck has no /mcp door in this tree yet"
    return None


@contextlib.contextmanager
def swarmdeck_targets() -> Iterator[tuple[Target, ...]]:
    """`swarmdeck serve` with only the `time` server configured: `/mcp` under both protocol
    eras, and the REST door."""
    command, *args = SERVER_COMMAND
    config = {"mcp_servers": {SERVER_NAME: {"command": command, "args": args}}}
    with swarmdeck(config) as served:
        assert served.admin_url is not None
        headers = {"Authorization": served.headers["Authorization"]}
        wait_healthy(served.admin_url, headers)
        pid = served.pids[0]
        common: dict[str, Any] = {
            "headers": tuple(headers.items()),
            "pids": lambda: _tree(pid),  # the server and its replica
            "admin_url": served.admin_url,
        }
        yield (
            Target(
                name="swarmdeck /mcp",
                door="mcp",
                tool=f"{SERVER_NAME}__{TOOL}",
                url=f"{served.admin_url}/mcp",
                **common,
            ),
            Target(
                name="swarmdeck /mcp 2026",
                door="mcp-2026",
                tool=f"{SERVER_NAME}__{TOOL}",
                url=f"{served.admin_url}/mcp",
                **common,
            ),
            Target(
                name="swarmdeck REST",
                door="rest",
                tool=f"{SERVER_NAME}__{TOOL}",
                url=f"{served.admin_url}/api/mcp/tools/{SERVER_NAME}__{TOOL}/call",
                **common,
            ),
        )


def ensure_mcp_proxy() -> Path:
    """The `mcp-proxy` executable in the bench's own venv, installing it from PyPI the first time."""
    executable = MCP_PROXY_VENV / "bin" / "mcp-proxy"
    if executable.exists():
        return executable
    console.print(f"mcp: installing {MCP_PROXY_SPEC} into {MCP_PROXY_VENV} (once)…")
    MCP_PROXY_VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(MCP_PROXY_VENV)], check=True)
    pip = [str(MCP_PROXY_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, MCP_PROXY_SPEC], check=True, timeout=1200)
    return executable


def venv_version(package: str) -> str | None:
    """A package's version in the mcp-proxy venv, read from its metadata."""
    found = sorted(MCP_PROXY_VENV.glob(f"lib/python*/site-packages/{package}-*.dist-info"))
    return found[-1].name.removeprefix(f"{package}-").removesuffix(".dist-info") if found else None


@contextlib.contextmanager
def mcp_proxy() -> Iterator[tuple[Target, ...]]:
    """`mcp-proxy` serving the same stdio server over streamable HTTP, its defaults otherwise."""
    executable = ensure_mcp_proxy()
    port = _free_port()
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="mcp-proxy-bench-") as tmp:
        log = Path(tmp) / "mcp-proxy.log"
        command = [
            str(executable), "--host", HOST, "--port", str(port), "--log-level", "WARNING",
            "--", *SERVER_COMMAND,
        ]  # fmt: skip
        process = _spawn(command, dict(os.environ), log)
        try:
            _wait_http(process, f"{url}/status", log, {200})
            common: dict[str, Any] = {
                "tool": TOOL,
                "url": f"{url}/mcp/",  # a Starlette mount: /mcp would redirect
                "pids": lambda: _tree(process.pid),
            }
            yield (
                Target(name="mcp-proxy", door="mcp", **common),
                Target(name="mcp-proxy 2026", door="mcp-2026", **common),
            )
        finally:
            if process.poll() is not None:
                _stop_noting_death(process, "mcp-proxy", log)
            _stop_group(process)
