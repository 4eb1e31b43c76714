"""Swarms and their runs: definitions (audited), scaling, starting, following, cancelling.

USD amounts are decimal strings, as everywhere in the API. A run is started here and
carried out by a Temporal worker; `GET /api/runs/{id}` shows its steps as they are
written and the attempts at turns that failed, and the bus topic `runs` announces each one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from temporalio.client import Client

from swarmdeck.api.body import RequestBody
from swarmdeck.api.deps import RuntimeDep, caller_of, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal
from swarmdeck.core.errors import Unavailable
from swarmdeck.runtime import Runtime
from swarmdeck.swarms.attempts import FailedAttempt
from swarmdeck.swarms.config import MAX_AGENTS, NAME_PATTERN, AgentConfig, Pattern, SwarmConfig
from swarmdeck.swarms.plan import AgentInstance, scale_bounds
from swarmdeck.swarms.runs import RunRecord, RunStatus, StepRecord
from swarmdeck.swarms.service import SwarmService, SwarmView

router = APIRouter(tags=["swarms"])

SwarmName = Annotated[str, Path(pattern=NAME_PATTERN)]
RunId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
Usd = Annotated[str, Field(description="USD as an exact decimal string", examples=["0.0125"])]
MAX_RUNS = 500


def swarms_of(runtime: Runtime) -> SwarmService:
    return runtime.swarms


def temporal_client(runtime: Runtime) -> Client:
    """The runtime's Temporal client; 503 while it connects or when workflows are off."""
    return runtime.workflows.client


# -- schemas ---------------------------------------------------------------------------


class InstanceOut(BaseModel):
    name: str = Field(description="`researcher.2` for the second of several instances")
    agent: str
    model: str

    @classmethod
    def of(cls, instance: AgentInstance | dict[str, Any]) -> InstanceOut:
        if isinstance(instance, AgentInstance):
            return cls(name=instance.name, agent=instance.agent, model=instance.model)
        return cls(name=instance["name"], agent=instance["agent"], model=instance["model"])


class SwarmOut(BaseModel):
    name: str
    pattern: Pattern
    agents: list[AgentConfig]
    budget_usd: Usd | None
    timeout: float = Field(description="seconds")
    from_config: bool = Field(description="from the YAML file: read-only (409 on change)")
    scale: int | None = Field(description="the total set by scaling; null: the definition's")
    agent_count: int = Field(description="agent instances the next run gets")
    scale_min: int
    scale_max: int
    instances: list[InstanceOut] = Field(description="what the next run gets")

    @classmethod
    def of(cls, view: SwarmView) -> SwarmOut:
        config = view.config
        low, high = scale_bounds(config)
        return cls(
            name=view.name,
            pattern=config.pattern,
            agents=list(config.agents),
            budget_usd=None if config.budget_usd is None else str(config.budget_usd),
            timeout=config.timeout,
            from_config=view.source == "config",
            scale=view.scale,
            agent_count=len(view.instances),
            scale_min=low,
            scale_max=high,
            instances=[InstanceOut.of(instance) for instance in view.instances],
        )


class NewSwarm(SwarmConfig):
    """A swarm's name and definition (as in the YAML file's `swarms:` section)."""

    name: str = Field(pattern=NAME_PATTERN)

    def config(self) -> SwarmConfig:
        return SwarmConfig.model_validate(self.model_dump(exclude={"name"}))


class Scale(RequestBody):
    agents: int = Field(ge=1, le=MAX_AGENTS, description="agent instances of later runs in total")


class NewRun(RequestBody):
    task: str = Field(min_length=1, max_length=100_000)


