"""The `swarm_runs`, `swarm_run_steps` and `swarm_run_attempts` tables: one row per run, one
per agent turn, one per failed attempt at a turn."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from swarmdeck.core.models import Base, Money, UTCDateTime


class RunRow(Base):
    """A swarm run. Token and cost totals grow with each step written, so a running run
    shows its spend so far."""

    __tablename__ = "swarm_runs"
    # The runs page lists the newest first, of all swarms or of one.
    __table_args__ = (Index("ix_swarm_runs_swarm_created_at", "swarm", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    swarm: Mapped[str] = mapped_column(String(64), nullable=False)
    pattern: Mapped[str] = mapped_column(String(16), nullable=False)
    task: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    agents: Mapped[Any] = mapped_column(JSON, nullable=False)
    budget_usd: Mapped[Decimal | None] = mapped_column(Money)
    started_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    input_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))


class StepRow(Base):
    """One agent turn of a run, keyed by its place in the run: a retried activity writing
    the same step again finds it there and leaves it alone."""

    __tablename__ = "swarm_run_steps"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("swarm_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance: Mapped[str] = mapped_column(String(64), nullable=False)
    agent: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    turn: Mapped[int] = mapped_column(Integer, nullable=False)
    model: Mapped[str] = mapped_column(String(128), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    input_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    output_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_usd: Mapped[Decimal] = mapped_column(Money, nullable=False)
    output: Mapped[str | None] = mapped_column(Text)
    tool_calls: Mapped[Any] = mapped_column(JSON, nullable=False)
    call_ids: Mapped[Any] = mapped_column(JSON, nullable=False)
    result: Mapped[Any] = mapped_column(JSON, nullable=False)
    """The turn's whole result, returned again if the activity is retried after writing it."""


class AttemptRow(Base):
    """A turn's attempt that failed (Temporal retries it, or the run fails), keyed by the
    turn's place in the run and Temporal's attempt number: the step table keeps only the
    attempt that succeeded."""

    __tablename__ = "swarm_run_attempts"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("swarm_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance: Mapped[str] = mapped_column(String(64), nullable=False)
    agent: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    turn: Mapped[int] = mapped_column(Integer, nullable=False)
    model: Mapped[str] = mapped_column(String(128), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    error_type: Mapped[str] = mapped_column(String(128), nullable=False)
    error: Mapped[str] = mapped_column(Text, nullable=False)
    retryable: Mapped[bool] = mapped_column(Boolean, nullable=False)
