"""`swarmdeck up` as a new user runs it: prints how to log in, serves, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SWARMDECK = str(Path(sys.executable).with_name("swarmdeck"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env["SWARMDECK_DATA_DIR"] = str(data_dir)
        self.log = data_dir.parent / f"up-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [SWARMDECK, "up", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, sig: signal.Signals) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        return code, time.monotonic() - started


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    running = Up(tmp_path / "data")
    yield running
    if running.process.poll() is None:
        os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait()


def test_up_prints_the_url_and_a_token_that_logs_in(up: Up) -> None:
    up.wait_ready()
    text = up.output()
    assert up.url in text
    match = re.search(r"admin token \(shown once, keep it\): (sdt-\S+)", text)
    assert match, text
    token = match.group(1)
    with httpx.Client(base_url=up.url) as client:
        assert client.post("/api/login", json={"token": token}).status_code == 200
        assert client.get("/api/me").json()["role"] == "admin"
    # Only a digest of the token is stored.
    stored = (up.log.parent / "data" / "admin_token.sha256").read_text()
    assert token not in stored
    assert (up.log.parent / "data" / "swarmdeck.db").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_up_stops_within_ten_seconds_with_a_live_stream_open(up: Up, sig: signal.Signals) -> None:
    up.wait_ready()
    token = re.search(r"keep it\): (sdt-\S+)", up.output())
    assert token
    headers = {"authorization": f"Bearer {token.group(1)}"}
    with (
        httpx.Client(base_url=up.url, headers=headers, timeout=20) as client,
        client.stream("GET", "/api/events") as stream,
    ):
        assert stream.status_code == 200
        published = client.post("/api/events", json={"topic": "t", "type": "x"})
        assert published.status_code == 202
        code, elapsed = up.stop(sig)
    # uvicorn re-raises the signal after a clean shutdown, as Unix tools expect.
    assert code in (0, -sig, 128 + sig), up.output()
    assert elapsed < 10
    assert "Traceback" not in up.output()
    assert '"level": "ERROR"' not in up.output()
    # No child processes outlive it.
    leftover = subprocess.run(["pgrep", "-s", str(up.process.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_second_start_keeps_the_token_and_does_not_print_it_again(tmp_path: Path) -> None:
    first = Up(tmp_path / "data")
    try:
        first.wait_ready()
        token = re.search(r"keep it\): (sdt-\S+)", first.output())
        assert token
    finally:
        first.stop(signal.SIGTERM)
    second = Up(tmp_path / "data")
    try:
        second.wait_ready()
        assert token.group(1) not in second.output()
        assert "printed at first start" in second.output()
        with httpx.Client(base_url=second.url) as client:
            assert client.post("/api/login", json={"token": token.group(1)}).status_code == 200
    finally:
        second.stop(signal.SIGTERM)
