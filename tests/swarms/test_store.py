"""Run records on both storage engines: a step written twice is one row, counted once; a
failed attempt written twice is one row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from swarmdeck.core.db import Database
from swarmdeck.core.models import utcnow, uuid7
from swarmdeck.swarms.attempts import FailedAttempt
from swarmdeck.swarms.runs import RunRecord, RunStore, StepRecord


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[RunStore]:
    db = Database(database_url)
    await db.migrate()
    yield RunStore(db)
    await db.aclose()


async def new_run(store: RunStore, swarm: str = "s") -> str:
    run_id = str(uuid7())
    await store.create(
        RunRecord(
            id=run_id, swarm=swarm, pattern="sequential", task="t", status="running",
            agents=[{"name": "a", "agent": "a", "model": "gpt"}], budget_usd=Decimal("0.5"),
            started_by="test", created_at=utcnow(),
        )
    )  # fmt: skip
    return run_id


def step(run_id: str, seq: int, cost: str = "0.000123456") -> StepRecord:
    now = utcnow()
    return StepRecord(
        run_id=run_id, seq=seq, instance="a", agent="a", role="agent", turn=seq, model="gpt",
        started_at=now - timedelta(milliseconds=250), finished_at=now, input_tokens=10,
        output_tokens=5, cost_usd=Decimal(cost), output="hi", tool_calls=[{"name": "t"}],
        call_ids=["c1"], result={"seq": seq},
    )  # fmt: skip


async def test_a_step_written_twice_is_one_row_counted_once(store: RunStore) -> None:
    run_id = await new_run(store)
    assert await store.add_step(step(run_id, 1))
    assert not await store.add_step(step(run_id, 1, cost="9"))  # a retried activity
    assert await store.add_step(step(run_id, 2))
    run = await store.get(run_id)
    assert run is not None
    assert [s.seq for s in run.steps] == [1, 2]
    assert run.steps[0].cost_usd == Decimal("0.000123456")  # the first write stands
    assert run.cost_usd == Decimal("0.000246912")
    assert (run.input_tokens, run.output_tokens) == (20, 10)
    assert run.steps[0].duration_ms == pytest.approx(250)
    assert await store.step_result(run_id, 1) == {"seq": 1}
    assert await store.step_result(run_id, 3) is None


async def test_a_run_ends_once(store: RunStore) -> None:
    run_id = await new_run(store)
    assert await store.finish(run_id, "completed", output="done")
    assert not await store.finish(run_id, "failed", error="late")
    run = await store.get(run_id)
    assert run is not None
    assert (run.status, run.output, run.error) == ("completed", "done", None)
    assert run.finished_at is not None and run.budget_usd == Decimal("0.5")


async def test_recent_runs_newest_first_by_swarm_and_status(store: RunStore) -> None:
    swarm = f"s-{uuid7().hex[:8]}"
    first, second = await new_run(store, swarm), await new_run(store, swarm)
    await store.finish(first, "failed", error="x")
    assert [r.id for r in await store.recent(swarm=swarm)] == [second, first]
    assert [r.id for r in await store.recent(swarm=swarm, status="failed")] == [first]
    assert [r.id for r in await store.recent(swarm=swarm, limit=1)] == [second]


def failure(
    run_id: str, seq: int, attempt: int, *, ago_ms: int, error: str = "502"
) -> FailedAttempt:
    at = utcnow() - timedelta(milliseconds=ago_ms)
    return FailedAttempt(
        run_id=run_id, seq=seq, attempt=attempt, instance="a", agent="a", role="agent",
        turn=seq, model="gpt", started_at=at, finished_at=at + timedelta(milliseconds=40),
        error_type="upstream_error", error=error, retryable=True,
    )  # fmt: skip


async def test_a_failed_attempt_written_twice_is_one_row_and_attempts_come_by_time(
    store: RunStore,
) -> None:
    run_id = await new_run(store)
    assert await store.add_failed_attempt(failure(run_id, 2, 1, ago_ms=100))
    assert not await store.add_failed_attempt(failure(run_id, 2, 1, ago_ms=100, error="again"))
    assert await store.add_failed_attempt(failure(run_id, 1, 1, ago_ms=900))
    assert await store.add_failed_attempt(failure(run_id, 2, 2, ago_ms=50))
    run = await store.get(run_id)
    assert run is not None
    assert [(a.seq, a.attempt) for a in run.failed_attempts] == [(1, 1), (2, 1), (2, 2)]
    assert run.failed_attempts[1].error == "502"  # the first write stands
    assert run.failed_attempts[0].duration_ms == pytest.approx(40)
    assert run.failed_attempts[0].started_at.tzinfo is not None
    assert run.steps == [] and run.cost_usd == 0  # an attempt costs the run nothing here
