"""Run records: one row per run, one per agent turn, one per failed attempt at a turn,
written by the run's activities and read by the API. Writing a step or an attempt twice (a
retried activity) leaves one row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from swarmdeck.core.db import Database
from swarmdeck.core.models import utcnow
from swarmdeck.swarms._tables import RunRow, StepRow
from swarmdeck.swarms.attempts import FailedAttempt, attempts_of, failed_attempt, insert_attempt

RUNS_TOPIC = "runs"
"""The bus topic of runs and their steps, as they start, go on and end."""

RunStatus = Literal["running", "completed", "failed", "cancelled"]
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class StepRecord:
    """One agent turn: a model call and the tool calls it asked for."""

    run_id: str
    seq: int
    instance: str
    agent: str
    role: str
    turn: int
    model: str
    started_at: datetime
    finished_at: datetime
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    output: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    call_ids: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() * 1000


@dataclass(frozen=True)
class RunRecord:
    id: str
    swarm: str
    pattern: str
    task: str
    status: RunStatus
    agents: list[dict[str, Any]]
    budget_usd: Decimal | None
    started_by: str
    created_at: datetime
    finished_at: datetime | None = None
    output: str | None = None
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    steps: list[StepRecord] = field(default_factory=list)
    failed_attempts: list[FailedAttempt] = field(default_factory=list)
    """Attempts at turns that failed, in the order they began."""


class RunStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, run: RunRecord) -> None:
        async with self._db.session() as session:
            session.add(
                RunRow(
                    id=run.id,
                    swarm=run.swarm,
                    pattern=run.pattern,
                    task=run.task,
                    status=run.status,
                    agents=run.agents,
                    budget_usd=run.budget_usd,
                    started_by=run.started_by,
                    created_at=run.created_at,
                    input_tokens=0,
                    output_tokens=0,
                    cost_usd=Decimal(0),
                )
            )

    async def finish(
        self,
        run_id: str,
        status: RunStatus,
        *,
        output: str | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        """End a running run; False when it had ended already (a retried write)."""
        async with self._db.session() as session:
            result = await session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status == "running")
                .values(status=status, output=output, error=error, finished_at=at or utcnow())
                .returning(RunRow.id)
            )
            return result.scalar_one_or_none() is not None

    async def add_step(self, step: StepRecord) -> bool:
        """Write a step once; False when it was there already. The run's totals grow only
        with a step actually written."""
        insert = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        statement = (
            insert(StepRow)
            .values(
                run_id=step.run_id,
                seq=step.seq,
                instance=step.instance,
                agent=step.agent,
                role=step.role,
                turn=step.turn,
                model=step.model,
                started_at=step.started_at,
                finished_at=step.finished_at,
                input_tokens=step.input_tokens,
                output_tokens=step.output_tokens,
                cost_usd=step.cost_usd,
                output=step.output,
                tool_calls=step.tool_calls,
                call_ids=step.call_ids,
                result=step.result,
            )
            .on_conflict_do_nothing(index_elements=[StepRow.run_id, StepRow.seq])
            .returning(StepRow.seq)
        )
        async with self._db.session() as session:
            written = (await session.execute(statement)).scalar_one_or_none() is not None
            if written:
                await session.execute(
                    update(RunRow)
                    .where(RunRow.id == step.run_id)
                    .values(
                        input_tokens=RunRow.input_tokens + step.input_tokens,
                        output_tokens=RunRow.output_tokens + step.output_tokens,
                        cost_usd=RunRow.cost_usd + step.cost_usd,
                    )
                )
            return written

    async def add_failed_attempt(self, attempt: FailedAttempt) -> bool:
        """Write a failed attempt once; False when it was there already."""
        async with self._db.session() as session:
            result = await session.execute(insert_attempt(self._db.dialect, attempt))
            return result.scalar_one_or_none() is not None

    async def step_result(self, run_id: str, seq: int) -> dict[str, Any] | None:
        """The stored result of a step already written, for a retried turn to return."""
        async with self._db.session() as session:
            row = await session.get(StepRow, (run_id, seq))
            return None if row is None else cast(dict[str, Any], row.result)

    async def get(self, run_id: str) -> RunRecord | None:
        """A run with its steps in order and its failed attempts by time."""
        async with self._db.session() as session:
            row = await session.get(RunRow, run_id)
            if row is None:
                return None
            steps = await session.scalars(
                select(StepRow).where(StepRow.run_id == run_id).order_by(StepRow.seq)
            )
            attempts = await session.scalars(attempts_of(run_id))
            return _run(row, [_step(step) for step in steps], [failed_attempt(a) for a in attempts])

    async def recent(
        self, *, swarm: str | None = None, status: RunStatus | None = None, limit: int = 50
    ) -> list[RunRecord]:
        """The newest runs first, without their steps."""
        query = select(RunRow).order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(limit)
        if swarm is not None:
            query = query.where(RunRow.swarm == swarm)
        if status is not None:
            query = query.where(RunRow.status == status)
        async with self._db.session() as session:
            return [_run(row, []) for row in await session.scalars(query)]


def _run(
    row: RunRow, steps: list[StepRecord], attempts: list[FailedAttempt] | None = None
) -> RunRecord:
    return RunRecord(
        id=row.id,
        swarm=row.swarm,
        pattern=row.pattern,
        task=row.task,
        status=cast(RunStatus, row.status),
        agents=list(row.agents),
        budget_usd=row.budget_usd,
        started_by=row.started_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
        output=row.output,
        error=row.error,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost_usd=row.cost_usd,
        steps=steps,
        failed_attempts=attempts or [],
    )


def _step(row: StepRow) -> StepRecord:
    return StepRecord(
        run_id=row.run_id,
        seq=row.seq,
        instance=row.instance,
        agent=row.agent,
        role=row.role,
        turn=row.turn,
        model=row.model,
        started_at=row.started_at,
        finished_at=row.finished_at,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost_usd=row.cost_usd,
        output=row.output,
        tool_calls=list(row.tool_calls),
        call_ids=list(row.call_ids),
        result=dict(row.result),
    )
