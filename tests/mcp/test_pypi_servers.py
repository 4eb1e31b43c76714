"""`mcp-server-git` and `mcp-server-fetch` from PyPI behind the registry: their real tools under
the bridge's names, real effects, their errors passed on, and nothing left running after."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import mcp.types as types
import pytest
from aiohttp import web
from aiohttp.typedefs import Handler

from swarmdeck.core.errors import NotFound
from swarmdeck.mcp import ToolTimeout
from tests.mcp.conftest import RegistryFactory, process_gone, wait_until
from tests.mcp.pypi_servers import (
    FIRST_COMMIT,
    fetch_server,
    git,
    git_server,
    make_repo,
    process_group,
)

GIT_TOOLS = {"git_status", "git_log", "git_add", "git_commit", "git_diff_unstaged", "git_show"}


def text(result: types.CallToolResult) -> str:
    """The result's text, which is all these servers answer with."""
    [content] = result.content
    assert isinstance(content, types.TextContent), content
    return content.text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


async def test_git_tools_are_listed_under_the_servers_name(
    bridge: RegistryFactory, repo: Path
) -> None:
    async with bridge({"git": git_server(repo)}) as registry:
        tools = {tool.name: tool for tool in registry.tools()}
        assert {f"git__{name}" for name in GIT_TOOLS} <= set(tools)
        for name, tool in tools.items():
            assert (tool.server, name) == ("git", f"git__{tool.upstream_name}")
            assert "repo_path" in tool.input_schema["required"]
        assert tools["git__git_log"].as_mcp().annotations.read_only_hint  # type: ignore[union-attr]
        [status] = registry.servers()
        assert (status.state, status.tool_count) == ("healthy", len(tools))


async def test_git_reads_and_writes_the_real_repository(
    bridge: RegistryFactory, repo: Path
) -> None:
    where = {"repo_path": str(repo)}
    async with bridge({"git": git_server(repo)}) as registry:
        log = text(await registry.call_tool("git__git_log", where))
        assert f"Commit: {git(repo, 'rev-parse', 'HEAD')}" in log
        assert f"Message: {FIRST_COMMIT}" in log
        assert "Author: SwarmDeck Tests" in log
        assert "working tree clean" in text(await registry.call_tool("git__git_status", where))

        (repo / "notes.txt").write_text("written by the test\n")
        status = text(await registry.call_tool("git__git_status", where))
        assert "Untracked files" in status and "notes.txt" in status

        added = await registry.call_tool("git__git_add", where | {"files": ["notes.txt"]})
        assert not added.is_error, text(added)
        committed = text(
            await registry.call_tool("git__git_commit", where | {"message": "Add the notes"})
        )
        assert committed.endswith(git(repo, "rev-parse", "HEAD"))
        # The commit is in the repository itself, as git shows it.
        assert git(repo, "log", "--format=%s") == f"Add the notes\n{FIRST_COMMIT}"
        newest = text(await registry.call_tool("git__git_log", where | {"max_count": 1}))
        assert "Message: Add the notes" in newest and FIRST_COMMIT not in newest


async def test_git_errors_come_back_as_results_and_leave_the_server_running(
    bridge: RegistryFactory, repo: Path
) -> None:
    async with bridge({"git": git_server(repo)}) as registry:
        pid = registry.server("git").replicas[0].pid
        # The server validates arguments itself and answers with an error result (not a
        # JSON-RPC -32602), so the bridge passes it on rather than raising InvalidInput.
        missing = await registry.call_tool("git__git_log", {})
        assert missing.is_error
        assert "repo_path" in text(missing) and "Field required" in text(missing)
        wrong_type = await registry.call_tool(
            "git__git_log", {"repo_path": str(repo), "max_count": "ten"}
        )
        assert wrong_type.is_error and "max_count" in text(wrong_type)
        outside = await registry.call_tool("git__git_status", {"repo_path": "/etc"})
        assert outside.is_error and "outside the allowed repository" in text(outside)
        nothing_staged = await registry.call_tool(
            "git__git_commit", {"repo_path": str(repo), "message": "empty"}
        )
        assert nothing_staged.is_error and "No changes staged" in text(nothing_staged)
        # A name the server never listed is refused by the bridge, not sent upstream.
        with pytest.raises(NotFound, match="git__git_push"):
            await registry.call_tool("git__git_push", {"repo_path": str(repo)})

        [status] = registry.servers()
        assert (status.state, status.restarts, status.replicas[0].pid) == ("healthy", 0, pid)
        assert not (await registry.call_tool("git__git_log", {"repo_path": str(repo)})).is_error