class StepOut(BaseModel):
    seq: int = Field(description="its place in the run")
    agent: str
    instance: str
    role: str = Field(description="agent, planner, worker, merge or supervisor")
    turn: int
    model: str
    started_at: datetime
    finished_at: datetime
    duration_ms: float
    input_tokens: int
    output_tokens: int
    cost_usd: Usd
    output: str | None
    tool_calls: list[dict[str, Any]]
    done: bool = Field(description="the agent answered (rather than calling tools or delegating)")
    delegations: list[str | None] = Field(
        description="workers a supervisor's turn delegated to (null: all of them)"
    )

    @classmethod
    def of(cls, step: StepRecord) -> StepOut:
        return cls(
            seq=step.seq,
            agent=step.agent,
            instance=step.instance,
            role=step.role,
            turn=step.turn,
            model=step.model,
            started_at=step.started_at,
            finished_at=step.finished_at,
            duration_ms=round(step.duration_ms, 3),
            input_tokens=step.input_tokens,
            output_tokens=step.output_tokens,
            cost_usd=str(step.cost_usd),
            output=step.output,
            tool_calls=step.tool_calls,
            done=bool(step.result.get("done", True)),
            delegations=[d.get("worker") for d in step.result.get("delegations", ())],
        )


class FailedAttemptOut(BaseModel):
    seq: int = Field(description="the turn's place in the run (its step, if one succeeded)")
    attempt: int = Field(description="Temporal's attempt number, from 1")
    agent: str
    instance: str
    role: str
    turn: int
    model: str
    started_at: datetime
    finished_at: datetime
    duration_ms: float
    error_type: str = Field(
        description="the gateway's error type, or an unexpected exception's class name"
    )
    error: str
    retryable: bool = Field(description="false: the run failed at once (a refusal)")

    @classmethod
    def of(cls, attempt: FailedAttempt) -> FailedAttemptOut:
        return cls(
            seq=attempt.seq,
            attempt=attempt.attempt,
            agent=attempt.agent,
            instance=attempt.instance,
            role=attempt.role,
            turn=attempt.turn,
            model=attempt.model,
            started_at=attempt.started_at,
            finished_at=attempt.finished_at,
            duration_ms=round(attempt.duration_ms, 3),
            error_type=attempt.error_type,
            error=attempt.error,
            retryable=attempt.retryable,
        )


class RunSummary(BaseModel):
    id: str
    swarm: str
    pattern: str
    task: str
    status: RunStatus
    agents: list[InstanceOut]
    budget_usd: Usd | None
    started_by: str
    created_at: datetime
    finished_at: datetime | None
    duration_ms: float | None
    output: str | None
    error: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: Usd

    @classmethod
    def fields_of(cls, run: RunRecord) -> dict[str, Any]:
        end = run.finished_at
        return {
            "id": run.id,
            "swarm": run.swarm,
            "pattern": run.pattern,
            "task": run.task,
            "status": run.status,
            "agents": [InstanceOut.of(agent) for agent in run.agents],
            "budget_usd": None if run.budget_usd is None else str(run.budget_usd),
            "started_by": run.started_by,
            "created_at": run.created_at,
            "finished_at": end,
            "duration_ms": None if end is None else (end - run.created_at).total_seconds() * 1000,
            "output": run.output,
            "error": run.error,
            "input_tokens": run.input_tokens,
            "output_tokens": run.output_tokens,
            "cost_usd": str(run.cost_usd),
        }


class RunOut(RunSummary):
    steps: list[StepOut]
    failed_attempts: list[FailedAttemptOut] = Field(
        description="attempts at turns that failed (retried, or failing the run), by start time"
    )
    active: list[str] | None = Field(
        default=None, description="instances whose turn is in flight (running runs only)"
    )

    @classmethod
    def of(cls, run: RunRecord, active: list[str] | None = None) -> RunOut:
        return cls(
            **RunSummary.fields_of(run),
            steps=[StepOut.of(step) for step in run.steps],
            failed_attempts=[FailedAttemptOut.of(a) for a in run.failed_attempts],
            active=active,
        )


# -- definitions -----------------------------------------------------------------------


@router.get("/api/swarms", responses=error_responses(401, 403, 503))
async def list_swarms(
    runtime: RuntimeDep, _: Principal = require("swarm", "read")
) -> list[SwarmOut]:
    """Every swarm, from the config file and created here, with what its next run gets."""
    return [SwarmOut.of(view) for view in await swarms_of(runtime).list_swarms()]


@router.post("/api/swarms", status_code=201, responses=error_responses(401, 403, 409, 422, 503))
async def create_swarm(
    body: NewSwarm,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("swarm", "write"),
) -> SwarmOut:
    """Add a swarm (kept across restarts, seen by every replica; audited)."""
    view = await swarms_of(runtime).create(caller_of(request, principal), body.name, body.config())
    return SwarmOut.of(view)


