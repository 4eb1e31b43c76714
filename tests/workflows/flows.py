"""Workflows for the tests. Temporal's sandbox re-imports this module for every run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

# Imported inside the sandbox on purpose: the saga helper must load there cheaply.
from swarmdeck.workflows.saga import Saga

with workflow.unsafe.imports_passed_through():
    from tests.workflows import activities

TIMEOUT = timedelta(seconds=10)
FAST_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=50), maximum_attempts=2)


@workflow.defn
class Greet:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            activities.greet, name, start_to_close_timeout=TIMEOUT
        )


@workflow.defn
class GreetWhenTold:
    """Waits for the `go` signal, then greets: spans a dev server restart."""

    def __init__(self) -> None:
        self._go = False

    @workflow.run
    async def run(self, name: str) -> str:
        await workflow.wait_condition(lambda: self._go)
        return await workflow.execute_activity(
            activities.greet, name, start_to_close_timeout=TIMEOUT
        )

    @workflow.signal
    def go(self) -> None:
        self._go = True


@dataclass
class TripOutcome:
    error: str | None = None
    undo_failures: list[str] = field(default_factory=list)


@workflow.defn
class BookTrip:
    """Books a flight, a hotel and a car; a failure undoes what was booked."""

    @workflow.run
    async def run(self, trip: activities.Trip) -> TripOutcome:
        saga = Saga(start_to_close_timeout=TIMEOUT, compensation_retry_policy=FAST_RETRY)
        try:
            async with saga:
                for item in ("flight", "hotel", "car"):
                    await saga.step(activities.book, trip, item, compensate=activities.cancel)
        except ActivityError as exc:
            if not trip.catch:
                raise
            failures = [failure.activity for failure in saga.failures]
            return TripOutcome(error=str(exc.cause), undo_failures=failures)
        return TripOutcome()