async def test_nothing_the_git_server_started_outlives_the_registry(
    bridge: RegistryFactory, repo: Path
) -> None:
    async with bridge({"git": git_server(repo)}) as registry:
        await registry.call_tool("git__git_log", {"repo_path": str(repo)})
        await registry.call_tool("git__git_show", {"repo_path": str(repo), "revision": "HEAD"})
        pid = registry.server("git").replicas[0].pid
        assert pid is not None
        # Its own process group, where GitPython leaves `git cat-file --batch` helpers.
        started = process_group(pid)
        assert pid in started
    assert all(process_gone(member) for member in started), started
    assert wait_until(lambda: process_group(pid) == [], 2), process_group(pid)


# mcp-server-fetch, against pages served on loopback.

PAGE = """<!doctype html>
<html><head><title>Bridge notes</title></head>
<body><article>
<h1>Supervised servers</h1>
<p>The bridge keeps every <strong>MCP server</strong> alive and restarts it after a crash.</p>
<p>Calls go to a <em>healthy replica</em>.</p>
<ul><li>first point</li><li>second point</li></ul>
</article></body></html>
"""


@dataclass
class Site:
    """A tiny web site on 127.0.0.1 that remembers what it was asked for."""

    url: str = ""
    paths: list[str] = field(default_factory=list)
    slow_started: asyncio.Event = field(default_factory=asyncio.Event)
    slow_abandoned: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    site = Site()

    @web.middleware
    async def remember(request: web.Request, handler: Handler) -> web.StreamResponse:
        site.paths.append(request.path)
        return await handler(request)

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def slow(request: web.Request) -> web.Response:
        """Never answers; notices when the client hangs up."""
        site.slow_started.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if request.transport is None or request.transport.is_closing():
                site.slow_abandoned.set()
                break
            await asyncio.sleep(0.02)
        return web.Response(text="too late")

    app = web.Application(middlewares=[remember])
    app.router.add_get("/notes", page)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    site.url = f"http://{host}:{port}"
    try:
        yield site
    finally:
        await runner.cleanup()


async def test_fetch_turns_a_local_page_into_markdown(
    bridge: RegistryFactory, site: Site, tmp_path: Path
) -> None:
    async with bridge({"web": fetch_server(tmp_path)}) as registry:
        assert [tool.name for tool in registry.tools()] == ["web__fetch"]
        result = await registry.call_tool("web__fetch", {"url": f"{site.url}/notes"})
    page = text(result)
    assert not result.is_error, page
    assert page.startswith(f"Contents of {site.url}/notes:")
    assert "# Supervised servers" in page
    assert "The bridge keeps every MCP server alive and restarts it after a crash." in page
    assert "* first point\n* second point" in page
    assert "<p>" not in page and "<strong>" not in page
    assert site.paths == ["/notes"]  # and no /robots.txt


async def test_fetch_failures_come_back_as_results(
    bridge: RegistryFactory, site: Site, tmp_path: Path
) -> None:
    async with bridge({"web": fetch_server(tmp_path)}) as registry:
        missing = await registry.call_tool("web__fetch", {"url": f"{site.url}/nope"})
        assert missing.is_error and "status code 404" in text(missing)
        not_a_url = await registry.call_tool("web__fetch", {"url": "not a url"})
        assert not_a_url.is_error and "valid URL" in text(not_a_url)
        too_long = await registry.call_tool(
            "web__fetch", {"url": f"{site.url}/notes", "max_length": 0}
        )
        assert too_long.is_error and "max_length" in text(too_long)
    assert site.paths == ["/nope"]


async def test_a_fetch_past_its_time_limit_is_given_up_upstream_too(
    bridge: RegistryFactory, site: Site, tmp_path: Path
) -> None:
    async with bridge({"web": fetch_server(tmp_path)}) as registry:
        started = time.monotonic()
        with pytest.raises(ToolTimeout) as timed_out:
            await registry.call_tool("web__fetch", {"url": f"{site.url}/slow"}, timeout=1)
        assert time.monotonic() - started < 5
        assert site.slow_started.is_set()
        assert timed_out.value.details == {"server": "web", "tool": "fetch", "timeout": 1}
        # The bridge cancels the call upstream, and the server drops its request.
        await asyncio.wait_for(site.slow_abandoned.wait(), 5)
        after = await registry.call_tool("web__fetch", {"url": f"{site.url}/notes"})
        assert not after.is_error and "# Supervised servers" in text(after)
        assert registry.server("web").restarts == 0
