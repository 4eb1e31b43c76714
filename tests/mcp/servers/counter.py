"""A stateful MCP server for the bridge's tests: a counter per MCP session.

Over stdio a process serves one session, so the count is the process's; over streamable
HTTP one process serves many sessions, each counted apart by its `mcp-session-id`.

python -m tests.mcp.servers.counter [--http PORT]
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("counter")
counts: Counter[str] = Counter()


@server.tool()
def increment(ctx: Context) -> dict[str, int]:
    """Count one more call in this session; return the count so far and this process's id."""
    session = (ctx.headers or {}).get("mcp-session-id", "stdio")
    counts[session] += 1
    return {"count": counts[session], "pid": os.getpid()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=None, help="serve streamable HTTP on this port")
    args = parser.parse_args()
    if args.http is None:
        server.run()
    else:
        server.run("streamable-http", host="127.0.0.1", port=args.http)


if __name__ == "__main__":
    main()
