"""Failed attempts at a run's turns: what Temporal retried, or gave up on.

A turn's step is written only when an attempt succeeds; each attempt that fails is kept
here, keyed by `(run, seq, attempt)`, so a run's page shows its retries and the turn that
failed the run after the `runs` events have gone. `RunStore` writes and reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from swarmdeck.swarms._tables import AttemptRow


@dataclass(frozen=True)
class FailedAttempt:
    """One attempt at a turn that raised: its error, and whether trying again could help."""

    run_id: str
    seq: int
    attempt: int
    """Temporal's attempt number, from 1."""
    instance: str
    agent: str
    role: str
    turn: int
    model: str
    started_at: datetime
    finished_at: datetime
    error_type: str
    """The gateway's error type (`server_error`, `invalid_request_error`, ...) or, for an
    unexpected exception, its class name."""
    error: str
    retryable: bool

    @property
    def duration_ms(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() * 1000


def insert_attempt(dialect: str, attempt: FailedAttempt) -> ReturningInsert[tuple[int]]:
    """An insert that leaves an attempt already written alone (returns no row then)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(AttemptRow)
        .values(
            run_id=attempt.run_id,
            seq=attempt.seq,
            attempt=attempt.attempt,
            instance=attempt.instance,
            agent=attempt.agent,
            role=attempt.role,
            turn=attempt.turn,
            model=attempt.model,
            started_at=attempt.started_at,
            finished_at=attempt.finished_at,
            error_type=attempt.error_type,
            error=attempt.error,
            retryable=attempt.retryable,
        )
        .on_conflict_do_nothing(
            index_elements=[AttemptRow.run_id, AttemptRow.seq, AttemptRow.attempt]
        )
        .returning(AttemptRow.attempt)
    )


def attempts_of(run_id: str) -> Select[AttemptRow]:
    """A run's failed attempts in the order they began."""
    return (
        select(AttemptRow)
        .where(AttemptRow.run_id == run_id)
        .order_by(AttemptRow.started_at, AttemptRow.seq, AttemptRow.attempt)
    )


def failed_attempt(row: AttemptRow) -> FailedAttempt:
    return FailedAttempt(
        run_id=row.run_id,
        seq=row.seq,
        attempt=row.attempt,
        instance=row.instance,
        agent=row.agent,
        role=row.role,
        turn=row.turn,
        model=row.model,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error_type=row.error_type,
        error=row.error,
        retryable=row.retryable,
    )
