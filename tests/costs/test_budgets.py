"""Budgets hold each call's worst case atomically, so racing calls never overshoot a limit."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from swarmdeck.core.counters import Counters, MemoryCounters, create_counters
from swarmdeck.costs.budgets import Attribution, BudgetExceeded, Budgets, from_micros, to_micros
from swarmdeck.costs.config import BudgetConfig, BudgetsConfig

LIMIT = Decimal("1.00")
WORST = Decimal("0.013")  # what each call reserves


@pytest.fixture
def make_counters(live_backend: str, request: pytest.FixtureRequest) -> Callable[[], Counters]:
    """Counters of the backend under test; each Redis instance is a replica of its own."""
    if live_backend == "memory":
        shared = MemoryCounters()
        return lambda: shared
    url: str = request.getfixturevalue("redis_url")
    prefix: str = request.getfixturevalue("redis_prefix")
    return lambda: create_counters(url, prefix=prefix)


@pytest.fixture
async def replicas(make_counters: Callable[[], Counters]) -> AsyncIterator[list[Counters]]:
    built = [make_counters() for _ in range(4)]
    yield built
    for counters in {id(c): c for c in built}.values():
        await counters.aclose()


def hourly(limit: Decimal) -> BudgetsConfig:
    return BudgetsConfig(global_=BudgetConfig(limit_per_hour=limit))


async def test_200_racing_calls_never_push_spend_past_the_limit(replicas: list[Counters]) -> None:
    """Four replicas, 200 concurrent calls, real costs anywhere up to the worst case."""
    budgets = [Budgets(hourly(LIMIT), counters) for counters in replicas]
    rng = random.Random(5)
    admitted = refused = 0

    async def call(index: int) -> None:
        nonlocal admitted, refused
        try:
            reservation = await budgets[index % 4].reserve(Attribution(), WORST)
        except BudgetExceeded:
            refused += 1
            return
        admitted += 1
        await asyncio.sleep(rng.random() / 50)
        real = WORST * Decimal(rng.randint(1, 100)) / 100
        await reservation.settle(real)

    await asyncio.gather(*(call(i) for i in range(200)))
    [status] = await budgets[0].snapshot()
    assert status.reserved_usd == 0
    assert status.spent_usd <= LIMIT
    # Spend is bounded by the limit; admissions stop only once the next worst case won't fit.
    assert admitted >= int(LIMIT / WORST)
    assert refused > 0
    assert admitted + refused == 200


async def test_a_refusal_names_the_budget_and_says_when_to_retry(replicas: list[Counters]) -> None:
    budgets = Budgets(hourly(Decimal("0.01")), replicas[0])
    with pytest.raises(BudgetExceeded) as caught:
        await budgets.reserve(Attribution(), Decimal("0.02"))
    assert caught.value.type == "budget_exceeded"
    assert caught.value.details["budget"] == {"scope": "global", "name": "global", "window": "hour"}
    assert "per hour" in caught.value.message
    assert caught.value.retry_after >= 1


async def test_reservations_are_all_or_nothing_across_budgets(replicas: list[Counters]) -> None:
    config = BudgetsConfig(
        global_=BudgetConfig(limit_per_hour=Decimal(100)),
        users={"vera": BudgetConfig(limit_per_day=Decimal("0.05"))},
    )
    budgets = Budgets(config, replicas[0])
    with pytest.raises(BudgetExceeded, match="user 'vera'"):
        await budgets.reserve(Attribution(user="vera"), Decimal("0.10"))
    statuses = {(s.scope, s.window): s for s in await budgets.snapshot()}
    # The global budget gave back what it had admitted before the user budget refused.
    assert statuses[("global", "hour")].spent_usd == 0
    assert statuses[("global", "hour")].reserved_usd == 0
    # Another user is not limited by vera's budget.
    reservation = await budgets.reserve(Attribution(user="otto"), Decimal("0.10"))
    await reservation.settle(Decimal("0.04"))
    statuses = {(s.scope, s.window): s for s in await budgets.snapshot()}
    assert statuses[("global", "hour")].spent_usd == Decimal("0.04")


async def test_snapshot_shows_spent_reserved_and_remaining(replicas: list[Counters]) -> None:
    config = BudgetsConfig(
        global_=BudgetConfig(alert_per_hour=Decimal(1), limit_per_hour=Decimal(2)),
        swarms={"research": BudgetConfig(limit_per_day=Decimal(5))},
    )
    budgets = Budgets(config, replicas[0])
    held = await budgets.reserve(Attribution(swarm="research"), Decimal("0.5"))
    done = await budgets.reserve(Attribution(swarm="research"), Decimal("0.5"))
    await done.settle(Decimal("0.25"))
    statuses = {(s.scope, s.name, s.window): s for s in await budgets.snapshot()}
    glob = statuses[("global", "global", "hour")]
    assert (glob.spent_usd, glob.reserved_usd, glob.remaining_usd) == (
        Decimal("0.25"),
        Decimal("0.5"),
        Decimal("1.25"),
    )
    assert glob.alert_usd == 1
    assert statuses[("swarm", "research", "day")].limit_usd == 5
    await held.release()
    await held.release()  # settling twice changes nothing
    statuses = {(s.scope, s.name, s.window): s for s in await budgets.snapshot()}
    assert statuses[("global", "global", "hour")].reserved_usd == 0
    assert statuses[("global", "global", "hour")].spent_usd == Decimal("0.25")


def test_micro_dollar_rounding_never_understates_spend() -> None:
    assert to_micros(Decimal("0.0000001")) == 1
    assert to_micros(Decimal("0.000002")) == 2
    assert from_micros(to_micros(Decimal("1.5"))) == Decimal("1.5")
