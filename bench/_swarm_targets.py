"""What the swarm benches measure and how they watch it: `swarmdeck serve` embedded with
Temporal on, the fake provider as its model's upstream; a run's events on the `runs` bus
topic over SSE, stamped on arrival; its workflow history in the embedded dev server.

Embedded, the server starts a Temporal dev server as its child (its pid in
`<data_dir>/temporal/dev.pid`); stopping the server stops it, and the bench stops it
itself if it outlived the server (a server killed after its grace), before the data dir
goes. Every clock here is the one host's: the server's event `ts` (`time.time()`),
Temporal's event times and the bench's `time.time()` compare directly; arrival stamps are
the bench's `time.perf_counter()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench._gateway_targets import (
    ALIAS,
    HOST,
    PRICE,
    UPSTREAM_KEY,
    UPSTREAM_MODEL,
    Target,
    _spawn,
    _stop_noting_death,
)
from bench._server import ServerError, _free_port, _tail

START_TIMEOUT_S = 90.0
DEV_SERVER_GRACE_S = 5.0
TOPIC = "runs"
END_TYPES = frozenset({"run.completed", "run.failed", "run.cancelled"})
_DEV_ADDRESS = re.compile(r"dev server (\S+:\d+)")

# -- the server ------------------------------------------------------------------------


@dataclass(frozen=True)
class SwarmServer:
    """A running embedded SwarmDeck: where it listens, its admin token, its Temporal."""

    url: str
    token: str
    pid: int
    data_dir: Path
    temporal_address: str | None
    """The embedded dev server's frontend, as `/api/system/status` names it."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def swarm_config(upstream: Target, swarms: dict[str, Any]) -> dict[str, Any]:
    """One alias on the fake upstream, caches off, and `swarms`."""
    return {
        "providers": {
            "fake": {"type": "openai", "base_url": upstream.base_url, "api_key": UPSTREAM_KEY}
        },
        "models": [
            {
                "name": ALIAS,
                "deployments": [{"provider": "fake", "model": UPSTREAM_MODEL}],
                "price": PRICE,
            }
        ],
        "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
        "swarms": swarms,
    }


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Until `/readyz` answers 200 with the `workflows` check passing (Temporal up)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    last = "no answer"
    with httpx.Client(timeout=3.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(f"swarmdeck exited with {process.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.TransportError, ValueError):
                response = client.get(f"{url}/readyz")
                checks = response.json().get("checks", {})
                last = f"HTTP {response.status_code} {checks}"
                workflows_up = "workflows" in checks and checks["workflows"] is None
                if response.status_code == 200 and workflows_up:
                    return
            time.sleep(0.2)
    raise ServerError(f"swarmdeck not ready after {START_TIMEOUT_S:.0f} s ({last}):\n{_tail(log)}")


def _temporal_address(url: str, headers: dict[str, str]) -> str | None:
    with httpx.Client(timeout=5.0) as client:
        status = client.get(f"{url}/api/system/status", headers=headers).json()
    for component in status.get("components", []):
        if component.get("name") == "workflows":
            match = _DEV_ADDRESS.search(component.get("detail") or "")
            return match[1] if match else None
    return None


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_dev_server(data_dir: Path) -> None:
    """Stop the dev server the server started on `data_dir`, if it is still running.

    Only a `start-dev` process on this very data dir's database is stopped (pids are reused).
    """
    temporal = data_dir / "temporal"
    try:
        pid = int((temporal / "dev.pid").read_text().strip())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return
    if b"start-dev" not in argv or str((temporal / "dev.db").resolve()).encode() not in argv:
        return
    for sig, wait in ((signal.SIGTERM, DEV_SERVER_GRACE_S), (signal.SIGKILL, 2.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # its own session: the group is the dev server alone
        deadline = time.monotonic() + wait
        while _group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _group_alive(pid):
            return


@contextlib.contextmanager
def swarm_server(config: dict[str, Any]) -> Iterator[SwarmServer]:
    """`swarmdeck serve` embedded (SQLite, in-process bus, Temporal dev server child, worker
    in-process) with `config`, in a temp dir, until the block ends."""
    token = secrets.token_urlsafe(32)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="swarmdeck-swarm-")))
        data_dir = tmp / "data"
        (tmp / "swarmdeck.yaml").write_text(yaml.safe_dump(config))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env |= {
            "SWARMDECK_DATA_DIR": str(data_dir),
            "SWARMDECK_CONFIG": str(tmp / "swarmdeck.yaml"),
            "SWARMDECK_ADMIN_TOKEN": token,
            "SWARMDECK_LOG_LEVEL": "WARNING",
        }
        port = _free_port()
        url = f"http://{HOST}:{port}"
        log = tmp / "server.log"
        # Through the interpreter, as bench/_gateway_targets.py does: a developer's
        # `pkill -f "swarmdeck serve"` spares the bench's server.
        launcher = [sys.executable, "-c", "from swarmdeck.cli import main; main()"]
        process = _spawn([*launcher, "serve", "--host", HOST, "--port", str(port)], env, log)
        stack.callback(_stop_dev_server, data_dir)  # runs after the server's own stop
        stack.callback(_stop_noting_death, process, "swarmdeck", log)
        _wait_ready(process, url, log)
        headers = {"Authorization": f"Bearer {token}"}
        yield SwarmServer(
            url=url,
            token=token,
            pid=process.pid,
            data_dir=data_dir,
            temporal_address=_temporal_address(url, headers),
        )


# -- watching runs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One bus event on the `runs` topic and when the bench read it."""

    type: str
    data: dict[str, Any]
    ts: float
    """The server's `time.time()` at publish."""
    arrived: float
    """The bench's `time.perf_counter()` when the SSE frame was read."""


@dataclass
class RunEvents:
    """The `runs` topic as one SSE stream (admin token), grouped by run id."""

    by_run: dict[str, list[Seen]] = field(default_factory=lambda: defaultdict(list))
    _ended: dict[str, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))
    _open: asyncio.Event = field(default_factory=asyncio.Event)

    def _on_frame(self, payload: str) -> None:
        arrived = time.perf_counter()
        event = json.loads(payload)
        data = event.get("data") or {}
        run = data.get("run") if isinstance(data, dict) else None
        if run is None:
            return
        self.by_run[run].append(Seen(event["type"], data, float(event["ts"]), arrived))
        if event["type"] in END_TYPES:
            self._ended[run].set()

    async def read(self, client: httpx.AsyncClient) -> None:
        """Read the stream until cancelled: `data:` lines gather, a blank line dispatches."""
        headers = {"Accept": "text/event-stream"}
        async with client.stream(
            "GET", "/api/events", params={"topics": TOPIC}, headers=headers
        ) as response:
            if response.status_code != 200:
                body = (await response.aread()).decode(errors="replace")
                raise RuntimeError(f"SSE /api/events answered {response.status_code}: {body}")
            self._open.set()
            data: list[str] = []
            async for line in response.aiter_lines():
                if not line:
                    if data:
                        self._on_frame("\n".join(data))
                        data = []
                elif line.startswith("data:"):
                    data.append(line[5:].removeprefix(" "))

    async def ended(self, run_id: str) -> list[Seen]:
        """The run's events once its end has been announced (bound it with a timeout)."""
        await self._ended[run_id].wait()
        return list(self.by_run[run_id])