@router.get("/api/swarms/{name}", responses=error_responses(401, 403, 404, 422, 503))
async def get_swarm(
    name: SwarmName, runtime: RuntimeDep, _: Principal = require("swarm", "read")
) -> SwarmOut:
    return SwarmOut.of(await swarms_of(runtime).get(name))


@router.put("/api/swarms/{name}", responses=error_responses(401, 403, 404, 409, 422, 503))
async def update_swarm(
    name: SwarmName,
    body: SwarmConfig,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("swarm", "write"),
) -> SwarmOut:
    """Replace a swarm's definition (audited); later runs use it. Config-file swarms: 409."""
    view = await swarms_of(runtime).update(caller_of(request, principal), name, body)
    return SwarmOut.of(view)


@router.delete(
    "/api/swarms/{name}", status_code=204, responses=error_responses(401, 403, 404, 409, 422, 503)
)
async def delete_swarm(
    name: SwarmName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("swarm", "delete"),
) -> None:
    """Forget a swarm (audited); its past runs stay. Config-file swarms: 409."""
    await swarms_of(runtime).delete(caller_of(request, principal), name)


@router.post("/api/swarms/{name}/scale", responses=error_responses(401, 403, 404, 422, 503))
async def scale_swarm(
    name: SwarmName,
    body: Scale,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("agent", "write", "scale"),
) -> SwarmOut:
    """Set the total number of agent instances of the swarm's later runs (audited).

    The agent that sets `replicas` (else the last agent) takes the difference; 422 when
    the total is outside `scale_min`..`scale_max`.
    """
    view = await swarms_of(runtime).scale(caller_of(request, principal), name, body.agents)
    return SwarmOut.of(view)


# -- runs ------------------------------------------------------------------------------


@router.post(
    "/api/swarms/{name}/runs", status_code=201, responses=error_responses(401, 403, 404, 422, 503)
)
async def start_run(
    name: SwarmName,
    body: NewRun,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("swarm", "execute"),
) -> RunOut:
    """Start a run of the swarm on a task (audited); it runs on, follow it by its id."""
    service = swarms_of(runtime)
    await service.get(name)  # 404 before 503
    run = await service.start_run(
        caller_of(request, principal), name, body.task, temporal_client(runtime)
    )
    return RunOut.of(run)


@router.get("/api/runs", responses=error_responses(401, 403, 422, 503))
async def list_runs(
    runtime: RuntimeDep,
    _: Principal = require("run", "read"),
    swarm: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 50,
) -> list[RunSummary]:
    """The newest runs first, of every swarm or of one."""
    runs = await swarms_of(runtime).list_runs(swarm=swarm, status=status, limit=limit)
    return [RunSummary(**RunSummary.fields_of(run)) for run in runs]


@router.get("/api/runs/{run_id}", responses=error_responses(401, 403, 404, 422, 503))
async def get_run(
    run_id: RunId, runtime: RuntimeDep, _: Principal = require("run", "read")
) -> RunOut:
    """A run with its steps so far (agent, timing, tokens, cost, output) and the attempts at
    turns that failed."""
    service = swarms_of(runtime)
    run = await service.get_run(run_id)
    active = None
    if run.status == "running":
        active = await _active(service, runtime, run_id)
    return RunOut.of(run, active)


@router.post(
    "/api/runs/{run_id}/cancel",
    status_code=202,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def cancel_run(
    run_id: RunId,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("run", "execute", "cancel"),
) -> RunOut:
    """Ask a running run to stop (audited); it shows `cancelled` once its workflow has."""
    service = swarms_of(runtime)
    await service.get_run(run_id)  # 404 before 503
    run = await service.cancel_run(caller_of(request, principal), run_id, temporal_client(runtime))
    return RunOut.of(run)


async def _active(service: SwarmService, runtime: Runtime, run_id: str) -> list[str] | None:
    try:
        client = temporal_client(runtime)
    except Unavailable:
        return None
    return await service.active_agents(run_id, client)
