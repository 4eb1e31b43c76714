"""The channels an `AlertsConfig` asks for, plus the dashboard, which is always on."""

from __future__ import annotations

from collections import Counter

from swarmdeck.core.bus import EventBus
from swarmdeck.costs.alerts._channel import AlertChannel
from swarmdeck.costs.alerts._dashboard import DashboardChannel
from swarmdeck.costs.alerts._email import EmailChannel
from swarmdeck.costs.alerts._slack import SlackChannel
from swarmdeck.costs.alerts._webhook import WebhookChannel
from swarmdeck.costs.config import AlertsConfig
from swarmdeck.costs.config import EmailChannel as EmailConfig
from swarmdeck.costs.config import SlackChannel as SlackConfig


def build_channels(config: AlertsConfig, bus: EventBus) -> list[AlertChannel]:
    """One channel per configured entry, named by type (`slack`, `slack-2`, ...)."""
    channels: list[AlertChannel] = [DashboardChannel(bus)]
    seen: Counter[str] = Counter()
    for entry in config.channels:
        seen[entry.type] += 1
        name = entry.type if seen[entry.type] == 1 else f"{entry.type}-{seen[entry.type]}"
        if isinstance(entry, SlackConfig):
            channels.append(SlackChannel(entry, name=name))
        elif isinstance(entry, EmailConfig):
            channels.append(EmailChannel(entry, name=name))
        else:
            channels.append(WebhookChannel(entry, name=name))
    return channels