@contextlib.asynccontextmanager
async def following(client: httpx.AsyncClient) -> AsyncIterator[RunEvents]:
    """`RunEvents` reading in the background while the block runs."""
    events = RunEvents()
    task = asyncio.create_task(events.read(client), name="runs-sse")
    try:
        opened = asyncio.create_task(events._open.wait())
        done, _ = await asyncio.wait({task, opened}, timeout=10, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()  # raises why the stream closed
        if opened not in done:
            opened.cancel()
            raise RuntimeError("the SSE stream did not open within 10 s")
        yield events
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


@dataclass
class Timeline:
    """A run's workflow history as Temporal stamped it (seconds since the epoch)."""

    started: float
    """WorkflowExecutionStarted."""
    workflow_tasks: list[tuple[float, float, float]]
    """(scheduled, started, completed) of each workflow task, in order."""
    activities: dict[str, dict[str, float]]
    """Activity id (`turn-<seq>-<instance>`) -> scheduled / started / completed."""


_WT = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: 0,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: 1,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: 2,
}
_ACTIVITY = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: "started",
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "completed",
}


async def timeline(client: Client, workflow_id: str) -> Timeline:
    """The run's history, fetched once it has closed."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    started = float("nan")
    tasks: list[list[float]] = []
    names: dict[int, str] = {}
    activities: dict[str, dict[str, float]] = {}
    for event in history.events:
        at = event.event_time.ToNanoseconds() / 1e9
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = at
        elif kind in _WT:
            if _WT[kind] == 0:
                tasks.append([at, float("nan"), float("nan")])
            elif tasks:
                tasks[-1][_WT[kind]] = at
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activity_id = event.activity_task_scheduled_event_attributes.activity_id
            names[event.event_id] = activity_id
            activities[activity_id] = {"scheduled": at}
        elif kind in _ACTIVITY:
            attributes = (
                event.activity_task_started_event_attributes
                if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                else event.activity_task_completed_event_attributes
            )
            name = names.get(attributes.scheduled_event_id)
            if name is not None:
                activities[name][_ACTIVITY[kind]] = at
    return Timeline(
        started=started,
        workflow_tasks=[(s, t, c) for s, t, c in tasks],
        activities=activities,
    )
