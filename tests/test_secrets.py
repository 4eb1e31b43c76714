"""No secret (password, API key, admin token) appears anywhere after it was handed over:
not in logs, traces, audit details, nor any response but the one that creates a key."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from .test_up import free_port

SWARMDECK = str(Path(sys.executable).with_name("swarmdeck"))
ADMIN_TOKEN = "sdt-admin-token-that-must-not-leak-0001"
PASSWORD = "password-that-must-not-leak-0002"


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP receiver on loopback that keeps every body it is sent."""

    bodies: list[bytes]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector(("127.0.0.1", 0), _Handler)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_no_secret_leaks_after_it_is_handed_over(tmp_path: Path, collector: Collector) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    env.update(
        SWARMDECK_DATA_DIR=str(tmp_path / "data"),
        SWARMDECK_ADMIN_TOKEN=ADMIN_TOKEN,
        SWARMDECK_LOG_LEVEL="DEBUG",
        SWARMDECK_LOG_FORMAT="json",
        SWARMDECK_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_address[1]}",
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [SWARMDECK, "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    responses: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        admin = httpx.Client(base_url=url, headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
        created_user = admin.post(
            "/api/users", json={"name": "vera", "password": PASSWORD, "role": "viewer"}
        )
        assert created_user.status_code == 201
        responses.append(created_user.text)
        created_key = admin.post("/api/keys", json={"user": "vera", "name": "agent"})
        assert created_key.status_code == 201
        key = created_key.json()["key"]  # the one response allowed to carry it
        with httpx.Client(base_url=url, headers={"authorization": f"Bearer {key}"}) as agent:
            responses.append(agent.get("/api/me").text)
            responses.append(agent.get("/api/users").text)  # refused, and audited
        with httpx.Client(base_url=url) as browser:
            login = browser.post("/api/login", json={"name": "vera", "password": PASSWORD})
            responses.append(login.text)
            responses.append(str(login.headers))
            responses.append(
                browser.post("/api/login", json={"name": "vera", "password": PASSWORD + "x"}).text
            )
        admin.post("/api/login", json={"token": ADMIN_TOKEN})
        for path in (
            "/api/users",
            "/api/keys",
            "/api/settings",
            "/api/me",
            "/api/roles",
            "/api/events/recent",
            "/api/audit?limit=100",
            "/api/audit/export?format=json",
            "/api/audit/export?format=csv",
        ):
            response = admin.get(path)
            assert response.status_code == 200, (path, response.text)
            responses.append(response.text)
        admin.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    logs = log_path.read_text()
    traces = b"".join(collector.bodies)
    assert "/api/users" in logs  # the logs were written
    assert traces, "no telemetry reached the collector"
    for secret in (ADMIN_TOKEN, PASSWORD, key):
        assert secret not in logs, f"secret in logs: {secret[:8]}..."
        assert secret.encode() not in traces, f"secret in telemetry: {secret[:8]}..."
        for text in responses:
            assert secret not in text, f"secret in a response: {secret[:8]}..."
