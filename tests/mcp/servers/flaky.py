"""A small MCP server for the bridge's tests: it crashes, hangs, spawns children on demand.

python -m tests.mcp.servers.flaky [--http PORT]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("flaky")


@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def log(text: str) -> str:
    """Write a line to stderr, as servers' logs do."""
    sys.stderr.write(f"{text}\n")
    sys.stderr.flush()
    return text


@server.tool()
def whoami() -> int:
    """This replica's process id."""
    return os.getpid()


@server.tool()
async def slow(seconds: float) -> int:
    """Sleep, then return this replica's process id."""
    await anyio.sleep(seconds)
    return os.getpid()


@server.tool()
async def hang() -> str:
    """Never answer."""
    await anyio.sleep_forever()
    return "unreachable"


@server.tool()
async def wait_for_cancel(marker: str) -> str:
    """Wait until the client cancels the call, then write `marker` (a file path)."""
    try:
        await anyio.sleep_forever()
    finally:
        with open(marker, "w") as out:
            out.write("cancelled")
    return "unreachable"


@server.tool()
async def progress(steps: int, ctx: Context) -> int:
    """Report `steps` progress notifications, then return the count."""
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step}")
    return steps


@server.tool()
def crash(code: int = 3) -> str:
    """Exit the process at once, mid-call."""
    sys.stderr.write(f"crashing on purpose with code {code}\n")
    sys.stderr.flush()
    os._exit(code)


@server.tool()
def spawn_grandchild() -> int:
    """Start a long sleep in this server's process group; return its pid."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return child.pid


@server.tool()
def headers(ctx: Context) -> dict[str, Any]:
    """The HTTP request headers this call arrived with (streamable HTTP only)."""
    request = ctx.request_context.request
    return dict(getattr(request, "headers", {}) or {})


@server.tool()
async def add_tool(name: str, ctx: Context) -> str:
    """Register a new echo-like tool and tell the client its tool list changed."""

    def extra(text: str) -> str:
        return f"{name}:{text}"

    server.add_tool(extra, name=name, description=f"added at {time.time()}")
    await ctx.request_context.session.send_tool_list_changed()
    return name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=None, help="serve streamable HTTP on this port")
    parser.add_argument("--hang-on-start", action="store_true", help="never answer initialize")
    args = parser.parse_args()
    if args.hang_on_start:
        time.sleep(3600)
    if args.http is None:
        server.run()
    else:
        server.run("streamable-http", host="127.0.0.1", port=args.http)


if __name__ == "__main__":
    main()
