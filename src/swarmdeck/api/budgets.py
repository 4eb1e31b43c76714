"""Budgets as they stand: spend, reservations in flight, and what is left, per window."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal

router = APIRouter(tags=["costs"])


class BudgetOut(BaseModel):
    scope: str = Field(description="`global`, `swarm`, `user`, `key` or `model`")
    name: str
    window: str = Field(description="`hour`, `day`, `week` or `month` (sliding)")
    spent_usd: Decimal
    reserved_usd: Decimal = Field(description="worst case of calls in flight")
    limit_usd: Decimal | None
    alert_usd: Decimal | None
    remaining_usd: Decimal | None
    percent_used: float | None = Field(description="(spent + reserved) / limit x 100")


class BudgetsOut(BaseModel):
    budgets: list[BudgetOut]


@router.get("/api/budgets", responses=error_responses(401, 403))
async def list_budgets(runtime: RuntimeDep, _: Principal = require("budget", "read")) -> BudgetsOut:
    """Every configured budget window; the global hourly budget is always there."""
    statuses = await runtime.budgets.snapshot()
    return BudgetsOut(
        budgets=[
            BudgetOut(
                scope=s.scope,
                name=s.name,
                window=s.window,
                spent_usd=s.spent_usd,
                reserved_usd=s.reserved_usd,
                limit_usd=s.limit_usd,
                alert_usd=s.alert_usd,
                remaining_usd=s.remaining_usd,
                percent_used=float((s.spent_usd + s.reserved_usd) / s.limit_usd * 100)
                if s.limit_usd
                else None,
            )
            for s in statuses
        ]
    )
