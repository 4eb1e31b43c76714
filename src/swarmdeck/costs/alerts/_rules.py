"""The alert rules: which conditions hold for a budget snapshot. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from swarmdeck.costs.alerts._alert import BUDGET_PERCENT, SPEND_RATE, Severity, usd
from swarmdeck.costs.budgets import BudgetStatus


@dataclass(frozen=True, slots=True)
class Condition:
    """Something alert-worthy that holds now; `key` identifies it while it keeps holding."""

    rule: str
    scope: str
    name: str
    window: str | None
    threshold: str | None
    severity: Severity
    message: str
    value_usd: Decimal | None = None
    limit_usd: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return dedupe_key(self.rule, self.scope, self.name, self.window, self.threshold)


def dedupe_key(rule: str, scope: str, name: str, window: str | None, threshold: str | None) -> str:
    """One alert per rule, budget, window and threshold while it stays fired."""
    return "|".join((rule, scope, name, window or "", threshold or ""))


def conditions(
    statuses: Iterable[BudgetStatus], percentages: Sequence[int]
) -> dict[str, Condition]:
    """Every condition the snapshot meets, by dedupe key.

    Settled spend counts, reservations of calls in flight do not: an alert says what was
    spent. Zero thresholds and limits are ignored (they would always hold).
    """
    found: dict[str, Condition] = {}
    for status in statuses:
        for condition in _spend_rate(status), *_budget_percent(status, percentages):
            if condition is not None:
                found[condition.key] = condition
    return found


def _label(status: BudgetStatus) -> str:
    return "the global budget" if status.scope == "global" else f"{status.scope} {status.name!r}"


def _details(status: BudgetStatus) -> dict[str, Any]:
    return {
        "spent_usd": usd(status.spent_usd),
        "reserved_usd": usd(status.reserved_usd),
        "limit_usd": None if status.limit_usd is None else usd(status.limit_usd),
        "alert_usd": None if status.alert_usd is None else usd(status.alert_usd),
    }


def _spend_rate(status: BudgetStatus) -> Condition | None:
    alert = status.alert_usd
    if alert is None or alert <= 0 or status.spent_usd < alert:
        return None
    return Condition(
        rule=SPEND_RATE,
        scope=status.scope,
        name=status.name,
        window=status.window,
        threshold=usd(alert),
        severity="warning",
        message=(
            f"{_label(status)} spent ${usd(status.spent_usd)} in the last {status.window}, "
            f"at or above its alert threshold of ${usd(alert)}"
        ),
        value_usd=status.spent_usd,
        limit_usd=status.limit_usd,
        details=_details(status),
    )


def _budget_percent(status: BudgetStatus, percentages: Sequence[int]) -> list[Condition]:
    limit = status.limit_usd
    if limit is None or limit <= 0:
        return []
    reached = [p for p in sorted(set(percentages)) if status.spent_usd * 100 >= limit * p]
    return [
        Condition(
            rule=BUDGET_PERCENT,
            scope=status.scope,
            name=status.name,
            window=status.window,
            threshold=str(percent),
            severity="critical" if percent >= 100 else "warning",
            message=(
                f"{_label(status)} used {percent}% of its ${usd(limit)} per-{status.window} "
                f"limit (${usd(status.spent_usd)} spent)"
            ),
            value_usd=status.spent_usd,
            limit_usd=limit,
            details={**_details(status), "percent": percent},
        )
        for percent in reached
    ]
