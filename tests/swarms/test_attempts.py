"""Failed attempts at turns, kept in the database: a turn Temporal retried shows the attempt
that failed beside its step, a run that failed shows the attempt that failed it, and the
API serves both after the `runs` events are gone."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from tests.swarms.conftest import Deck, DeckFactory
from tests.swarms.test_runs import PAIR, first_turn, new_run, run_to_end

pytestmark = pytest.mark.asyncio(loop_scope="module")

NO_GATEWAY_RETRIES = {"routing": {"retries": 0, "backoff": 0.01}}
"""A provider's 5xx goes back to the agent at once, so the turn's activity itself fails and
Temporal retries it (the gateway would otherwise retry it twice first)."""


async def api_run(deck: Deck, run_id: str) -> dict[str, Any]:
    async with deck.server.admin() as admin:
        response = await admin.get(f"/api/runs/{run_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_turn_that_failed_once_shows_its_failed_attempt_beside_its_step(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}, gateway=NO_GATEWAY_RETRIES) as deck:
        deck.fake.fail(500, message="the provider is having a moment")
        events = await deck.runtime.bus.subscribe(["runs"])
        run = await run_to_end(deck, "pair", "try again")
        body = await api_run(deck, run.id)
        failed = []
        while not events.queue.empty():
            event = events.queue.get_nowait()
            if event is not None and event.type == "step.failed":
                failed.append(event.data)
    assert run.status == "completed", run.error
    assert [step.seq for step in run.steps] == [1, 2]
    [attempt] = run.failed_attempts
    assert (attempt.seq, attempt.attempt, attempt.instance, attempt.role) == (
        1,
        1,
        "first",
        "agent",
    )
    assert attempt.retryable and attempt.model == "gpt"
    assert attempt.error.startswith("the gateway refused the call (502")
    assert attempt.started_at < attempt.finished_at <= run.steps[0].started_at
    assert [(e["seq"], e["attempt"], e["retryable"]) for e in failed] == [(1, 1, True)]
    # The API has it too, with the step the retry wrote.
    [shown] = body["failed_attempts"]
    assert (shown["seq"], shown["attempt"], shown["instance"]) == (1, 1, "first")
    assert shown["error"] == attempt.error and shown["error_type"] == attempt.error_type
    assert shown["retryable"] is True and shown["duration_ms"] > 0
    assert [step["seq"] for step in body["steps"]] == [1, 2]


async def test_a_refused_call_shows_the_attempt_that_failed_the_run(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        deck.fake.fail(400, message="that prompt is not allowed")
        run = await run_to_end(deck, "pair", "something odd")
        body = await api_run(deck, run.id)
    assert run.status == "failed" and run.steps == []
    [attempt] = run.failed_attempts
    assert (attempt.seq, attempt.attempt, attempt.instance) == (1, 1, "first")
    assert not attempt.retryable
    assert "that prompt is not allowed" in attempt.error
    assert run.error == f"first: {attempt.error}"
    assert [(a["seq"], a["attempt"], a["retryable"]) for a in body["failed_attempts"]] == [
        (1, 1, False)
    ]
    assert "that prompt is not allowed" in body["failed_attempts"][0]["error"]


async def test_an_unexpected_exception_is_kept_once_per_attempt_and_still_raised(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        run_id = await new_run(deck)
        # Content the SDK cannot encode: no AgentError, a plain TypeError from below.
        turn = first_turn(run_id, object())
        env = ActivityEnvironment()
        with pytest.raises(TypeError):
            await env.run(deck.activities.agent_turn, turn)
        with pytest.raises(TypeError):  # the same attempt again: one row
            await env.run(deck.activities.agent_turn, turn)
        env.info = dataclasses.replace(env.info, attempt=2)
        with pytest.raises(TypeError):
            await env.run(deck.activities.agent_turn, turn)
        run = await deck.swarms.get_run(run_id)
    assert [(a.seq, a.attempt) for a in run.failed_attempts] == [(1, 1), (1, 2)]
    assert {a.error_type for a in run.failed_attempts} == {"TypeError"}
    assert all(a.retryable and a.error for a in run.failed_attempts)
    assert run.steps == []
