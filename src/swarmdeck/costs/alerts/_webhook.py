"""Signed webhooks: the alert as JSON, signed like Stripe's so receivers can trust it.

Each POST carries `x-swarmdeck-signature: t=<unix seconds>,v1=<hex>`, where `<hex>` is
HMAC-SHA256 under the channel's `secret` of the bytes `"<t>." + body`. To verify, a
receiver:

1. splits the header on `,` and each part on the first `=`; takes `t` and every `v1`;
2. computes `hmac.new(secret, f"{t}.".encode() + raw_body, sha256).hexdigest()` over the
   raw body exactly as received (before any JSON parsing);
3. accepts if it equals one of the `v1` values (compare with `hmac.compare_digest`) and
   `t` is within a few minutes of its own clock, which stops replays.

`verify_signature` below does exactly that. Without a secret the header is omitted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from swarmdeck.costs.alerts._alert import Alert
from swarmdeck.costs.alerts._channel import post_json
from swarmdeck.costs.config import WebhookChannel as WebhookConfig

SIGNATURE_HEADER = "x-swarmdeck-signature"
EVENT_HEADER = "x-swarmdeck-event"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookChannel:
    """POSTs `{"type": "alert.fired"|"alert.resolved", "alert": {...}}`, signed when a secret is set."""

    def __init__(self, config: WebhookConfig, *, name: str = "webhook") -> None:
        self.name = name
        self._url = config.url
        self._secret = config.secret

    def __repr__(self) -> str:
        return f"WebhookChannel(name={self.name!r})"

    async def send(self, alert: Alert) -> None:
        body = json.dumps(
            {"type": alert.event_type, "alert": alert.to_dict()}, separators=(",", ":")
        ).encode()
        headers = {EVENT_HEADER: alert.event_type}
        if self._secret is not None:
            secret = self._secret.get_secret_value().encode()
            headers[SIGNATURE_HEADER] = sign(secret, body, int(time.time()))
        await post_json(self._url, body, headers)


def _digest(secret: bytes, body: bytes, timestamp: int | str) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify_signature(
    secret: bytes,
    body: bytes,
    header: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` signs `body` under `secret` and is no older than the tolerance."""
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit() or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    expected = _digest(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
