"""Budgets: atomic reservations of worst-case cost against every budget a call falls under."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

BudgetScope = Literal["global", "swarm", "user", "key", "model"]


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """One budget over one window, as `GET /api/budgets` and the alert rules see it."""

    scope: BudgetScope
    name: str
    """`global`, or the swarm / user / key id / model alias the budget is for."""
    window: str
    """`hour`, `day`, `week` or `month`."""
    spent_usd: Decimal
    """Settled spend in the sliding window."""
    reserved_usd: Decimal
    """Worst-case cost of calls in flight."""
    limit_usd: Decimal | None
    alert_usd: Decimal | None

    @property
    def remaining_usd(self) -> Decimal | None:
        if self.limit_usd is None:
            return None
        return max(Decimal(0), self.limit_usd - self.spent_usd - self.reserved_usd)
