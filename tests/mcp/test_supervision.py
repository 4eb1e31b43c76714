"""Supervised replicas: restart after SIGKILL and crashes, failover, health checks, no orphans."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable

import pytest

from swarmdeck.core.errors import BadGateway, Unavailable
from swarmdeck.mcp import ToolTimeout
from tests.mcp.conftest import (
    FLAKY,
    RegistryFactory,
    flaky_server,
    process_gone,
    time_server,
    wait_until,
)

CURRENT_TIME = ("time__get_current_time", {"timezone": "UTC"})


async def test_calls_succeed_again_within_5s_after_kill_9(
    bridge: RegistryFactory, record_property: Callable[[str, object], None]
) -> None:
    async with bridge({"time": time_server()}) as registry:
        await registry.call_tool(*CURRENT_TIME)
        pid = registry.server("time").replicas[0].pid
        assert pid is not None

        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        errors: list[Exception] = []
        while True:
            try:
                await registry.call_tool(*CURRENT_TIME)
                break
            except (Unavailable, BadGateway) as exc:
                errors.append(exc)
                assert time.monotonic() - killed < 5.0, errors[-1]
                await asyncio.sleep(0.01)
        recovery = time.monotonic() - killed
        record_property("recovery_seconds", round(recovery, 3))
        print(f"\nrecovery after kill -9: {recovery:.3f}s")
        assert recovery < 5.0

        status = registry.server("time")
        assert status.replicas[0].pid not in (None, pid)
        assert status.restarts == 1
        assert "SIGKILL" in (status.last_error or "")
        assert {t.name for t in registry.tools()} == {
            "time__get_current_time",
            "time__convert_time",
        }


async def test_a_kill_from_outside_is_not_blamed_on_the_last_log_line(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"flaky": flaky_server()}) as registry:
        await registry.call_tool("flaky__log", {"text": "listening, all fine"})
        pid = registry.server("flaky").replicas[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert await _until(lambda: registry.server("flaky").restarts == 1)
        assert registry.server("flaky").last_error == f"process {pid} was killed by SIGKILL"


async def test_dead_server_tools_are_hidden_until_it_is_back(bridge: RegistryFactory) -> None:
    async with bridge({"time": time_server()}, restart_backoff_min="1s") as registry:
        pid = registry.server("time").replicas[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await _until(lambda: registry.server("time").state == "down")
        assert registry.tools() == []
        assert registry.server("time").tool_count == 0
        with pytest.raises(Unavailable):
            await registry.call_tool(*CURRENT_TIME)
        assert await registry.wait_ready(10)
        assert len(registry.tools()) == 2


async def test_crash_mid_call_is_a_clear_error_and_the_server_comes_back(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"flaky": flaky_server()}) as registry:
        with pytest.raises(BadGateway, match="not listed as idempotent"):
            await registry.call_tool("flaky__crash", {"code": 3})
        assert await registry.wait_ready(5)
        result = await registry.call_tool("flaky__echo", {"text": "back"})
        assert result.structured_content == {"result": "back"}
        status = registry.server("flaky")
        assert status.restarts == 1
        assert "exited with code 3" in (status.last_error or "")
        assert "crashing on purpose" in (status.last_error or "")  # the stderr tail


async def test_idempotent_call_on_a_dying_replica_is_retried_on_another(
    bridge: RegistryFactory,
) -> None:
    config = flaky_server(replicas=2, idempotent_tools=("slow",))
    async with bridge({"flaky": config}) as registry:
        await _until(lambda: registry.server("flaky").state == "healthy")
        call = asyncio.create_task(registry.call_tool("flaky__slow", {"seconds": 1.0}))
        busy = await _until(lambda: [r for r in registry.server("flaky").replicas if r.in_flight])
        victim = busy[0].pid
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        result = await call
        assert result.structured_content is not None
        survivor = result.structured_content["result"]
        assert survivor != victim
        assert survivor in {r.pid for r in registry.server("flaky").replicas}


async def test_non_idempotent_call_on_a_dying_replica_is_a_clear_error(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"flaky": flaky_server(replicas=2)}) as registry:
        call = asyncio.create_task(registry.call_tool("flaky__slow", {"seconds": 2.0}))
        busy = await _until(lambda: [r for r in registry.server("flaky").replicas if r.in_flight])
        assert busy[0].pid is not None
        os.kill(busy[0].pid, signal.SIGKILL)
        with pytest.raises(BadGateway, match="not retried") as caught:
            await call
        assert caught.value.details["retried"] is False


async def test_calls_are_spread_over_replicas(bridge: RegistryFactory) -> None:
    async with bridge({"flaky": flaky_server(replicas=2)}) as registry:
        await _until(lambda: registry.server("flaky").state == "healthy")
        results = await asyncio.gather(
            *(registry.call_tool("flaky__slow", {"seconds": 0.3}) for _ in range(6))
        )
        pids = {r.structured_content["result"] for r in results if r.structured_content}
        assert pids == {r.pid for r in registry.server("flaky").replicas}


async def test_hanging_tool_hits_its_per_tool_timeout(bridge: RegistryFactory) -> None:
    config = flaky_server(tool_timeouts={"hang": "300ms"}, timeout="20s")
    async with bridge({"flaky": config}) as registry:
        started = time.monotonic()
        with pytest.raises(ToolTimeout, match=r"did not answer within 0\.3s"):
            await registry.call_tool("flaky__hang", {})
        assert time.monotonic() - started < 2.0
        with pytest.raises(ToolTimeout):
            await registry.call_tool("flaky__slow", {"seconds": 5}, timeout=0.2)
        # The server is still fine for everything else.
        result = await registry.call_tool("flaky__echo", {"text": "ok"})
        assert result.structured_content == {"result": "ok"}
        assert registry.server("flaky").restarts == 0


async def test_concurrency_cap_holds_calls_beyond_it(bridge: RegistryFactory) -> None:
    async with bridge({"flaky": flaky_server()}, max_concurrent_calls=1) as registry:
        first = asyncio.create_task(registry.call_tool("flaky__slow", {"seconds": 1.0}))
        await _until(lambda: registry.server("flaky").replicas[0].in_flight == 1)
        with pytest.raises(ToolTimeout, match="no free call slot"):
            await registry.call_tool("flaky__echo", {"text": "x"}, timeout=0.2)
        await first
        assert (await registry.call_tool("flaky__echo", {"text": "x"})).structured_content


async def test_unresponsive_replica_is_restarted_by_health_checks(bridge: RegistryFactory) -> None:
    async with bridge({"flaky": flaky_server()}) as registry:
        pid = registry.server("flaky").replicas[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)  # alive, but answers nothing: only pings can tell
        try:
            await _until(lambda: registry.server("flaky").replicas[0].state == "degraded", 5)
            await _until(lambda: registry.server("flaky").restarts == 1, 10)
        finally:
            if not process_gone(pid):
                os.kill(pid, signal.SIGKILL)
        assert "health checks failed" in (registry.server("flaky").last_error or "")
        assert await registry.wait_ready(10)
        assert wait_until(lambda: process_gone(pid))


async def test_restart_replaces_every_replica_at_once(bridge: RegistryFactory) -> None:
    async with bridge({"flaky": flaky_server(replicas=2)}) as registry:
        before = {r.pid for r in registry.server("flaky").replicas}
        await registry.restart("flaky")
        await _until(
            lambda: (
                registry.server("flaky").state == "healthy"
                and not before & {r.pid for r in registry.server("flaky").replicas}
            ),
            10,
        )
        status = registry.server("flaky")
        assert status.restarts == 2
        assert status.last_error is None  # asked for, not a failure
        assert all(process_gone(pid) for pid in before if pid is not None)


async def test_no_process_outlives_aclose(bridge: RegistryFactory) -> None:
    servers = {"flaky": flaky_server(replicas=2), "time": time_server()}
    async with bridge(servers) as registry:
        pids = [r.pid for s in registry.servers() for r in s.replicas if r.pid is not None]
        grandchildren = []
        for _ in range(2):
            result = await registry.call_tool("flaky__spawn_grandchild", {})
            assert result.structured_content is not None
            grandchildren.append(result.structured_content["result"])
        assert len(pids) == 3
        assert not any(process_gone(pid) for pid in pids + grandchildren)
    # aclose() has returned: every server and everything it started is gone.
    assert all(process_gone(pid) for pid in pids), pids
    assert wait_until(lambda: all(process_gone(pid) for pid in grandchildren), 2), grandchildren


async def test_grandchildren_of_a_killed_replica_are_cleaned_up(bridge: RegistryFactory) -> None:
    async with bridge({"flaky": flaky_server()}) as registry:
        result = await registry.call_tool("flaky__spawn_grandchild", {})
        assert result.structured_content is not None
        grandchild = result.structured_content["result"]
        pid = registry.server("flaky").replicas[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the grandchild keeps the group (and stdout) alive
        assert await _until(lambda: registry.server("flaky").restarts == 1, 5)
        assert wait_until(lambda: process_gone(grandchild), 3)


async def _until(predicate, within: float = 5.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
    return value


async def test_a_server_hanging_at_start_times_out_and_shutdown_is_prompt(
    bridge: RegistryFactory,
) -> None:
    hanging = flaky_server().model_copy(update={"args": (str(FLAKY), "--hang-on-start")})
    async with bridge({"stuck": hanging}, ready=False, start_timeout=0.5) as registry:
        await _until(lambda: registry.server("stuck").restarts >= 1, 5)
        assert "failed to start within 0.5s" in (registry.server("stuck").last_error or ""), (
            registry.server("stuck")
        )
        assert registry.tools() == []
        pid = await _until(
            lambda: (
                registry.server("stuck").state == "starting"
                and registry.server("stuck").replicas[0].pid
            ),
            5,
        )
        started = time.monotonic()
    assert time.monotonic() - started < 2.0  # aclose() did not wait out the start
    assert process_gone(pid)
