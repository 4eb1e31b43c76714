"""`TemporalService`: the Runtime's link to Temporal, and the worker when this process runs one.

Three shapes, chosen by settings:

- **embedded** (no `SWARMDECK_TEMPORAL_ADDRESS`): start the `DevServer` child, connect
  to it, run the worker in-process. What `swarmdeck up` does.
- **scaled**: connect to the address (TLS / API key as configured). API replicas
  (`swarmdeck serve`) only start workflows; `swarmdeck worker` processes run them.
  `SWARMDECK_TEMPORAL_WORKER` overrides the choice (unset: a worker runs when embedded).
- **off** (`SWARMDECK_TEMPORAL_ENABLED=false`): nothing starts, `client` raises
  `Unavailable`, and `/readyz` does not wait for workflows.

Features hand over their workflows and activities before `start()`:

    runtime.workflows.register(workflows=[SwarmRun], activities=agent_activities.all())

`start()` returns at once: the dev server boots and the client connects in the
background, so the API serves meanwhile and `/readyz` says `workflows: starting`.
`wait_ready()` waits for the client; `check()` is the readiness probe; `stop()` lets
activities in flight finish (a short grace), then stops the dev server.

Workflow modules run in Temporal's sandbox, which re-imports them (and what they import
that is not passed through) for every run: import activities and heavy modules inside
`with workflow.unsafe.imports_passed_through():`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from swarmdeck.config import Settings
from swarmdeck.core.errors import Unavailable
from swarmdeck.core.status import Status, StatusBoard

# The SDK loads when the service starts: every CLI command builds a Runtime, and most
# never touch Temporal (importing it costs ~0.5 s).
if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from swarmdeck.workflows.devserver import DevServer

log = logging.getLogger(__name__)

COMPONENT = "workflows"
"""The name on the status board and in `/readyz`."""

WORKER_SHUTDOWN_GRACE = timedelta(seconds=3)
"""How long activities in flight may finish at shutdown before they are cancelled (Temporal
retries them later, here or on another worker)."""

_PROBE_TIMEOUT = timedelta(seconds=2)
_BACKOFF_START = 0.5
_BACKOFF_MAX = 30.0

Activity = Callable[..., Any]


class TemporalService:
    """Connects to Temporal (starting the embedded dev server if needed) and runs the worker."""

    def __init__(
        self,
        settings: Settings,
        *,
        status: StatusBoard | None = None,
        run_worker: bool | None = None,
        workflows: Sequence[type] = (),
        activities: Sequence[Activity] = (),
    ) -> None:
        self.settings = settings
        self.enabled = settings.temporal_enabled
        self.embedded = settings.temporal_address is None
        if run_worker is None:
            run_worker = settings.temporal_worker
        self.run_worker = self.embedded if run_worker is None else run_worker
        self.dev_server: DevServer | None = None
        """The embedded server, once `start()` has made it."""
        self._status = status
        self._workflows: list[type] = list(workflows)
        self._activities: list[Activity] = list(activities)
        self._client: Client | None = None
        self._connected = asyncio.Event()
        self._problem: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._worker: Worker | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    def register(
        self, *, workflows: Iterable[type] = (), activities: Iterable[Activity] = ()
    ) -> None:
        """Add workflow classes and activity callables for this process's worker (before `start`)."""
        if self._task is not None:
            raise RuntimeError("register workflows and activities before TemporalService.start()")
        self._workflows.extend(w for w in workflows if w not in self._workflows)
        self._activities.extend(a for a in activities if a not in self._activities)

    @property
    def address(self) -> str | None:
        """Where Temporal answers: the cluster's address, or the dev server's once started."""
        if self.dev_server is not None:
            with contextlib.suppress(Unavailable):
                return self.dev_server.address
            return None
        return self.settings.temporal_address

    @property
    def ui_url(self) -> str | None:
        """The embedded dev server's Web UI (with `SWARMDECK_TEMPORAL_UI=true`), for a link."""
        return self.dev_server.ui_url if self.dev_server is not None else None

    @property
    def client(self) -> Client:
        """The connected client; `Unavailable` (503) while off, starting or unreachable."""
        if not self.enabled:
            raise Unavailable("workflows are turned off (SWARMDECK_TEMPORAL_ENABLED=false)")
        if self._client is None:
            raise Unavailable(f"workflows are not available yet: {self._problem or 'starting'}")
        return self._client

    @property
    def worker_running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    async def start(self) -> None:
        """Begin connecting (and starting the dev server and worker) in the background."""
        if not self.enabled or self._task is not None:
            return
        if self.embedded:
            from swarmdeck.workflows.devserver import DevServer

            self.dev_server = DevServer(
                self.settings.data_dir,
                namespace=self.settings.temporal_namespace,
                ui=self.settings.temporal_ui,
                on_change=self._dev_server_changed,
            )
            if not self.settings.embedded:
                log.warning(
                    "SWARMDECK_TEMPORAL_ADDRESS is not set: this replica runs a Temporal dev "
                    "server of its own, which other replicas do not share; point them all at "
                    "one cluster"
                )
        await self._report("starting", "starting the dev server" if self.embedded else "connecting")
        self._task = asyncio.create_task(self._run(), name="temporal")

    async def wait_ready(self) -> Client:
        """The client once connected (bound it with `asyncio.timeout`)."""
        if not self.enabled:
            raise Unavailable("workflows are turned off (SWARMDECK_TEMPORAL_ENABLED=false)")
        await self._connected.wait()
        return self.client

    async def check(self) -> str | None:
        """None when Temporal answers for our namespace (and the worker runs, if we run one)."""
        if self._client is None:
            return self._problem or "starting"
        dev = self.dev_server
        if dev is not None and dev.state != "running":
            return f"dev server {dev.state}: {dev.reason or 'no reason given'}"
        if self._problem is not None:
            return self._problem
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

        try:
            await self._client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=self.settings.temporal_namespace),
                timeout=_PROBE_TIMEOUT,
            )
        except Exception as exc:
            return _describe(exc)
        return None

    def describe(self) -> str:
        """What the status board shows while all is well."""
        where = f"dev server {self.address}" if self.embedded else f"{self.address}"
        where += f", namespace {self.settings.temporal_namespace}"
        if not self.run_worker:
            return f"{where}, no worker in this process"
        if not (self._workflows or self._activities):
            return f"{where}, nothing registered to run"
        return f"{where}, worker on task queue {self.settings.temporal_task_queue}"

    async def report(self, problem: str | None) -> None:
        """Put a fresh `check()` answer on the status board (the runtime's health beat)."""
        if problem is None:
            await self._report("ok", self.describe())
        elif self._client is None and self._problem is None:
            await self._report("starting", problem)
        else:
            await self._report("down", problem)

    async def stop(self) -> None:
        """Let the worker finish what is in flight (a short grace), then stop the dev server."""
        worker = self._worker
        if worker is not None and worker.is_running:
            try:
                grace = WORKER_SHUTDOWN_GRACE.total_seconds() + 5
                await asyncio.wait_for(worker.shutdown(), grace)
            except Exception:
                log.exception("the workflow worker did not shut down cleanly")
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._worker = None
        self._client = None
        self._connected.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self.dev_server is not None:
            await self.dev_server.stop()

    async def _run(self) -> None:
        """Connect (retrying with backoff), then run the worker until stopped."""
        from swarmdeck.workflows.connection import connect

        delay = _BACKOFF_START
        while self._client is None:
            try:
                dev = self.dev_server
                if dev is not None and dev.state in ("stopped", "failed"):
                    await dev.start()
                self._client = await connect(self.settings, address=self.address)
            except Exception as exc:
                self._problem = str(exc) if isinstance(exc, Unavailable) else _describe(exc)
                await self._report("down", self._problem)
                log.warning(
                    "workflows: Temporal is not reachable; retrying",
                    extra={"problem": self._problem, "address": self.address, "delay": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
        self._problem = None
        self._connected.set()
        await self._report("ok", self.describe())
        if self.run_worker and (self._workflows or self._activities):
            await self._run_worker()

    async def _run_worker(self) -> None:
        delay = _BACKOFF_START
        while True:
            try:
                worker = self._worker = self._new_worker()
            except Exception as exc:  # a workflow that fails the sandbox's validation
                log.exception("the workflow worker cannot start")
                self._problem = f"worker cannot start: {_describe(exc)}"
                await self._report("down", self._problem)
                return
            try:
                await worker.run()
                return  # shut down on purpose
            except Exception as exc:
                self._problem = f"worker failed: {_describe(exc)}"
                await self._report("down", self._problem)
                log.exception("the workflow worker failed; restarting it", extra={"delay": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_MAX)
            self._problem = None
            await self._report("ok", self.describe())

    def _new_worker(self) -> Worker:
        from temporalio.worker import Worker

        sync = [a for a in self._activities if not inspect.iscoroutinefunction(a)]
        if sync and self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="activity")
        return Worker(
            self.client,
            task_queue=self.settings.temporal_task_queue,
            workflows=self._workflows,
            activities=self._activities,
            activity_executor=self._executor,
            graceful_shutdown_timeout=WORKER_SHUTDOWN_GRACE,
        )

    async def _dev_server_changed(self, dev: DevServer) -> None:
        if self._client is None:
            return  # `_run` reports while connecting
        if dev.state == "running":
            await self._report("ok", self.describe())
        elif dev.state == "restarting":
            await self._report("down", f"dev server restarting: {dev.reason}")

    async def _report(self, status: Status, detail: str | None) -> None:
        if self._status is not None:
            await self._status.set(COMPONENT, status, detail)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
