"""Sagas in a real workflow: compensations newest first, failures recorded, success untouched."""

from __future__ import annotations

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError

from . import activities
from .activities import JOURNAL, Trip
from .conftest import running_worker, unique
from .flows import BookTrip, TripOutcome

pytestmark = pytest.mark.asyncio(loop_scope="session")

SAGA_ACTIVITIES = [activities.book, activities.cancel]


async def book_trip(client: Client, trip: Trip) -> tuple[str, TripOutcome]:
    workflow_id = unique("trip")
    async with running_worker(client, [BookTrip], SAGA_ACTIVITIES) as queue:
        outcome = await client.execute_workflow(
            BookTrip.run, trip, id=workflow_id, task_queue=queue, result_type=TripOutcome
        )
    return workflow_id, outcome


async def test_compensations_run_in_reverse_order_and_the_error_propagates(
    client: Client,
) -> None:
    workflow_id = unique("trip")
    async with running_worker(client, [BookTrip], SAGA_ACTIVITIES) as queue:
        with pytest.raises(WorkflowFailureError) as caught:
            await client.execute_workflow(
                BookTrip.run, Trip(fail_at="car"), id=workflow_id, task_queue=queue
            )
    assert JOURNAL[workflow_id] == [
        "book flight",
        "book hotel",
        "book car",
        "cancel hotel",
        "cancel flight",
    ]
    # The workflow fails with the step's own error, not one about compensating.
    activity_error = caught.value.cause
    assert isinstance(activity_error, ActivityError)
    assert isinstance(activity_error.cause, ApplicationError)
    assert activity_error.cause.message == "no car available"


async def test_a_failing_compensation_is_recorded_and_the_others_still_run(
    client: Client,
) -> None:
    trip = Trip(fail_at="car", broken_undo="hotel", catch=True)
    workflow_id, outcome = await book_trip(client, trip)
    assert JOURNAL[workflow_id] == [
        "book flight",
        "book hotel",
        "book car",
        "cancel hotel",  # first attempt
        "cancel hotel",  # its retry policy allows two
        "cancel flight",  # still runs
    ]
    assert outcome == TripOutcome(error="no car available", undo_failures=["cancel"])


async def test_a_saga_that_succeeds_compensates_nothing(client: Client) -> None:
    workflow_id, outcome = await book_trip(client, Trip())
    assert outcome == TripOutcome()
    assert JOURNAL[workflow_id] == ["book flight", "book hotel", "book car"]


async def test_a_failure_before_any_step_completes_compensates_nothing(client: Client) -> None:
    workflow_id, outcome = await book_trip(client, Trip(fail_at="flight", catch=True))
    assert outcome == TripOutcome(error="no flight available")
    assert JOURNAL[workflow_id] == ["book flight"]
