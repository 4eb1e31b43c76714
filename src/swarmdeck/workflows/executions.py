"""The Temporal executions in our namespace, as the Workflows page lists them.

Read from Temporal's visibility store (the dev server's SQLite, or the cluster's), not from
our own tables: it shows every workflow, including ones that failed to record their end,
and links each to the Temporal Web UI when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

if TYPE_CHECKING:
    from temporalio.client import Client

ExecutionStatus = Literal[
    "running", "completed", "failed", "cancelled", "terminated", "continued_as_new", "timed_out"
]
_RUN_PREFIX = "swarm-run-"


@dataclass(frozen=True)
class Execution:
    workflow_id: str
    run_id: str
    workflow_type: str
    status: ExecutionStatus
    task_queue: str
    started_at: datetime
    closed_at: datetime | None
    history_length: int
    swarm_run: str | None
    """Our run id, for executions of swarm runs."""
    ui_url: str | None
    """This execution in the Temporal Web UI, when one is served."""


async def list_executions(
    client: Client, *, namespace: str, limit: int, ui_url: str | None = None
) -> list[Execution]:
    """The newest `limit` executions, newest first."""
    executions = []
    async for found in client.list_workflows(limit=limit, page_size=min(limit, 1000)):
        status = found.status.name.lower() if found.status is not None else "running"
        executions.append(
            Execution(
                workflow_id=found.id,
                run_id=found.run_id,
                workflow_type=found.workflow_type,
                status="cancelled" if status == "canceled" else status,  # type: ignore[arg-type]
                task_queue=found.task_queue,
                started_at=found.start_time,
                closed_at=found.close_time,
                history_length=found.history_length,
                swarm_run=found.id.removeprefix(_RUN_PREFIX)
                if found.id.startswith(_RUN_PREFIX)
                else None,
                ui_url=None
                if ui_url is None
                else f"{ui_url.rstrip('/')}/namespaces/{quote(namespace)}/workflows/"
                f"{quote(found.id, safe='')}/{quote(found.run_id)}/history",
            )
        )
    executions.sort(key=lambda execution: execution.started_at, reverse=True)
    return executions
