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
    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env["SWARMDECK_DATA_DIR"] = str(data_dir)
        env.update(extra_env or {})
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


PASSWORD_LINE = re.compile(r"log in as admin with password \(shown once, keep it\): (\S+)")


def admin_password(up: Up) -> str:
    match = PASSWORD_LINE.search(up.output())
    assert match, up.output()
    return match.group(1)


def test_up_prints_the_url_and_an_admin_password_that_logs_in(up: Up) -> None:
    up.wait_ready()
    assert up.url in up.output()
    password = admin_password(up)
    with httpx.Client(base_url=up.url) as client:
        login = client.post("/api/login", json={"name": "admin", "password": password})
        assert login.status_code == 200, login.text
        assert client.get("/api/me").json()["role"] == "admin"
    database = (up.log.parent / "data" / "swarmdeck.db").read_bytes()
    assert password.encode() not in database  # only its argon2id hash is stored


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_up_stops_within_ten_seconds_with_a_live_stream_open(up: Up, sig: signal.Signals) -> None:
    up.wait_ready()
    with httpx.Client(base_url=up.url, timeout=20) as client:
        client.post("/api/login", json={"name": "admin", "password": admin_password(up)})
        client.headers["x-csrf-token"] = client.cookies["swarmdeck_csrf"]
        with client.stream("GET", "/api/events") as stream:
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


def test_second_start_does_not_make_another_admin(tmp_path: Path) -> None:
    first = Up(tmp_path / "data")
    try:
        first.wait_ready()
        password = admin_password(first)
    finally:
        first.stop(signal.SIGTERM)
    second = Up(tmp_path / "data")
    try:
        second.wait_ready()
        assert not PASSWORD_LINE.search(second.output())
        assert "log in with your user name and password" in second.output()
        with httpx.Client(base_url=second.url) as client:
            login = client.post("/api/login", json={"name": "admin", "password": password})
            assert login.status_code == 200
    finally:
        second.stop(signal.SIGTERM)


def test_with_an_admin_token_no_admin_user_is_made(tmp_path: Path) -> None:
    up = Up(tmp_path / "data", {"SWARMDECK_ADMIN_TOKEN": "sdt-chosen-by-the-team"})
    try:
        up.wait_ready()
        assert not PASSWORD_LINE.search(up.output())
        assert "SWARMDECK_ADMIN_TOKEN also logs in" in up.output()
        headers = {"authorization": "Bearer sdt-chosen-by-the-team"}
        users = httpx.get(f"{up.url}/api/users", headers=headers)
        assert users.status_code == 200
        assert users.json() == []
    finally:
        up.stop(signal.SIGTERM)
