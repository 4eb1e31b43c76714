"""The facts of an alert as label/value pairs, shared by the human-readable channels."""

from __future__ import annotations

from swarmdeck.costs.alerts._alert import BUDGET_PERCENT, NOTICE_SCOPE, SPEND_RATE, Alert


def facts(alert: Alert) -> list[tuple[str, str]]:
    """What a person needs to act on the alert, in reading order."""
    rows: list[tuple[str, str]] = [("State", alert.state), ("Severity", alert.severity)]
    if alert.scope == NOTICE_SCOPE:
        rows.append(("Notice", alert.rule))
        if alert.name:
            rows.append(("About", alert.name))
    else:
        rows.append(("Rule", alert.rule))
        rows.append(("Budget", f"{alert.scope} {alert.name}"))
    if alert.window:
        rows.append(("Window", f"per {alert.window}"))
    if alert.threshold:
        unit = {BUDGET_PERCENT: "{}% of the limit", SPEND_RATE: "${}"}.get(alert.rule, "{}")
        rows.append(("Threshold", unit.format(alert.threshold)))
    if alert.value_usd is not None:
        rows.append(("Spent", f"${format(alert.value_usd, 'f')}"))
    if alert.limit_usd is not None:
        rows.append(("Limit", f"${format(alert.limit_usd, 'f')}"))
    rows.append(("Fired", alert.fired_at.isoformat()))
    if alert.resolved_at is not None:
        rows.append(("Resolved", alert.resolved_at.isoformat()))
    return rows


def plain_text(alert: Alert) -> str:
    """An email body: the message, then one fact per line."""
    width = max(len(label) for label, _ in facts(alert))
    lines = [alert.message, ""]
    lines += [f"{label + ':':<{width + 1}} {value}" for label, value in facts(alert)]
    for key, value in sorted(alert.details.items()):
        lines.append(f"{key}: {value}")
    lines += ["", f"alert id {alert.id}"]
    return "\n".join(lines) + "\n"
