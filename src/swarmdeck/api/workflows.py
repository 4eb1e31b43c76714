"""The Temporal executions behind durable work (swarm runs today), for the Workflows page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal
from swarmdeck.workflows.executions import ExecutionStatus, list_executions

router = APIRouter(tags=["workflows"])


class ExecutionOut(BaseModel):
    workflow_id: str
    run_id: str = Field(description="Temporal's run id of this execution")
    workflow_type: str
    status: ExecutionStatus
    task_queue: str
    started_at: datetime
    closed_at: datetime | None
    history_length: int
    swarm_run: str | None = Field(description="the swarm run it executes (`/api/runs/{id}`)")
    ui_url: str | None = Field(description="in the Temporal Web UI, when one is served")


class Executions(BaseModel):
    namespace: str
    temporal_ui: str | None
    executions: list[ExecutionOut]


@router.get("/api/workflows", responses=error_responses(401, 403, 422, 503))
async def list_workflows(
    runtime: RuntimeDep,
    _: Principal = require("workflow", "read"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Executions:
    """The newest Temporal executions in SwarmDeck's namespace, from Temporal itself.

    503 while workflows are off or Temporal is unreachable.
    """
    namespace = runtime.settings.temporal_namespace
    ui = runtime.workflows.ui_url
    found = await list_executions(
        runtime.workflows.client, namespace=namespace, limit=limit, ui_url=ui
    )
    return Executions(
        namespace=namespace,
        temporal_ui=ui,
        executions=[ExecutionOut(**vars(execution)) for execution in found],
    )
