"""Alert rows: insert-or-ignore on the open key is where replicas and restarts agree."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from swarmdeck.core.db import Database
from swarmdeck.core.models import uuid7
from swarmdeck.costs.alerts._alert import NOTICE_SCOPE, Alert
from swarmdeck.costs.alerts._model import AlertRow
from swarmdeck.costs.alerts._rules import Condition

StateFilter = Literal["open", "resolved", "all"]
MAX_LIMIT = 500


def to_alert(row: AlertRow) -> Alert:
    return Alert(
        id=row.id,
        rule=row.rule,
        scope=row.scope,
        name=row.name,
        window=row.window,
        threshold=row.threshold,
        severity=row.severity,  # type: ignore[arg-type]  # written from `Severity` only
        message=row.message,
        fired_at=row.fired_at,
        resolved_at=row.resolved_at,
        value_usd=row.value_usd,
        limit_usd=row.limit_usd,
        details=dict(row.details or {}),
        delivered={k: list(v) for k, v in (row.delivered or {}).items()},
        failed={k: list(v) for k, v in (row.failed or {}).items()},
    )


class AlertStore:
    """Reads and writes the `alerts` table; every write is safe to race from many replicas."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _insert(self) -> Any:
        dialect = postgresql if self._db.dialect == "postgresql" else sqlite
        return dialect.insert(AlertRow)

    async def open_alerts(self) -> dict[str, Alert]:
        """The alerts open now, by dedupe key."""
        async with self._db.session() as session:
            rows = await session.scalars(select(AlertRow).where(AlertRow.open_key.is_not(None)))
            return {str(row.open_key): to_alert(row) for row in rows}

    async def fire(self, condition: Condition, *, now: datetime) -> Alert | None:
        """Record the alert unless it is already open; the alert only for the one who inserted it."""
        alert_id = str(uuid7())
        statement = (
            self._insert()
            .values(
                id=alert_id,
                fired_at=now,
                open_key=condition.key,
                rule=condition.rule,
                scope=condition.scope,
                name=condition.name,
                window=condition.window,
                threshold=condition.threshold,
                severity=condition.severity,
                message=condition.message,
                value_usd=condition.value_usd,
                limit_usd=condition.limit_usd,
                details=condition.details,
                delivered={},
                failed={},
            )
            .on_conflict_do_nothing(index_elements=["open_key"])
            .returning(AlertRow.id)
        )
        async with self._db.session(immediate=True) as session:
            inserted = (await session.execute(statement)).scalar_one_or_none()
        if inserted is None:
            return None
        return Alert(
            id=alert_id,
            rule=condition.rule,
            scope=condition.scope,
            name=condition.name,
            window=condition.window,
            threshold=condition.threshold,
            severity=condition.severity,
            message=condition.message,
            fired_at=now,
            value_usd=condition.value_usd,
            limit_usd=condition.limit_usd,
            details=condition.details,
        )

    async def resolve(self, key: str, *, now: datetime) -> Alert | None:
        """Close the open alert under `key`; the closed alert only for the one who closed it."""
        async with self._db.session(immediate=True) as session:
            row = await session.scalar(select(AlertRow).where(AlertRow.open_key == key))
            if row is None:
                return None
            # Another replica may close it between our read and our write (PostgreSQL
            # re-checks the WHERE after the row lock): only one update matches.
            closed = await session.execute(
                update(AlertRow)
                .where(AlertRow.id == row.id, AlertRow.open_key == key)
                .values(open_key=None, resolved_at=now)
                .returning(AlertRow.id)
                .execution_options(synchronize_session=False)
            )
            if closed.scalar_one_or_none() is None:
                return None
            alert = to_alert(row)
        return dataclasses.replace(alert, resolved_at=now)

    async def expire_notices(self, *, fired_before: datetime, now: datetime) -> int:
        """Close ad-hoc notices older than the quiet period, so they may fire again."""
        async with self._db.session(immediate=True) as session:
            result = await session.execute(
                update(AlertRow)
                .where(
                    AlertRow.scope == NOTICE_SCOPE,
                    AlertRow.open_key.is_not(None),
                    AlertRow.fired_at < fired_before,
                )
                .values(open_key=None, resolved_at=now)
                .returning(AlertRow.id)
                .execution_options(synchronize_session=False)
            )
            return len(result.all())

    async def record_delivery(
        self, alert_id: str, phase: str, delivered: list[str], failed: list[str]
    ) -> None:
        """Note which channels took the `fired` or `resolved` notice and which did not."""
        async with self._db.session(immediate=True) as session:
            row = await session.scalar(
                select(AlertRow).where(AlertRow.id == alert_id).with_for_update()
            )
            if row is None:
                return
            row.delivered = {**(row.delivered or {}), phase: delivered}
            row.failed = {**(row.failed or {}), phase: failed}

    async def query(self, *, state: StateFilter = "all", limit: int = 50) -> list[Alert]:
        """Alerts newest first, optionally only the open or the resolved ones."""
        statement = select(AlertRow).order_by(AlertRow.fired_at.desc(), AlertRow.id.desc())
        if state == "open":
            statement = statement.where(AlertRow.resolved_at.is_(None))
        elif state == "resolved":
            statement = statement.where(AlertRow.resolved_at.is_not(None))
        async with self._db.session() as session:
            rows = await session.scalars(statement.limit(min(limit, MAX_LIMIT)))
            return [to_alert(row) for row in rows]
