"""An alert as channels, the bus and the API see it: what fired, how far, and whether it is over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]
AlertState = Literal["open", "resolved"]

TOPIC = "alerts"
FIRED = "alert.fired"
RESOLVED = "alert.resolved"

SPEND_RATE = "spend_rate"
BUDGET_PERCENT = "budget_percent"
NOTICE_SCOPE = "notice"
"""The scope of ad-hoc notices (`AlertEngine.notify`); their `rule` is the notice's kind."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired alert; with `resolved_at` set it is the recovery notice of that alert."""

    id: str
    rule: str
    """`spend_rate`, `budget_percent`, or the kind of an ad-hoc notice."""
    scope: str
    """The budget's scope (`global`, `swarm`, ...), or `notice`."""
    name: str
    window: str | None
    threshold: str | None
    """The percent for `budget_percent`, the alert amount in USD for `spend_rate`."""
    severity: Severity
    message: str
    fired_at: datetime
    resolved_at: datetime | None = None
    value_usd: Decimal | None = None
    limit_usd: Decimal | None = None
    details: dict[str, Any] = field(default_factory=dict)
    delivered: dict[str, list[str]] = field(default_factory=dict)
    """Channels that took each notice: `{"fired": [...], "resolved": [...]}`."""
    failed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def state(self) -> AlertState:
        return "open" if self.resolved_at is None else "resolved"

    @property
    def event_type(self) -> str:
        """`alert.fired`, or `alert.resolved` for a recovery notice."""
        return FIRED if self.resolved_at is None else RESOLVED

    @property
    def title(self) -> str:
        """A one-line subject for humans (Slack header, email subject)."""
        if self.resolved_at is not None:
            return f"[SwarmDeck] resolved: {self.message}"
        return f"[SwarmDeck] {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: money as decimal strings, times as ISO 8601."""
        return {
            "id": self.id,
            "state": self.state,
            "rule": self.rule,
            "scope": self.scope,
            "name": self.name,
            "window": self.window,
            "threshold": self.threshold,
            "severity": self.severity,
            "message": self.message,
            "fired_at": self.fired_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "value_usd": _money(self.value_usd),
            "limit_usd": _money(self.limit_usd),
            "details": self.details,
            "delivered": self.delivered,
            "failed": self.failed,
        }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def usd(value: Decimal) -> str:
    """`Decimal("500.000")` -> `"500"`: the canonical text of an amount in keys and messages."""
    return format(value.normalize(), "f")
