"""The `llm_calls` table: the cost ledger, one row per call through the gateway."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from swarmdeck.core.models import Base, Money, UTCDateTime


class CallRow(Base):
    """A ledgered call. Money columns are integer billionths, so SQL sums are exact."""

    __tablename__ = "llm_calls"
    # Summaries filter on a time window and group by one attribution column; budgets and
    # drill-downs ask for one swarm/user/key/alias over a window. `at` alone serves the
    # former, the (column, at) pairs the latter.
    __table_args__ = (
        Index("ix_llm_calls_swarm_at", "swarm", "at"),
        Index("ix_llm_calls_user_at", "user", "at"),
        Index("ix_llm_calls_key_id_at", "key_id", "at"),
        Index("ix_llm_calls_alias_at", "alias", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    key_id: Mapped[str | None] = mapped_column(String(64))
    user: Mapped[str | None] = mapped_column(String(255))
    swarm: Mapped[str | None] = mapped_column(String(255))
    agent: Mapped[str | None] = mapped_column(String(255))
    provider: Mapped[str | None] = mapped_column(String(128))
    alias: Mapped[str] = mapped_column(String(128), nullable=False)
    model: Mapped[str | None] = mapped_column(String(255))
    input_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    output_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cached_input_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_usd: Mapped[Decimal] = mapped_column(Money, nullable=False)
    saved_usd: Mapped[Decimal] = mapped_column(Money, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    error_type: Mapped[str | None] = mapped_column(String(128))
    cache: Mapped[str] = mapped_column(String(16), nullable=False)
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    streamed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    operation: Mapped[str] = mapped_column(String(32), nullable=False)
    attributes: Mapped[Any] = mapped_column(JSON, nullable=True)
