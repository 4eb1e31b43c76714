"""An MCP server with side effects to undo, for the saga's tests: each tool appends its name
to the journal file named by `$LEDGER_JOURNAL`, so a test reads what was done, in order.

python tests/swarms/ledger_server.py
"""

from __future__ import annotations

import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("ledger")


def _write(entry: str) -> str:
    with Path(os.environ["LEDGER_JOURNAL"]).open("a") as journal:
        journal.write(entry + "\n")
    return entry


@server.tool()
def book_a() -> str:
    """Book A."""
    return _write("book_a")


@server.tool()
def book_b() -> str:
    """Book B."""
    return _write("book_b")


@server.tool()
def cancel_a() -> str:
    """Cancel the booking of A."""
    return _write("cancel_a")


@server.tool()
def cancel_b() -> str:
    """Cancel the booking of B."""
    return _write("cancel_b")


if __name__ == "__main__":
    server.run()
