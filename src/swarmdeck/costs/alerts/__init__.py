"""Alerts on spend: rules over budget snapshots, deduplicated in the database, sent to
Slack, email, signed webhooks and the dashboard, with a recovery notice when they clear.

`AlertEngine` is the service; channels follow the `AlertChannel` protocol, one module
each. Webhook receivers verify signatures as `_webhook`'s docstring describes (or with
`verify_signature`).
"""

from swarmdeck.costs.alerts._alert import (
    BUDGET_PERCENT,
    FIRED,
    NOTICE_SCOPE,
    RESOLVED,
    SPEND_RATE,
    TOPIC,
    Alert,
    AlertState,
    Severity,
)
from swarmdeck.costs.alerts._channel import AlertChannel, DeliveryError, deliver
from swarmdeck.costs.alerts._channels import build_channels
from swarmdeck.costs.alerts._dashboard import DashboardChannel
from swarmdeck.costs.alerts._email import EmailChannel
from swarmdeck.costs.alerts._engine import AlertEngine, Snapshot
from swarmdeck.costs.alerts._model import AlertRow
from swarmdeck.costs.alerts._rules import Condition, conditions, dedupe_key
from swarmdeck.costs.alerts._slack import SlackChannel
from swarmdeck.costs.alerts._store import MAX_LIMIT, StateFilter
from swarmdeck.costs.alerts._webhook import SIGNATURE_HEADER, WebhookChannel, sign, verify_signature

__all__ = [
    "BUDGET_PERCENT",
    "FIRED",
    "MAX_LIMIT",
    "NOTICE_SCOPE",
    "RESOLVED",
    "SIGNATURE_HEADER",
    "SPEND_RATE",
    "TOPIC",
    "Alert",
    "AlertChannel",
    "AlertEngine",
    "AlertRow",
    "AlertState",
    "Condition",
    "DashboardChannel",
    "DeliveryError",
    "EmailChannel",
    "Severity",
    "SlackChannel",
    "Snapshot",
    "StateFilter",
    "WebhookChannel",
    "build_channels",
    "conditions",
    "dedupe_key",
    "deliver",
    "sign",
    "verify_signature",
]
