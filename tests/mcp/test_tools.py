"""Listing and calling tools through the registry, with `mcp-server-time` from PyPI."""

from __future__ import annotations

import asyncio
import json
import pathlib

import pytest

from swarmdeck.core.errors import Conflict, InvalidInput, NotFound
from swarmdeck.mcp import ChangeEvent, Registry, is_valid, result_to_dict
from tests.mcp.conftest import RegistryFactory, flaky_server, time_server


async def test_time_server_tools_are_listed_namespaced_and_callable(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"time": time_server()}) as registry:
        tools = {tool.name: tool for tool in registry.tools()}
        assert set(tools) == {"time__get_current_time", "time__convert_time"}
        tool = tools["time__get_current_time"]
        assert (tool.server, tool.upstream_name) == ("time", "get_current_time")
        assert "timezone" in tool.input_schema["properties"]
        assert tool.as_mcp().name == "time__get_current_time"

        result = await registry.call_tool("time__get_current_time", {"timezone": "Europe/Paris"})
        assert not result.is_error
        assert json.loads(result.content[0].text)["timezone"] == "Europe/Paris"  # type: ignore[union-attr]

        converted = await registry.call_tool(
            "time__convert_time",
            {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"},
        )
        assert "21:00" in converted.content[0].text  # type: ignore[union-attr]

        [status] = registry.servers()
        assert (status.name, status.kind, status.state, status.tool_count) == (
            "time",
            "stdio",
            "healthy",
            2,
        )
        assert status.replicas[0].pid is not None


async def test_tool_errors_come_back_as_results_and_bad_arguments_as_errors(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"time": time_server()}) as registry:
        result = await registry.call_tool("time__get_current_time", {"timezone": "Mars/Olympus"})
        assert result.is_error
        with pytest.raises(NotFound):
            await registry.call_tool("time__no_such_tool", {})
        bad = await registry.call_tool("time__convert_time", {"time": 12})
        assert bad.is_error  # the server's own answer, passed on


async def test_a_server_that_cannot_start_is_down_and_its_tools_hidden(
    bridge: RegistryFactory,
) -> None:
    broken = time_server().model_copy(update={"args": ("-c", "import sys; sys.exit(7)")})
    async with bridge({"time": time_server(), "broken": broken}, ready=False) as registry:
        assert await asyncio.wait_for(_until(lambda: registry.server("broken").restarts >= 1), 10)
        status = registry.server("broken")
        assert status.state in ("down", "starting")
        assert status.last_error is not None and "exited with code 7" in status.last_error
        assert all(tool.server == "time" for tool in registry.tools())
        with pytest.raises(NotFound):
            registry.tools(server="nope")


async def test_servers_are_added_updated_and_removed_at_run_time(bridge: RegistryFactory) -> None:
    events: list[ChangeEvent] = []
    async with bridge({}) as registry:
        registry.on_change(events.append)
        await registry.add("clock", time_server())
        with pytest.raises(Conflict):
            await registry.add("clock", time_server())
        with pytest.raises(InvalidInput):
            await registry.add("bad name!", time_server())
        assert await registry.wait_ready(20)
        assert {t.name for t in registry.tools()} == {
            "clock__get_current_time",
            "clock__convert_time",
        }
        old_pid = registry.server("clock").replicas[0].pid

        await registry.update("clock", time_server(replicas=2))
        assert await registry.wait_ready(20)
        await asyncio.wait_for(_until(lambda: registry.server("clock").state == "healthy"), 20)
        status = registry.server("clock")
        assert len(status.replicas) == 2
        assert old_pid not in {r.pid for r in status.replicas}

        await registry.remove("clock")
        assert registry.tools() == []
        with pytest.raises(NotFound):
            registry.server("clock")
        with pytest.raises(NotFound):
            await registry.call_tool("clock__get_current_time", {"timezone": "UTC"})
    kinds = [e.type for e in events]
    assert "server.removed" in kinds and "server.state" in kinds
    added = [name for e in events if e.type == "tools.changed" for name in e.data["added"]]
    assert "clock__get_current_time" in added


async def test_upstream_tool_list_changes_reach_listeners(bridge: RegistryFactory) -> None:
    events: list[ChangeEvent] = []
    async with bridge({"flaky": flaky_server()}) as registry:
        registry.on_change(events.append)
        await registry.call_tool("flaky__add_tool", {"name": "shiny"})
        await asyncio.wait_for(
            _until(lambda: any(t.name == "flaky__shiny" for t in registry.tools())), 5
        )
        assert any(e.type == "tools.changed" and "flaky__shiny" in e.data["added"] for e in events)
        result = await registry.call_tool("flaky__shiny", {"text": "x"})
        assert result.structured_content == {"result": "shiny:x"}


async def test_async_listeners_are_awaited(bridge: RegistryFactory) -> None:
    seen: list[str] = []

    async def listener(event: ChangeEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.type)

    async with bridge({}) as registry:
        registry.on_change(listener)
        await registry.add("time", time_server())
        assert await registry.wait_ready(20)
    assert "tools.changed" in seen


async def test_nothing_is_listed_or_callable_before_start() -> None:
    registry = Registry(servers={"time": time_server()})
    assert registry.servers() == [] and registry.tools() == []
    with pytest.raises(NotFound):
        await registry.call_tool("time__get_current_time", {})


def test_public_names_are_valid_for_clients() -> None:
    assert is_valid("time__get_current_time")
    assert not is_valid("time__get.current")


async def _until(predicate: object) -> bool:
    assert callable(predicate)
    while not predicate():
        await asyncio.sleep(0.02)
    return True


async def test_progress_notifications_reach_the_caller(bridge: RegistryFactory) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with bridge({"flaky": flaky_server()}) as registry:
        result = await registry.call_tool("flaky__progress", {"steps": 3}, progress=on_progress)
        assert result.structured_content == {"result": 3}
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


async def test_cancelling_a_call_cancels_it_upstream(
    bridge: RegistryFactory, tmp_path: pathlib.Path
) -> None:
    marker = tmp_path / "cancelled"
    async with bridge({"flaky": flaky_server()}) as registry:
        call = asyncio.create_task(
            registry.call_tool("flaky__wait_for_cancel", {"marker": str(marker)})
        )
        await _until(lambda: registry.server("flaky").replicas[0].in_flight == 1)
        await asyncio.sleep(0.2)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.wait_for(_until(marker.exists), 5)
        assert registry.server("flaky").restarts == 0


async def test_statuses_tools_and_results_have_json_forms(bridge: RegistryFactory) -> None:
    async with bridge({"time": time_server()}) as registry:
        result = await registry.call_tool("time__get_current_time", {"timezone": "UTC"})
        data = json.loads(json.dumps(result_to_dict(result)))
        assert data["isError"] is False and data["structuredContent"]["timezone"] == "UTC"
        [status] = json.loads(json.dumps([s.to_dict() for s in registry.servers()]))
        assert status["state"] == "healthy" and status["replicas"][0]["pid"] > 0
        tool = json.loads(json.dumps(registry.tools()[0].to_dict()))
        assert tool["name"].startswith("time__") and "inputSchema" in tool
        assert tool["server"] == "time"
