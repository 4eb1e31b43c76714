"""Budgets: atomic reservations of worst-case cost against every budget a call falls under.

Each budget window keeps two counters: `committed` (settled spend plus reservations in
flight), which admission checks against the limit in one atomic step, and `reserved`
(reservations only), kept for display. A call reserves its worst case before it leaves,
then settles to its real cost. Because every admission is atomic on the shared counter
and the worst case bounds the real cost, concurrent calls can never push spend past a
limit, in one process or across replicas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from swarmdeck.core.counters import Counters
from swarmdeck.core.errors import RateLimited
from swarmdeck.costs.config import WINDOW_SECONDS, BudgetConfig, BudgetsConfig

BudgetScope = Literal["global", "swarm", "user", "key", "model"]
_MICRO = Decimal("0.000001")
_SCOPE_SECTIONS: dict[BudgetScope, str] = {
    "swarm": "swarms",
    "user": "users",
    "key": "keys",
    "model": "models",
}


def to_micros(usd: Decimal) -> int:
    """USD as whole micro-dollars, rounded up so spend is never understated."""
    return int((usd / _MICRO).to_integral_value(rounding=ROUND_CEILING))


def from_micros(micros: int) -> Decimal:
    return (Decimal(micros) * _MICRO).normalize() if micros else Decimal(0)


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


class BudgetExceeded(RateLimited):
    """A call's worst case does not fit in a budget: the gateway answers 429 `budget_exceeded`."""

    type = "budget_exceeded"


@dataclass(frozen=True, slots=True)
class _Window:
    scope: BudgetScope
    name: str
    window: str
    seconds: float
    limit_micros: int | None

    @property
    def key(self) -> str:
        return f"budget:{self.scope}:{self.name}:{self.window}"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a call is for; each field that names a configured budget brings it into play."""

    user: str | None = None
    key_id: str | None = None
    swarm: str | None = None
    model: str | None = None


@dataclass(slots=True)
class Reservation:
    """A worst case held against some budget windows until the call settles."""

    _budgets: Budgets
    windows: tuple[_Window, ...]
    micros: int
    settled: bool = field(default=False)

    async def settle(self, cost_usd: Decimal) -> None:
        """Replace the worst case with the real cost (idempotent)."""
        if self.settled:
            return
        self.settled = True
        await self._budgets._settle(self.windows, self.micros, to_micros(cost_usd))

    async def release(self) -> None:
        """The call cost nothing (refused upstream before any work): give it all back."""
        await self.settle(Decimal(0))


class Budgets:
    """Reserve, settle and report spend against the configured budgets."""

    def __init__(self, config: BudgetsConfig, counters: Counters) -> None:
        self._config = config
        self._counters = counters
        self._global = self._windows("global", "global", config.global_)

    @staticmethod
    def _windows(scope: BudgetScope, name: str, budget: BudgetConfig) -> tuple[_Window, ...]:
        limits, alerts = budget.limits(), budget.alerts()
        return tuple(
            _Window(
                scope,
                name,
                window,
                seconds,
                to_micros(limits[window]) if window in limits else None,
            )
            for window, seconds in WINDOW_SECONDS.items()
            if window in limits or window in alerts
        )

    def applicable(self, who: Attribution) -> tuple[_Window, ...]:
        """The budget windows a call by `who` counts against."""
        windows = list(self._global)
        for scope, section in _SCOPE_SECTIONS.items():
            name = getattr(who, "key_id" if scope == "key" else scope)
            if name is None:
                continue
            budget = getattr(self._config, section).get(name)
            if budget is not None:
                windows.extend(self._windows(scope, name, budget))
        return tuple(windows)

    async def reserve(self, who: Attribution, worst_case_usd: Decimal) -> Reservation:
        """Hold `worst_case_usd` against every applicable budget, or raise BudgetExceeded.

        Admission is all or nothing: a refusal by one budget gives back what the
        earlier ones had admitted.
        """
        windows = self.applicable(who)
        micros = to_micros(worst_case_usd)
        admitted: list[_Window] = []
        try:
            for window in windows:
                if window.limit_micros is None:
                    await self._counters.add(window.key, micros, window=window.seconds)
                else:
                    admission = await self._counters.check_and_add(
                        window.key, micros, limit=window.limit_micros, window=window.seconds
                    )
                    if not admission.allowed:
                        raise _refusal(window, admission.total, micros, admission.retry_after)
                admitted.append(window)
                await self._counters.add(window.key + ":reserved", micros, window=window.seconds)
        except BaseException:
            await self._undo(admitted, micros)
            raise
        return Reservation(self, windows, micros)

    async def _undo(self, windows: Iterable[_Window], micros: int) -> None:
        for window in windows:
            await self._counters.add(window.key, -micros, window=window.seconds)
            await self._counters.add(window.key + ":reserved", -micros, window=window.seconds)

    async def _settle(self, windows: Iterable[_Window], reserved: int, actual: int) -> None:
        for window in windows:
            if actual != reserved:
                await self._counters.add(window.key, actual - reserved, window=window.seconds)
            await self._counters.add(window.key + ":reserved", -reserved, window=window.seconds)

    async def snapshot(self) -> list[BudgetStatus]:
        """Every configured budget window with its spend, reservations and thresholds."""
        windows = list(self._global)
        for scope, section in _SCOPE_SECTIONS.items():
            for name, budget in getattr(self._config, section).items():
                windows.extend(self._windows(scope, name, budget))
        return [await self._status(window) for window in windows]

    async def _status(self, window: _Window) -> BudgetStatus:
        committed = await self._counters.total(window.key, window=window.seconds)
        reserved = max(
            0, await self._counters.total(window.key + ":reserved", window=window.seconds)
        )
        budget = self._config_for(window.scope, window.name)
        alert = budget.alerts().get(window.window)
        return BudgetStatus(
            scope=window.scope,
            name=window.name,
            window=window.window,
            spent_usd=from_micros(max(0, committed - reserved)),
            reserved_usd=from_micros(reserved),
            limit_usd=from_micros(window.limit_micros) if window.limit_micros is not None else None,
            alert_usd=alert,
        )

    def _config_for(self, scope: BudgetScope, name: str) -> BudgetConfig:
        if scope == "global":
            return self._config.global_
        budget: BudgetConfig = getattr(self._config, _SCOPE_SECTIONS[scope])[name]
        return budget


def _refusal(window: _Window, total: int, micros: int, retry_after: float) -> BudgetExceeded:
    limit = window.limit_micros or 0
    label = "global" if window.scope == "global" else f"{window.scope} {window.name!r}"
    return BudgetExceeded(
        f"the {label} budget of ${from_micros(limit)} per {window.window} would be exceeded",
        retry_after=max(1.0, math.ceil(retry_after)),
        details={
            "budget": {"scope": window.scope, "name": window.name, "window": window.window},
            "limit_usd": str(from_micros(limit)),
            "committed_usd": str(from_micros(total)),
            "requested_usd": str(from_micros(micros)),
        },
    )
