"""Start a real SwarmDeck server in its own process on loopback, and stop it."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import redis

Bus = Literal["memory", "redis"]

REDIS_URL = "redis://127.0.0.1:6379/0"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class ServerError(RuntimeError):
    """The server did not become ready; the message carries the end of its log."""


@dataclass(frozen=True)
class Server:
    """A running server: where it listens and how to authenticate."""

    url: str
    token: str
    bus: Bus
    pid: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, all threads) the server has used so far; None off Linux.

        Unlike latency, CPU per request barely moves when other processes share the cores.
        """
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rpartition(")")[2].split()  # the name in parentheses may hold spaces
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")


def redis_available(url: str = REDIS_URL) -> bool:
    """True when Redis answers PING, so the Redis rows can run."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path, token: str, bus: Bus, redis_prefix: str) -> dict[str, str]:
    # Nothing inherited from the caller's SWARMDECK_* settings: the run is the same everywhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    env |= {
        "SWARMDECK_DATA_DIR": str(data_dir),
        "SWARMDECK_ADMIN_TOKEN": token,
        "SWARMDECK_LOG_LEVEL": "WARNING",
    }
    if bus == "redis":
        env |= {"SWARMDECK_REDIS_URL": REDIS_URL, "SWARMDECK_REDIS_PREFIX": redis_prefix}
    return env


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(f"server exited with {process.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            time.sleep(0.1)
    raise ServerError(f"server not ready after {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _drop_redis_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def running_server(bus: Bus = "memory") -> Iterator[Server]:
    """Run `swarmdeck serve` on a free loopback port with a fresh data dir until the block ends."""
    executable = Path(sys.executable).parent / "swarmdeck"
    token = secrets.token_urlsafe(32)
    redis_prefix = f"bench-{secrets.token_hex(6)}"
    port = _free_port()
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="swarmdeck-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        log = Path(tmp) / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [str(executable), "serve", "--host", HOST, "--port", str(port)],
                env=_environment(data_dir, token, bus, redis_prefix),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the bench, which stops the server itself
            )
            try:
                _wait_ready(process, url, log)
                yield Server(url=url, token=token, bus=bus, pid=process.pid)
            finally:
                _stop(process)
                if bus == "redis":
                    _drop_redis_keys(redis_prefix)
