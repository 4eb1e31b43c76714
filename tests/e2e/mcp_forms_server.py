"""An MCP server whose one tool takes every kind of argument the playground's form renders:
a required string, an enum, a bounded integer, an optional number, a boolean, a list and a
nested object. It answers with the arguments it received, so a test sees what was sent.

python tests/e2e/mcp_forms_server.py
"""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

server = MCPServer("forms")


class Match(BaseModel):
    field: str
    value: str


@server.tool()
def search(
    query: str = Field(description="What to look for"),
    kind: Literal["issue", "pull", "commit"] = "issue",
    limit: int = Field(10, ge=1, le=100, description="Results to return"),
    score: float | None = None,
    include_closed: bool = False,
    labels: list[str] | None = None,
    match: Match | None = None,
) -> dict[str, Any]:
    """Search a repository's issues, pull requests or commits."""
    return {
        "query": query,
        "kind": kind,
        "limit": limit,
        "score": score,
        "include_closed": include_closed,
        "labels": labels,
        "match": match.model_dump() if match else None,
    }


if __name__ == "__main__":
    server.run()
