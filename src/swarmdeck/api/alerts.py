"""Fired alerts: what went off, when, how far, whether it cleared, and who was told."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal
from swarmdeck.costs.alerts import MAX_LIMIT, Alert

router = APIRouter(tags=["alerts"])


class AlertOut(BaseModel):
    id: str
    state: Literal["open", "resolved"]
    rule: str = Field(description="`spend_rate`, `budget_percent`, or a notice's kind")
    scope: str = Field(description="the budget's scope (`global`, `swarm`, ...) or `notice`")
    name: str = Field(description="the budget's name, or what a notice is about")
    window: str | None
    threshold: str | None = Field(
        description="percent of the limit (`budget_percent`) or USD (`spend_rate`)"
    )
    severity: Literal["info", "warning", "critical"]
    message: str
    fired_at: datetime
    resolved_at: datetime | None
    value_usd: Decimal | None = Field(description="spend when it fired")
    limit_usd: Decimal | None
    details: dict[str, Any]
    delivered: dict[str, list[str]] = Field(
        description="channels that took each notice, by `fired` / `resolved`"
    )
    failed: dict[str, list[str]] = Field(description="channels that gave up, after retries")

    @classmethod
    def of(cls, alert: Alert) -> AlertOut:
        return cls(
            id=alert.id,
            state=alert.state,
            rule=alert.rule,
            scope=alert.scope,
            name=alert.name,
            window=alert.window,
            threshold=alert.threshold,
            severity=alert.severity,
            message=alert.message,
            fired_at=alert.fired_at,
            resolved_at=alert.resolved_at,
            value_usd=alert.value_usd,
            limit_usd=alert.limit_usd,
            details=alert.details,
            delivered=alert.delivered,
            failed=alert.failed,
        )


@router.get("/api/alerts", responses=error_responses(401, 403, 422))
async def list_alerts(
    runtime: RuntimeDep,
    _: Principal = require("alert", "read"),
    state: Literal["open", "resolved", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[AlertOut]:
    """Fired alerts, newest first: open ones, resolved ones, or all."""
    return [AlertOut.of(alert) for alert in await runtime.alerts.query(state=state, limit=limit)]
