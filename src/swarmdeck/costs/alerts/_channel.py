"""The one protocol every alert channel follows, and delivery with retries that never raises."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import aiohttp

from swarmdeck.costs.alerts._alert import Alert

log = logging.getLogger(__name__)

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0)
"""Seconds to wait before the second and third attempt."""


class AlertChannel(Protocol):
    """Somewhere an alert goes: Slack, email, a signed webhook, the dashboard.

    `send` raises on failure; `deliver` retries, logs and carries on. Adding a channel is
    adding a module with one class.
    """

    name: str

    async def send(self, alert: Alert) -> None: ...


class DeliveryError(Exception):
    """A channel refused the alert. The message is safe to log: no URLs, no secrets."""


async def deliver(
    channel: AlertChannel, alert: Alert, delays: Sequence[float] = RETRY_DELAYS
) -> bool:
    """Send with retries and backoff; log each failure without secrets; True when it arrived."""
    for attempt in range(len(delays) + 1):
        try:
            await channel.send(alert)
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            final = attempt == len(delays)
            log.warning(
                "alert channel failed%s",
                "; giving up" if final else "; retrying",
                extra={
                    "channel": channel.name,
                    "alert": alert.id,
                    "notice": alert.event_type,
                    "attempt": attempt + 1,
                    "reason": describe(exc),
                },
            )
            if final:
                return False
            await asyncio.sleep(delays[attempt])
    return False  # pragma: no cover - the loop always returns


def describe(exc: BaseException) -> str:
    """Why a send failed, without the text of library errors (aiohttp's carry the URL)."""
    if isinstance(exc, DeliveryError):
        return str(exc)
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


async def post_json(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST a JSON body; any answer but 2xx is a `DeliveryError` naming only the status."""
    async with (
        aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
        session.post(
            url, data=body, headers={"content-type": "application/json", **headers}
        ) as response,
    ):
        if not 200 <= response.status < 300:
            raise DeliveryError(f"HTTP {response.status}")
