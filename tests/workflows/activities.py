"""Activities the test workflows call; they run in the test process and keep a journal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

JOURNAL: dict[str, list[str]] = defaultdict(list)
"""What each workflow's activities did, by workflow id, in the order they did it."""


@dataclass
class Trip:
    fail_at: str | None = None
    """The booking that fails (for good: not retried)."""
    broken_undo: str | None = None
    """The cancellation that keeps failing."""
    catch: bool = False
    """Whether the workflow catches the error and reports, instead of failing."""


def _note(entry: str) -> None:
    JOURNAL[activity.info().workflow_id].append(entry)


@activity.defn
async def greet(name: str) -> str:
    _note(f"greet {name}")
    return f"hello, {name}"


@activity.defn
async def book(trip: Trip, item: str) -> str:
    _note(f"book {item}")
    if trip.fail_at == item:
        raise ApplicationError(f"no {item} available", non_retryable=True)
    return f"{item}-ref"


@activity.defn
async def cancel(trip: Trip, item: str) -> None:
    _note(f"cancel {item}")
    if trip.broken_undo == item:
        raise ApplicationError(f"cannot cancel the {item}")
