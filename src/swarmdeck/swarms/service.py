"""Swarm definitions, their scale, and their runs: the layer the API, CLI and NL ops call.

Swarms from the YAML file are read-only here; swarms created through the API live in the
key-value store, so they survive restarts and every replica sees them. The scale of any
swarm (the total number of agent instances its next runs use) is runtime state in the
key-value store too. Each change is audited and announced on the bus topic `swarms`.

A run is a Temporal workflow (`workflows.swarm_run`). `start_run` plans its instances,
writes its record, and starts the workflow with the client it is handed; the run's
activities write its steps and its end (`workflows.agent_activities`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from opentelemetry import propagate, trace
from pydantic import ValidationError
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.service import RPCError, RPCStatusCode

from swarmdeck.config import ConfigError
from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth import Caller
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict, InvalidInput, NotFound, Unavailable
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.core.models import utcnow, uuid7
from swarmdeck.core.telemetry import tracer
from swarmdeck.swarms.config import SwarmConfig, check_swarm_models
from swarmdeck.swarms.plan import AgentInstance, plan, scale_bounds
from swarmdeck.swarms.runs import RUNS_TOPIC, TERMINAL, RunRecord, RunStatus, RunStore
from swarmdeck.workflows.swarm_run import (
    RunInput,
    RunState,
    SwarmRunWorkflow,
    instance_of,
    workflow_id,
)

log = logging.getLogger(__name__)

TOPIC = "swarms"
KV_SWARMS = "swarms"
KV_SCALE = "swarm-scale"
TIMEOUT_GRACE = timedelta(minutes=5)
"""Temporal's own limit on a run: past its timeout, time to record the failure."""
LIVE_TIMEOUT = timedelta(seconds=2)
"""How long a read waits for Temporal's view of a running run."""

Change = Literal["added", "updated", "removed"]
_ACTIONS: dict[Change, str] = {
    "added": "swarm.create",
    "updated": "swarm.update",
    "removed": "swarm.delete",
}


@dataclass(frozen=True)
class SwarmView:
    """A swarm as the API shows it: its definition, where it comes from, its scale."""

    name: str
    config: SwarmConfig
    source: Literal["config", "api"]
    scale: int | None
    """The total set with `scale`, or None: the definition's own count."""
    instances: list[AgentInstance]
    """What the next run gets."""


