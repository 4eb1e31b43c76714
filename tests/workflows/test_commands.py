"""`swarmdeck worker` and `swarmdeck up` as an operator runs them, with a real Temporal."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from swarmdeck.core.processes import group_alive
from swarmdeck.workflows import DevServer
from tests.test_cli import SWARMDECK, run
from tests.test_up import Up

from .conftest import NAMESPACE


def test_worker_without_an_address_exits_with_a_clear_error(tmp_path: Path) -> None:
    result = run("worker", env={"SWARMDECK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "SWARMDECK_TEMPORAL_ADDRESS" in result.stderr
    assert "is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_with_workflows_turned_off_exits_with_a_clear_error(tmp_path: Path) -> None:
    env = {
        "SWARMDECK_DATA_DIR": str(tmp_path),
        "SWARMDECK_TEMPORAL_ADDRESS": "127.0.0.1:7233",
        "SWARMDECK_TEMPORAL_ENABLED": "false",
    }
    result = run("worker", env=env)
    assert result.returncode == 2
    assert "SWARMDECK_TEMPORAL_ENABLED is false" in result.stderr


@pytest.fixture
def worker_env(dev_server: DevServer, tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    return {
        **base,
        "SWARMDECK_DATA_DIR": str(tmp_path / "data"),
        "SWARMDECK_TEMPORAL_ADDRESS": dev_server.address,
        "SWARMDECK_TEMPORAL_NAMESPACE": NAMESPACE,
    }


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_worker_connects_and_stops_cleanly_on_a_signal(
    worker_env: dict[str, str], tmp_path: Path, sig: signal.Signals
) -> None:
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [SWARMDECK, "worker"],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=worker_env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while "worker connected" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert worker_env["SWARMDECK_TEMPORAL_ADDRESS"] in log.read_text()
        process.send_signal(sig)
        assert process.wait(timeout=15) == 0, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output_text = log.read_text()
    assert "worker stopped" in output_text
    assert "Traceback" not in output_text
    assert not (tmp_path / "data" / "temporal").exists()  # no dev server of its own


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    running = Up(tmp_path / "data")
    yield running
    if running.process.poll() is None:
        os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait()


def test_up_runs_the_embedded_dev_server_and_takes_it_down_on_sigterm(up: Up) -> None:
    up.wait_ready()
    checks = httpx.get(f"{up.url}/readyz").json()["checks"]
    assert checks["workflows"] is None
    assert "workflows: embedded Temporal dev server" in up.output()
    pid_file = up.log.parent / "data" / "temporal" / "dev.pid"
    dev_pid = int(pid_file.read_text())
    assert group_alive(dev_pid)
    code, elapsed = up.stop(signal.SIGTERM)
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), up.output()
    assert elapsed < 10
    assert not group_alive(dev_pid), "the dev server outlived `swarmdeck up`"
    assert not pid_file.exists()
    assert "Traceback" not in up.output()
    assert '"level": "ERROR"' not in up.output()
