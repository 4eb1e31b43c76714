"""The `alerts` table: one row per fired alert; `open_key` is the dedupe point across replicas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from swarmdeck.core.models import Base, Money, UTCDateTime


class AlertRow(Base):
    """A fired alert. While open, `open_key` holds its dedupe key (unique); resolving clears it."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # `rule|scope|name|window|threshold` while the alert is open, NULL once resolved: the
    # unique index lets exactly one replica (or one start of the process) insert it.
    open_key: Mapped[str | None] = mapped_column(String(512), unique=True)
    rule: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    scope: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    window: Mapped[str | None] = mapped_column(String(16))
    threshold: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    value_usd: Mapped[Decimal | None] = mapped_column(Money)
    limit_usd: Mapped[Decimal | None] = mapped_column(Money)
    details: Mapped[Any] = mapped_column(JSON, nullable=False)
    # `{"fired": [channel, ...], "resolved": [...]}`
    delivered: Mapped[Any] = mapped_column(JSON, nullable=False)
    failed: Mapped[Any] = mapped_column(JSON, nullable=False)
