"""`mcp-server-git` from PyPI behind a real SwarmDeck server, through both doors: the REST
call and `/mcp` with the official client reach the same server and the same repository."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import mcp.types as types
import pytest

from swarmdeck.config import FileConfig, Settings
from tests.api.conftest import Server, serving, wait_healthy
from tests.api.test_mcp_http import connect
from tests.mcp.conftest import FAST, process_gone, wait_until
from tests.mcp.pypi_servers import FIRST_COMMIT, git, git_server, make_repo, process_group

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)


@asynccontextmanager
async def git_behind_swarmdeck(settings: Settings, repo: Path) -> AsyncIterator[tuple[Server, int]]:
    """SwarmDeck with `mcp-server-git` healthy behind it, and that server's pid."""
    config = FileConfig(mcp=FAST, mcp_servers={"git": git_server(repo)})
    async with serving(settings, config) as running:
        async with running.admin() as admin:
            server = await wait_healthy(admin, "git")
        assert server["state"] == "healthy", server
        yield running, server["replicas"][0]["pid"]


async def rest_call(client: httpx.AsyncClient, tool: str, arguments: Any) -> dict[str, Any]:
    """`POST /api/mcp/tools/{tool}/call`; the tool's result, which must have come back."""
    response = await client.post(f"/api/mcp/tools/{tool}/call", json={"arguments": arguments})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def only_text(result: types.CallToolResult) -> str:
    [content] = result.content
    assert isinstance(content, types.TextContent), content
    return content.text


async def test_git_over_rest_and_mcp_works_on_one_real_repository(
    server_settings: Settings, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    where = {"repo_path": str(repo)}
    (repo / "notes.txt").write_text("written by the test\n")
    async with git_behind_swarmdeck(server_settings, repo) as (swarmdeck, pid):
        async with swarmdeck.admin() as admin:
            tools = {t["name"]: t for t in (await admin.get("/api/mcp/tools")).json()}
            assert tools["git__git_log"]["upstream_name"] == "git_log"
            status = await rest_call(admin, "git__git_status", where)
            assert status["isError"] is False
            assert "notes.txt" in status["content"][0]["text"]
            added = await rest_call(admin, "git__git_add", where | {"files": ["notes.txt"]})
            assert added["isError"] is False, added
            committed = await rest_call(admin, "git__git_commit", where | {"message": "Add notes"})
            assert committed["content"][0]["text"].endswith(git(repo, "rev-parse", "HEAD"))
            bad = await rest_call(admin, "git__git_log", {"repo_path": 42})
            assert bad["isError"] is True and "repo_path" in bad["content"][0]["text"]
            unknown = await admin.post("/api/mcp/tools/git__git_push/call", json={"arguments": {}})
            assert unknown.status_code == 404

        # `/mcp` reads back, from the same server, the commit made through REST.
        async with connect(swarmdeck, swarmdeck.token) as client:
            listed = {tool.name for tool in (await client.list_tools()).tools}
            assert {"git__git_log", "git__git_status", "git__git_commit"} <= listed
            log = await client.call_tool("git__git_log", where)
            assert log.is_error is False
            assert "Message: Add notes" in only_text(log)
            assert f"Message: {FIRST_COMMIT}" in only_text(log)
            outside = await client.call_tool("git__git_status", {"repo_path": "/etc"})
            assert outside.is_error is True
            assert "outside the allowed repository" in only_text(outside)

        async with swarmdeck.admin() as admin:
            [server] = (await admin.get("/api/mcp/servers")).json()
        assert (server["state"], server["restarts"]) == ("healthy", 0)
        assert server["replicas"][0]["pid"] == pid

    assert git(repo, "log", "--format=%s") == f"Add notes\n{FIRST_COMMIT}"
    # SwarmDeck has shut down: the server and any git it started are gone.
    assert process_gone(pid)
    assert wait_until(lambda: process_group(pid) == [], 2), process_group(pid)