class SwarmService:
    def __init__(
        self,
        db: Database,
        kv: KeyValueStore,
        audit: AuditLog,
        bus: EventBus,
        *,
        configured: Mapping[str, SwarmConfig],
        models: Callable[[], Collection[str]],
        task_queue: str,
    ) -> None:
        """`configured`: the YAML file's swarms; `models`: the gateway's aliases now (agents'
        models must be among them); `task_queue`: where the worker runs swarm workflows."""
        self._kv = kv
        self._audit = audit
        self._bus = bus
        self._configured = dict(configured)
        self._models = models
        self.task_queue = task_queue
        self.runs = RunStore(db)
        self._tracer = tracer()
        try:
            check_swarm_models(self._configured, self._models())
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    # -- definitions ---------------------------------------------------------------------

    async def list_swarms(self) -> list[SwarmView]:
        names = set(self._configured) | set(await self._kv.keys(KV_SWARMS))
        views = []
        for name in sorted(names):
            view = await self._find(name)
            if view is not None:
                views.append(view)
        return views

    async def get(self, name: str) -> SwarmView:
        view = await self._find(name)
        if view is None:
            raise NotFound(f"no swarm {name!r}", details={"swarm": name})
        return view

    def from_config(self, name: str) -> bool:
        """Whether a swarm comes from the YAML file (read-only through the API)."""
        return name in self._configured

    async def create(self, caller: Caller, name: str, config: SwarmConfig) -> SwarmView:
        """Add a swarm (audited); 409 if the name is taken."""
        self._writable(name)
        self._check_models(name, config)
        await self._kv.create(KV_SWARMS, name, _stored(config))
        await self._changed(caller, name, "added", config)
        return await self.get(name)

    async def update(self, caller: Caller, name: str, config: SwarmConfig) -> SwarmView:
        """Replace a swarm's definition (audited); later runs use it. A scale the new
        definition cannot meet is dropped."""
        self._writable(name)
        if await self._kv.get(KV_SWARMS, name) is None:
            raise NotFound(f"no swarm {name!r}", details={"swarm": name})
        self._check_models(name, config)
        await self._kv.put(KV_SWARMS, name, _stored(config))
        scale = await self._scale(name)
        dropped = scale is not None and not _fits(config, scale)
        if dropped:
            await self._kv.delete(KV_SCALE, name)
        await self._changed(
            caller, name, "updated", config, scale_dropped=scale if dropped else None
        )
        return await self.get(name)

    async def delete(self, caller: Caller, name: str) -> None:
        self._writable(name)
        if not await self._kv.delete(KV_SWARMS, name):
            raise NotFound(f"no swarm {name!r}", details={"swarm": name})
        await self._kv.delete(KV_SCALE, name)
        await self._changed(caller, name, "removed", None)

    async def scale(self, caller: Caller, name: str, agents: int) -> SwarmView:
        """Set the total number of agent instances of the swarm's later runs (audited).

        The agent that sets `replicas` (else the last agent) takes the difference; 422
        when the others leave it no instance or the total passes the limit.
        """
        view = await self.get(name)
        before = len(view.instances)
        instances = plan(view.config, agents)
        await self._kv.put(KV_SCALE, name, agents)
        counts = _counts(instances)
        await self._audit.record(
            caller.actor,
            "swarm.scale",
            resource_type="swarm",
            resource_id=name,
            details={"from": before, "to": agents, "instances": counts},
        )
        await self._bus.publish(
            TOPIC,
            "swarm.scaled",
            {"swarm": name, "from": before, "agents": agents, "instances": counts},
        )
        return await self.get(name)

    async def plan(self, name: str) -> list[AgentInstance]:
        """The agent instances the swarm's next run gets."""
        return (await self.get(name)).instances

    async def _find(self, name: str) -> SwarmView | None:
        source: Literal["config", "api"]
        if name in self._configured:
            config, source = self._configured[name], "config"
        else:
            entry = await self._kv.get(KV_SWARMS, name)
            if entry is None:
                return None
            try:
                config = SwarmConfig.model_validate(entry.value)
            except ValidationError:
                log.exception("stored swarm %r cannot be used; skipped", name)
                return None
            source = "api"
        scale = await self._scale(name)
        if scale is not None and not _fits(config, scale):
            scale = None  # a config-file change since: the definition's count holds
        return SwarmView(name, config, source, scale, plan(config, scale))

    async def _scale(self, name: str) -> int | None:
        entry = await self._kv.get(KV_SCALE, name)
        return int(entry.value) if entry is not None else None

    def _writable(self, name: str) -> None:
        if name in self._configured:
            raise Conflict(
                f"swarm {name!r} comes from the config file; change it there",
                details={"swarm": name},
            )

    def _check_models(self, name: str, config: SwarmConfig) -> None:
        try:
            check_swarm_models({name: config}, self._models())
        except ValueError as exc:
            raise InvalidInput(str(exc), details={"swarm": name}) from None

    async def _changed(
        self,
        caller: Caller,
        name: str,
        change: Change,
        config: SwarmConfig | None,
        *,
        scale_dropped: int | None = None,
    ) -> None:
        details: dict[str, Any] = {}
        if config is not None:
            details["config"] = _stored(config)
        if scale_dropped is not None:
            details["scale_dropped"] = scale_dropped
        await self._audit.record(
            caller.actor,
            _ACTIONS[change],
            resource_type="swarm",
            resource_id=name,
            details=details or None,
        )
        await self._bus.publish(TOPIC, "swarm.configured", {"swarm": name, "change": change})

    # -- runs ----------------------------------------------------------------------------

    async def start_run(self, caller: Caller, name: str, task: str, client: Client) -> RunRecord:
        """Start a run of the swarm on `task` as a workflow (audited); its record, `running`."""
        view = await self.get(name)
        self._check_models(name, view.config)
        config = view.config
        record = RunRecord(
            id=str(uuid7()),
            swarm=name,
            pattern=config.pattern,
            task=task,
            status="running",
            agents=[dataclasses.asdict(instance) for instance in view.instances],
            budget_usd=config.budget_usd,
            started_by=caller.actor.name,
            created_at=utcnow(),
        )
        await self.runs.create(record)
        with self._tracer.start_as_current_span(
            f"invoke_workflow {name}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "invoke_workflow",
                "swarmdeck.swarm": name,
                "swarmdeck.run.id": record.id,
            },
        ):
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            try:
                await client.start_workflow(
                    SwarmRunWorkflow.run,
                    RunInput(
                        run_id=record.id,
                        swarm=name,
                        pattern=config.pattern,
                        task=task,
                        agents=view.instances,
                        budget_usd=None if config.budget_usd is None else str(config.budget_usd),
                        timeout_seconds=config.timeout,
                        trace=carrier,
                        compensations=dict(config.compensations),
                    ),
                    id=workflow_id(record.id),
                    task_queue=self.task_queue,
                    execution_timeout=timedelta(seconds=config.timeout) + TIMEOUT_GRACE,
                )
            except Exception as exc:
                await self.runs.finish(record.id, "failed", error=f"could not start: {exc}")
                log.exception("could not start a run of swarm %r", name)
                raise Unavailable(
                    "the workflow service did not take the run; try again",
                    details={"run": record.id},
                ) from None
        await self._audit.record(
            caller.actor,
            "swarm.run.start",
            resource_type="run",
            resource_id=record.id,
            details={"swarm": name, "agents": len(view.instances), "task": task},
        )
        await self._bus.publish(
            RUNS_TOPIC,
            "run.started",
            {
                "run": record.id,
                "swarm": name,
                "pattern": config.pattern,
                "agents": [instance.name for instance in view.instances],
                "status": "running",
            },
        )
        return record

    async def cancel_run(self, caller: Caller, run_id: str, client: Client) -> RunRecord:
        """Ask a running run's workflow to stop (audited); it records itself `cancelled`."""
        record = await self.get_run(run_id)
        if record.status in TERMINAL:
            raise Conflict(
                f"run {run_id} has ended ({record.status})", details={"status": record.status}
            )
        try:
            await client.get_workflow_handle(workflow_id(run_id)).cancel()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise Unavailable(f"the workflow service did not take the cancel: {exc}") from None
            # No workflow (it never started, or Temporal lost it): nothing will end it but us.
            await self.runs.finish(run_id, "cancelled", error="cancelled on request")
        await self._audit.record(
            caller.actor, "swarm.run.cancel", resource_type="run", resource_id=run_id,
            details={"swarm": record.swarm},
        )  # fmt: skip
        return await self.get_run(run_id)

    async def get_run(self, run_id: str) -> RunRecord:
        record = await self.runs.get(run_id)
        if record is None:
            raise NotFound(f"no run {run_id!r}", details={"run": run_id})
        return record

    async def list_runs(
        self, *, swarm: str | None = None, status: RunStatus | None = None, limit: int = 50
    ) -> list[RunRecord]:
        return await self.runs.recent(swarm=swarm, status=status, limit=limit)

    async def active_agents(self, run_id: str, client: Client) -> list[str] | None:
        """The instances whose turn is in flight (or waiting for a worker), as Temporal
        describes the run; None once it has closed or when Temporal cannot say."""
        handle = client.get_workflow_handle(workflow_id(run_id))
        try:
            description = await handle.describe(rpc_timeout=LIVE_TIMEOUT)
        except RPCError:
            return None
        if description.status != WorkflowExecutionStatus.RUNNING:
            return None
        pending = description.raw_description.pending_activities
        return [name for p in pending if (name := instance_of(p.activity_id)) is not None]

    async def live_state(self, run_id: str, client: Client) -> RunState | None:
        """The running workflow's own view (its `state` query, which a worker answers);
        None once it has closed, when no worker answers in time, or Temporal cannot say."""
        handle = client.get_workflow_handle(workflow_id(run_id))
        try:
            description = await handle.describe(rpc_timeout=LIVE_TIMEOUT)
            if description.status != WorkflowExecutionStatus.RUNNING:
                return None
            return await handle.query(SwarmRunWorkflow.state, rpc_timeout=LIVE_TIMEOUT)
        except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError):
            return None


def _stored(config: SwarmConfig) -> dict[str, Any]:
    return config.model_dump(mode="json")


def _fits(config: SwarmConfig, scale: int) -> bool:
    low, high = scale_bounds(config)
    return low <= scale <= high


def _counts(instances: Collection[AgentInstance]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for instance in instances:
        counts[instance.agent] = counts.get(instance.agent, 0) + 1
    return counts
