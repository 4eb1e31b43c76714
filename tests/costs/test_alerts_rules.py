"""The alert rules on budget snapshots, and webhook signatures: pure functions, no I/O."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from swarmdeck.costs.alerts import (
    BUDGET_PERCENT,
    SPEND_RATE,
    conditions,
    dedupe_key,
    sign,
    verify_signature,
)
from swarmdeck.costs.budgets import BudgetStatus

PERCENTAGES = [50, 80, 100]


def status(
    spent: str,
    *,
    limit: str | None = None,
    alert: str | None = None,
    reserved: str = "0",
    window: str = "hour",
) -> BudgetStatus:
    return BudgetStatus(
        scope="swarm",
        name="research",
        window=window,
        spent_usd=Decimal(spent),
        reserved_usd=Decimal(reserved),
        limit_usd=None if limit is None else Decimal(limit),
        alert_usd=None if alert is None else Decimal(alert),
    )


def test_each_budget_percentage_reached_is_its_own_condition() -> None:
    found = conditions([status("8.5", limit="10")], PERCENTAGES)
    assert sorted(c.threshold or "" for c in found.values()) == ["50", "80"]
    assert {c.rule for c in found.values()} == {BUDGET_PERCENT}
    assert all(c.severity == "warning" for c in found.values())
    key = dedupe_key(BUDGET_PERCENT, "swarm", "research", "hour", "80")
    assert found[key].message == "swarm 'research' used 80% of its $10 per-hour limit ($8.5 spent)"
    assert found[key].details["percent"] == 80


def test_the_full_limit_is_critical_and_reached_exactly_at_the_limit() -> None:
    found = conditions([status("10.000", limit="10")], PERCENTAGES)
    hundred = found[dedupe_key(BUDGET_PERCENT, "swarm", "research", "hour", "100")]
    assert hundred.severity == "critical"
    just_under = conditions([status("9.999999999", limit="10")], PERCENTAGES)
    assert dedupe_key(BUDGET_PERCENT, "swarm", "research", "hour", "100") not in just_under


def test_spend_rate_fires_at_the_alert_amount_on_settled_spend_only() -> None:
    assert conditions([status("4.99", alert="5", reserved="100")], PERCENTAGES) == {}
    found = conditions([status("5", alert="5.00")], PERCENTAGES)
    (condition,) = found.values()
    assert (condition.rule, condition.threshold, condition.window) == (SPEND_RATE, "5", "hour")
    assert condition.value_usd == Decimal(5)


def test_zero_thresholds_and_missing_limits_never_fire() -> None:
    assert conditions([status("0", limit="0", alert="0"), status("3")], PERCENTAGES) == {}


def test_windows_are_separate_conditions() -> None:
    found = conditions(
        [status("6", alert="5", window="hour"), status("6", alert="5", window="day")], []
    )
    assert {c.window for c in found.values()} == {"hour", "day"}


def test_a_signature_verifies_like_stripe_and_refuses_tampering_and_replays() -> None:
    secret, body = b"whsec-test", b'{"type":"alert.fired"}'
    header = sign(secret, body, 1_700_000_000)
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert (t, v1) == ("1700000000", expected)
    assert verify_signature(secret, body, header, now=1_700_000_100)
    assert not verify_signature(secret, body + b" ", header, now=1_700_000_100)
    assert not verify_signature(b"other", body, header, now=1_700_000_100)
    assert not verify_signature(secret, body, header, now=1_700_000_000 + 301)
    assert not verify_signature(secret, body, "v1=" + expected, now=1_700_000_000)
    assert not verify_signature(secret, body, "garbage", now=1_700_000_000)
