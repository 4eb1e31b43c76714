"""Stateful servers: each client its own upstream session, never another's; none outlives use."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from swarmdeck.core.errors import BadGateway, InvalidInput, Unavailable
from swarmdeck.mcp import HttpServerConfig, Registry, StdioServerConfig
from tests.mcp.conftest import RegistryFactory, flaky_server, process_gone, wait_until

COUNTER = Path(__file__).parent / "servers" / "counter.py"
INCREMENT = "counter__increment"

T = TypeVar("T")


def counter_server(**extra: Any) -> StdioServerConfig:
    return StdioServerConfig(command=sys.executable, args=(str(COUNTER),), **extra)


async def increment(registry: Registry, client: str | None) -> tuple[int, int]:
    """The client's count so far and the pid that counted it."""
    result = await registry.call_tool(INCREMENT, {}, client=client)
    assert result.structured_content is not None, result
    return result.structured_content["count"], result.structured_content["pid"]


async def until(predicate: Callable[[], T], within: float = 5.0) -> T:
    deadline = time.monotonic() + within
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
    return value


async def test_each_client_gets_its_own_session_and_keeps_its_state(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        template = registry.server("counter").replicas[0].pid
        first_a, pid_a = await increment(registry, "client-a")
        second_a, again_a = await increment(registry, "client-a")
        first_b, pid_b = await increment(registry, "client-b")
        assert (first_a, second_a, first_b) == (1, 2, 1)
        assert pid_a == again_a
        assert len({pid_a, pid_b, template}) == 3  # the replica only lists tools
        status = registry.server("counter")
        assert (status.stateful, status.sessions) == (True, 2)
        assert status.to_dict()["sessions"] == 2
        assert status.to_dict()["stateful"] is True
        assert len(status.replicas) == 1


async def test_concurrent_first_calls_of_a_client_open_one_session(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        results = await asyncio.gather(*(increment(registry, "client-a") for _ in range(3)))
        assert sorted(count for count, _ in results) == [1, 2, 3]
        assert len({pid for _, pid in results}) == 1
        assert registry.server("counter").sessions == 1


async def test_stateful_server_refuses_a_call_without_a_client(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        for nobody in (None, ""):
            with pytest.raises(InvalidInput, match="needs a client identity"):
                await increment(registry, nobody)
        assert registry.server("counter").sessions == 0


async def test_stateless_server_shares_its_replica_whatever_the_client(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"counter": counter_server()}) as registry:
        replica = registry.server("counter").replicas[0].pid
        assert await increment(registry, "client-a") == (1, replica)
        assert await increment(registry, "client-b") == (2, replica)
        assert await increment(registry, None) == (3, replica)
        status = registry.server("counter")
        assert (status.stateful, status.sessions) == (False, 0)


async def test_idle_sessions_are_closed_and_their_processes_end(bridge: RegistryFactory) -> None:
    config = counter_server(stateful=True, session_idle_timeout="300ms")
    async with bridge({"counter": config}) as registry:
        _, pid = await increment(registry, "client-a")
        assert registry.server("counter").sessions == 1
        await until(lambda: registry.server("counter").sessions == 0)
        assert await until(lambda: process_gone(pid))
        # The state went with it: the client's next call starts a fresh session.
        count, fresh = await increment(registry, "client-a")
        assert (count, fresh != pid) == (1, True)


async def test_a_session_in_use_is_not_idle(bridge: RegistryFactory) -> None:
    config = counter_server(stateful=True, session_idle_timeout="300ms")
    async with bridge({"counter": config}) as registry:
        for expected in range(1, 6):  # calls closer together than the idle timeout
            assert (await increment(registry, "client-a"))[0] == expected
            await asyncio.sleep(0.1)


async def test_end_client_closes_its_sessions_only(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        _, pid_a = await increment(registry, "client-a")
        _, pid_b = await increment(registry, "client-b")
        await registry.end_client("client-a")
        assert process_gone(pid_a)
        assert registry.server("counter").sessions == 1
        assert await increment(registry, "client-b") == (2, pid_b)
        await registry.end_client("never-called")  # nothing to close, no error


async def test_a_new_client_beyond_max_sessions_is_refused(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True, max_sessions=2)}) as registry:
        await increment(registry, "client-a")
        await increment(registry, "client-b")
        with pytest.raises(Unavailable, match="max_sessions") as refused:
            await increment(registry, "client-c")
        assert refused.value.details["max_sessions"] == 2
        assert registry.server("counter").sessions == 2
        assert (await increment(registry, "client-a"))[0] == 2  # nobody's session was taken
        await registry.end_client("client-b")
        assert (await increment(registry, "client-c"))[0] == 1


async def test_a_killed_session_restarts_fresh_for_its_own_client_only(
    bridge: RegistryFactory,
) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        await increment(registry, "client-a")
        _, pid_a = await increment(registry, "client-a")
        _, pid_b = await increment(registry, "client-b")
        os.kill(pid_a, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while True:
            try:
                count, pid = await increment(registry, "client-a")
                break
            except BadGateway:  # sent before the death was noticed; never sent elsewhere
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
        assert count == 1
        assert pid not in (pid_a, pid_b)
        assert await increment(registry, "client-b") == (2, pid_b)
        assert registry.server("counter").sessions == 2


async def test_a_call_lost_with_its_session_is_not_retried_elsewhere(
    bridge: RegistryFactory,
) -> None:
    config = flaky_server(stateful=True, idempotent_tools=("slow",))
    async with bridge({"flaky": config}) as registry:
        mine = await registry.call_tool("flaky__whoami", {}, client="client-a")
        assert mine.structured_content is not None
        pid = mine.structured_content["result"]
        call = asyncio.create_task(
            registry.call_tool("flaky__slow", {"seconds": 3.0}, client="client-a")
        )
        await asyncio.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(BadGateway, match="its state is gone"):
            await call


async def test_no_session_process_outlives_aclose(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        pids = [(await increment(registry, client))[1] for client in ("a", "b", "c")]
        pids.append(registry.server("counter").replicas[0].pid or 0)
        assert not any(process_gone(pid) for pid in pids)
    assert all(process_gone(pid) for pid in pids), pids


async def test_remove_stops_the_servers_sessions(bridge: RegistryFactory) -> None:
    servers = {"counter": counter_server(stateful=True), "other": counter_server(stateful=True)}
    async with bridge(servers) as registry:
        _, pid = await increment(registry, "client-a")
        other = await registry.call_tool("other__increment", {}, client="client-a")
        assert other.structured_content is not None
        await registry.remove("counter")
        assert process_gone(pid)
        assert not process_gone(other.structured_content["pid"])
        assert registry.server("other").sessions == 1


async def test_update_stops_the_servers_sessions(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        _, pid = await increment(registry, "client-a")
        await registry.update("counter", counter_server(stateful=True, max_sessions=5))
        assert process_gone(pid)
        assert registry.server("counter").sessions == 0
        assert await registry.wait_ready(20)
        assert (await increment(registry, "client-a"))[0] == 1


async def test_session_count_changes_are_announced(bridge: RegistryFactory) -> None:
    async with bridge({"counter": counter_server(stateful=True)}) as registry:
        seen: list[int] = []
        registry.on_change(
            lambda event: (
                seen.append(event.data["sessions"]) if event.type == "server.state" else None
            )
        )
        await increment(registry, "client-a")
        await registry.end_client("client-a")
        assert seen == [1, 0]


# -- remote servers: one MCP session per client ------------------------------------------


@pytest.fixture
def remote_counter() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, str(COUNTER), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: _listening(port), 15), "the HTTP counter did not start"
        yield port
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


async def test_remote_stateful_server_gives_each_client_its_own_mcp_session(
    bridge: RegistryFactory, remote_counter: int
) -> None:
    config = HttpServerConfig(url=f"http://127.0.0.1:{remote_counter}/mcp", stateful=True)
    async with bridge({"counter": config}) as registry:
        first_a, pid = await increment(registry, "client-a")
        second_a, _ = await increment(registry, "client-a")
        first_b, same = await increment(registry, "client-b")
        assert (first_a, second_a, first_b) == (1, 2, 1)
        assert pid == same  # one remote process, one MCP session per client
        assert registry.server("counter").sessions == 2
