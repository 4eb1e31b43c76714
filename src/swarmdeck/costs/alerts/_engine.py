"""The alert engine: evaluates the rules on a timer and when poked, fires and resolves once.

All state lives in the `alerts` table. An alert is fired by whoever inserts its open row
(a unique key), and resolved by whoever clears it, so a restart re-fires nothing and N
replicas evaluating the same shared budgets send each notice once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.models import utcnow
from swarmdeck.costs.alerts._alert import (
    BUDGET_PERCENT,
    NOTICE_SCOPE,
    SPEND_RATE,
    Alert,
    Severity,
)
from swarmdeck.costs.alerts._channel import RETRY_DELAYS, AlertChannel, deliver
from swarmdeck.costs.alerts._channels import build_channels
from swarmdeck.costs.alerts._rules import Condition, conditions
from swarmdeck.costs.alerts._store import AlertStore, StateFilter
from swarmdeck.costs.budgets import BudgetStatus
from swarmdeck.costs.config import AlertsConfig

log = logging.getLogger(__name__)

Snapshot = Callable[[], Awaitable[list[BudgetStatus]]]

DEBOUNCE_SECONDS = 0.25
NOTICE_QUIET_SECONDS = 3600.0
STOP_GRACE_SECONDS = 2.0
_BUDGET_RULES = frozenset({SPEND_RATE, BUDGET_PERCENT})


class AlertEngine:
    """Budget alerts (spend rate, percent of limit) and ad-hoc notices, to every channel."""

    def __init__(
        self,
        config: AlertsConfig,
        snapshot: Snapshot,
        db: Database,
        bus: EventBus,
        *,
        channels: Sequence[AlertChannel] | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        debounce_seconds: float = DEBOUNCE_SECONDS,
        notice_quiet_seconds: float = NOTICE_QUIET_SECONDS,
    ) -> None:
        self.config = config
        self.channels: list[AlertChannel] = (
            list(channels) if channels is not None else build_channels(config, bus)
        )
        self._snapshot = snapshot
        self._store = AlertStore(db)
        self._retry_delays = tuple(retry_delays)
        self._debounce = debounce_seconds
        self._notice_quiet = notice_quiet_seconds
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._evaluating = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()
        # Notices the gateway may raise on every call: remembered here so a burst costs
        # one database write, not one per call.
        self._noticed: dict[str, float] = {}

    async def start(self) -> None:
        """Evaluate every `check_seconds` and soon after each `poke()`."""
        if self._loop_task is None:
            self._wake = asyncio.Event()
            self._loop_task = asyncio.create_task(self._run(self._wake), name="alert-engine")

    async def stop(self) -> None:
        """Stop evaluating; give notices in flight a moment to arrive, then drop them."""
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._pending:
            _, late = await asyncio.wait(set(self._pending), timeout=STOP_GRACE_SECONDS)
            for straggler in late:
                straggler.cancel()
            if late:
                await asyncio.wait(late)
                log.warning("alert deliveries cut off at shutdown", extra={"count": len(late)})

    def poke(self) -> None:
        """Ask for an evaluation soon; a burst of pokes costs one. Never blocks."""
        if self._wake is not None:
            self._wake.set()

    async def _run(self, wake: asyncio.Event) -> None:
        while True:
            try:
                async with asyncio.timeout(self.config.check_seconds):
                    await wake.wait()
                await asyncio.sleep(self._debounce)  # let the rest of the burst arrive
            except TimeoutError:
                pass
            wake.clear()
            try:
                await self.evaluate()
            except Exception:
                log.exception("alert evaluation failed")

    async def evaluate(self) -> None:
        """Check every rule against a fresh budget snapshot; fire and resolve what changed."""
        async with self._evaluating:
            statuses = await self._snapshot()
            holding = conditions(statuses, self.config.budget_percentages)
            now = utcnow()
            open_now = await self._store.open_alerts()
            for key, condition in holding.items():
                if key not in open_now:
                    fired = await self._store.fire(condition, now=now)
                    if fired is not None:
                        self._dispatch(fired)
            for key, alert in open_now.items():
                budget_rule = alert.rule in _BUDGET_RULES and alert.scope != NOTICE_SCOPE
                if budget_rule and key not in holding:
                    resolved = await self._store.resolve(key, now=now)
                    if resolved is not None:
                        self._dispatch(resolved)
            cutoff = now - timedelta(seconds=self._notice_quiet)
            if any(a.scope == NOTICE_SCOPE and a.fired_at < cutoff for a in open_now.values()):
                await self._store.expire_notices(fired_before=cutoff, now=now)
            clock = time.monotonic()
            for dedupe, noticed in list(self._noticed.items()):
                if clock - noticed >= self._notice_quiet:
                    del self._noticed[dedupe]

    def notify(
        self,
        kind: str,
        message: str,
        *,
        severity: Severity = "warning",
        details: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None:
        """Raise an ad-hoc notice (e.g. `unpriced_model`) without waiting for it.

        Deduplicated per `(kind, key)` for the quiet period (an hour by default), across
        replicas too; `key` is what the notice is about, such as the model alias.
        """
        subject = key or ""
        dedupe = f"{kind}|{subject}"
        clock = time.monotonic()
        last = self._noticed.get(dedupe)
        if last is not None and clock - last < self._notice_quiet:
            return
        self._noticed[dedupe] = clock
        condition = Condition(
            rule=kind,
            scope=NOTICE_SCOPE,
            name=subject,
            window=None,
            threshold=None,
            severity=severity,
            message=message,
            # Round-trip through JSON so a Decimal or datetime from the caller cannot
            # break the insert.
            details=json.loads(json.dumps(details or {}, default=str)),
        )
        self._track(self._notice(condition, dedupe))

    async def _notice(self, condition: Condition, dedupe: str) -> None:
        try:
            fired = await self._store.fire(condition, now=utcnow())
        except Exception:
            self._noticed.pop(dedupe, None)  # let the next call try again
            log.exception("could not record a notice", extra={"kind": condition.rule})
            return
        if fired is not None:
            self._dispatch(fired)

    async def query(self, *, state: StateFilter = "all", limit: int = 50) -> list[Alert]:
        """Fired alerts, newest first."""
        return await self._store.query(state=state, limit=limit)

    async def flush(self) -> None:
        """Wait until every notice raised so far has been delivered or given up on."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def _dispatch(self, alert: Alert) -> None:
        self._track(self._deliver(alert))

    def _track(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("alert delivery failed", exc_info=error)

    async def _deliver(self, alert: Alert) -> None:
        """Every channel at once, each with its own retries: a slow one delays no other."""
        log.info(
            "alert %s",
            "resolved" if alert.resolved_at else "fired",
            extra={
                "alert": alert.id,
                "rule": alert.rule,
                "scope": alert.scope,
                "budget": alert.name,
            },
        )
        results = await asyncio.gather(
            *(deliver(channel, alert, self._retry_delays) for channel in self.channels)
        )
        delivered = [c.name for c, ok in zip(self.channels, results, strict=True) if ok]
        failed = [c.name for c, ok in zip(self.channels, results, strict=True) if not ok]
        phase = "resolved" if alert.resolved_at else "fired"
        try:
            await self._store.record_delivery(alert.id, phase, delivered, failed)
        except Exception:
            log.exception("could not record alert delivery", extra={"alert": alert.id})
