"""Slack incoming webhooks: a plain-text fallback plus Block Kit blocks."""

from __future__ import annotations

import json
from typing import Any

from swarmdeck.costs.alerts._alert import Alert
from swarmdeck.costs.alerts._channel import post_json
from swarmdeck.costs.alerts._text import facts
from swarmdeck.costs.config import SlackChannel as SlackConfig

_HEADER_MAX = 150  # Slack's limit for a header block


class SlackChannel:
    """Posts `{"text", "blocks"}` to an incoming-webhook URL (the URL is the secret)."""

    def __init__(self, config: SlackConfig, *, name: str = "slack") -> None:
        self.name = name
        self._url = config.webhook_url

    def __repr__(self) -> str:
        return f"SlackChannel(name={self.name!r})"

    async def send(self, alert: Alert) -> None:
        body = json.dumps(payload(alert)).encode()
        await post_json(self._url.get_secret_value(), body, {})


def payload(alert: Alert) -> dict[str, Any]:
    """The webhook body: `text` for notifications, `blocks` for the channel."""
    icon = ":white_check_mark:" if alert.resolved_at else _ICONS.get(alert.severity, "")
    header = f"{icon} {alert.title}".strip()
    if len(header) > _HEADER_MAX:
        header = header[: _HEADER_MAX - 1] + "…"
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{value}"} for label, value in facts(alert)]
    return {
        "text": f"{alert.title}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header}},
            {"type": "section", "text": {"type": "mrkdwn", "text": alert.message}},
            {"type": "section", "fields": fields[:10]},  # Slack allows ten fields
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"alert `{alert.id}`"}],
            },
        ],
    }


_ICONS = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}
