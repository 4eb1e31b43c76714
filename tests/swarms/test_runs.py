"""Swarm runs on a real Temporal dev server, every agent turn through SwarmDeck's own
gateway (to the fake provider) and every tool call through its MCP bridge."""

from __future__ import annotations

import base64
import contextlib
import re
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import ActivityEnvironment

from swarmdeck.core.models import utcnow, uuid7
from swarmdeck.swarms.plan import AgentInstance
from swarmdeck.swarms.runs import RunRecord
from swarmdeck.workflows.run_messages import RunUpdate, TurnInput
from swarmdeck.workflows.swarm_run import workflow_id
from tests.mcp.conftest import FAST, time_server
from tests.swarms.conftest import CLI, Deck, DeckFactory, eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

RESEARCH = {
    "pattern": "parallel",
    "agents": [
        {"name": "planner", "model": "gpt", "instructions": "You plan research."},
        {"name": "researcher", "model": "gpt", "replicas": 2, "max_turns": 2},
    ],
}
PAIR = {
    "pattern": "sequential",
    "agents": [{"name": "first", "model": "gpt"}, {"name": "second", "model": "gpt"}],
}


async def new_run(deck: Deck, swarm: str = "pair") -> str:
    """A run's row as starting one writes it, for driving its activities by hand."""
    run_id = str(uuid7())
    await deck.swarms.runs.create(
        RunRecord(
            id=run_id, swarm=swarm, pattern="sequential", task="t", status="running",
            agents=[], budget_usd=None, started_by="test", created_at=utcnow(),
        )
    )  # fmt: skip
    return run_id


def first_turn(run_id: str, content: object, swarm: str = "pair") -> TurnInput:
    """The first agent's first turn of a run of `PAIR`, its user message `content`."""
    return TurnInput(
        run_id=run_id,
        swarm=swarm,
        seq=1,
        instance=AgentInstance(name="first", agent="first", model="gpt"),
        role="agent",
        turn=1,
        messages=[{"role": "user", "content": content}],
    )


def chat_requests(deck: Deck) -> list[Any]:
    return deck.fake.calls("/v1/chat/completions")


def last_user_text(request: Any) -> str:
    users = [m for m in request.body["messages"] if m["role"] == "user"]
    return str(users[-1]["content"])


async def run_to_end(deck: Deck, swarm: str, task: str) -> RunRecord:
    record = await deck.swarms.start_run(CLI, swarm, task, deck.client)
    async with deck.worker():
        handle = deck.client.get_workflow_handle(workflow_id(record.id))
        with contextlib.suppress(WorkflowFailureError):  # a failed run: its record says why
            await handle.result()
    return await deck.swarms.get_run(record.id)


async def test_parallel_run_plans_works_in_parallel_and_merges(deck_factory: DeckFactory) -> None:
    async with deck_factory({"research": RESEARCH}) as deck:
        run = await run_to_end(deck, "research", "compare three databases")
        requests = chat_requests(deck)
    assert run.status == "completed", run.error
    roles = [(step.instance, step.role) for step in run.steps]
    assert roles[0] == ("planner", "planner")
    assert sorted(roles[1:3]) == [("researcher.1", "worker"), ("researcher.2", "worker")]
    assert roles[3] == ("planner", "merge")
    assert len(requests) == 4  # one model call per turn, none repeated
    assert "Split the task below into 2" in last_user_text(requests[0])
    merge = last_user_text(requests[3])
    assert "[researcher.1]" in merge and "[researcher.2]" in merge
    assert run.cost_usd == sum((step.cost_usd for step in run.steps), Decimal(0)) > 0
    assert run.input_tokens == sum(step.input_tokens for step in run.steps)
    assert run.output and run.output.startswith("echo:")
    assert all(step.call_ids for step in run.steps)


async def test_gateway_ledger_attributes_run_calls_to_the_swarm_and_agents(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"research": RESEARCH}) as deck:
        run = await run_to_end(deck, "research", "summarise the news")
        async with deck.server.admin() as admin:

            async def by(group: str) -> dict[str, Any]:
                summary = (await admin.get("/api/costs/summary", params={"group_by": group})).json()
                return {g["key"]: g for g in summary["groups"]}

            swarms = await eventually(
                lambda: _when(by("swarm"), lambda g: g.get("research", {}).get("calls") == 4)
            )
            agents = await by("agent")
    assert Decimal(swarms["research"]["cost_usd"]) == run.cost_usd
    assert {"planner", "researcher.1", "researcher.2"} <= set(agents)
    assert agents["planner"]["calls"] == 2  # plan and merge


async def _when(value: Any, predicate: Any) -> Any:
    result = await value
    return result if predicate(result) else None


async def test_sequential_hands_each_output_to_the_next(deck_factory: DeckFactory) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        run = await run_to_end(deck, "pair", "write a haiku")
        requests = chat_requests(deck)
    assert run.status == "completed", run.error
    assert [step.instance for step in run.steps] == ["first", "second"]
    assert last_user_text(requests[0]) == "write a haiku"
    assert "The previous agent (first) answered:\necho: write a haiku" in last_user_text(
        requests[1]
    )
    assert run.output == run.steps[-1].output


async def test_supervisor_delegates_to_its_workers_until_its_last_turn(
    deck_factory: DeckFactory,
) -> None:
    swarm = {
        "pattern": "supervisor",
        "agents": [
            {"name": "boss", "model": "gpt", "max_turns": 3},
            {"name": "alpha", "model": "gpt"},
            {"name": "beta", "model": "gpt"},
        ],
    }
    async with deck_factory({"team": swarm}) as deck:
        # The fake calls a tool when the user text says `call <tool>`.
        run = await run_to_end(deck, "team", "please call delegate")
        requests = chat_requests(deck)
    assert run.status == "completed", run.error
    turns = [(step.instance, step.role) for step in run.steps]
    assert turns[0] == ("boss", "supervisor")
    assert sorted(turns[1:3]) == [("alpha", "worker"), ("beta", "worker")]
    assert turns[3] == ("boss", "supervisor")
    assert turns[-1] == ("boss", "supervisor") and len(turns) == 7
    offered = [t["function"]["name"] for t in requests[0].body["tools"]]
    assert offered == ["delegate"]
    assert "tools" not in requests[-1].body  # the last turn must answer
    second = requests[3].body["messages"]
    results = [m for m in second if m["role"] == "tool"]
    assert "[alpha]" in results[0]["content"] and "[beta]" in results[0]["content"]
    assert run.output and run.output.startswith("echo:")


async def test_agents_call_their_mcp_tools_through_the_bridge(deck_factory: DeckFactory) -> None:
    swarm = {
        "agents": [{"name": "clock", "model": "gpt", "tools": ["time"], "max_turns": 2}],
    }
    sections = {"mcp": FAST, "mcp_servers": {"time": time_server()}}
    async with deck_factory({"clocks": swarm}, **sections) as deck:
        await eventually(
            lambda: any(s.state == "healthy" for s in deck.runtime.mcp.servers()), within=30
        )
        runs_topic = await deck.runtime.bus.subscribe(["runs"])
        run = await run_to_end(deck, "clocks", "please call time__get_current_time")
        requests = chat_requests(deck)
        records, _ = await eventually(
            lambda: _when(deck.runtime.audit.query(action="mcp.tool.call"), lambda found: found[0])
        )
    assert run.status == "completed", run.error
    offered = {t["function"]["name"] for t in requests[0].body["tools"]}
    assert "time__get_current_time" in offered
    first = run.steps[0]
    assert [call["name"] for call in first.tool_calls] == ["time__get_current_time"]
    tool_message = next(m for m in requests[1].body["messages"] if m["role"] == "tool")
    assert tool_message["tool_call_id"] == first.tool_calls[0]["id"]
    assert records[0].resource_id == "time__get_current_time"
    assert (records[0].actor.type, records[0].actor.name) == ("agent", "agent:clocks/clock")
    assert first.tool_calls[0]["started_at"] is not None
    # The live graph's "calling tool": the call announced as it starts and as it ends.
    calls = []
    while not runs_topic.queue.empty():
        event = runs_topic.queue.get_nowait()
        if event is not None and event.type == "step.tool_call":
            calls.append((event.data["tool"], event.data["phase"], event.data.get("ok")))
    assert calls == [
        ("time__get_current_time", "started", None),
        ("time__get_current_time", "finished", first.tool_calls[0]["ok"]),
    ]


async def test_budget_stops_a_run_once_its_spend_reaches_it(deck_factory: DeckFactory) -> None:
    swarm = {**PAIR, "budget_usd": "0.000001"}
    async with deck_factory({"pair": swarm}) as deck:
        run = await run_to_end(deck, "pair", "write a long essay")
        requests = chat_requests(deck)
    assert run.status == "failed"
    assert run.error is not None and "budget reached" in run.error
    assert len(run.steps) == 1 and len(requests) == 1  # the second agent never ran


async def test_cancelling_a_run_stops_it_and_records_it_cancelled(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        deck.fake.latency = 1.0
        record = await deck.swarms.start_run(CLI, "pair", "take your time", deck.client)
        async with deck.worker():
            live = await eventually(
                lambda: _when(
                    deck.swarms.live_state(record.id, deck.client),
                    lambda state: state is not None and state.active,
                )
            )
            assert live.active == ["first"] and live.status == "running"
            assert await deck.swarms.active_agents(record.id, deck.client) == ["first"]
            await deck.swarms.cancel_run(CLI, record.id, deck.client)
            handle = deck.client.get_workflow_handle(workflow_id(record.id))
            with pytest.raises(WorkflowFailureError):
                await handle.result()
        run = await deck.swarms.get_run(record.id)
        deck.fake.latency = 0
        requests = chat_requests(deck)
    assert run.status == "cancelled"
    assert len(requests) == 1  # the second agent never started
    assert "second" not in {step.instance for step in run.steps}


async def test_scaling_to_five_agents_gives_the_next_run_five(deck_factory: DeckFactory) -> None:
    async with deck_factory({"research": RESEARCH}) as deck:
        view = await deck.swarms.scale(CLI, "research", 5)
        assert [i.name for i in view.instances] == ["planner"] + [
            f"researcher.{n}" for n in range(1, 5)
        ]
        run = await run_to_end(deck, "research", "survey the field")
        records, _ = await deck.runtime.audit.query(action="swarm.scale", with_details=True)
    assert run.status == "completed", run.error
    assert len(run.agents) == 5
    workers = sorted(step.instance for step in run.steps if step.role == "worker")
    assert workers == [f"researcher.{n}" for n in range(1, 5)]
    assert len(run.steps) == 6  # plan, four parts, merge
    assert records[0].resource_id == "research"
    assert records[0].details is not None and records[0].details["to"] == 5


async def test_a_retried_turn_returns_its_written_step_without_calling_the_model(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        run_id = await new_run(deck)
        turn = first_turn(run_id, "hello there")
        env = ActivityEnvironment()
        first = await env.run(deck.activities.agent_turn, turn)
        again = await env.run(deck.activities.agent_turn, turn)
        update = RunUpdate(run_id=run_id, swarm="pair", status="completed", output="done")
        await env.run(deck.activities.record_run, update)
        await env.run(deck.activities.record_run, update)
        run = await deck.swarms.get_run(run_id)
        ended, _ = await deck.runtime.audit.query(action="swarm.run.completed")
        requests = chat_requests(deck)
    assert again == first
    assert len(requests) == 1
    assert len(run.steps) == 1
    assert run.cost_usd == Decimal(first.cost_usd)  # counted once
    assert run.status == "completed" and len(ended) == 1


async def test_a_refused_model_call_fails_the_run_at_once_with_the_reason(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        deck.fake.fail(400, message="that prompt is not allowed")
        run = await run_to_end(deck, "pair", "something odd")
        requests = chat_requests(deck)
    assert run.status == "failed"
    assert run.error is not None
    assert run.error.startswith("first: the gateway refused the call (4")
    assert "that prompt is not allowed" in run.error
    assert len(requests) == 1  # a refusal is not retried
    assert run.steps == []


async def test_agent_credentials_never_enter_the_workflow_history(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"pair": PAIR}) as deck:
        run = await run_to_end(deck, "pair", "keep a secret")
        history = await deck.client.get_workflow_handle(workflow_id(run.id)).fetch_history()
        metrics = (await _get(deck, "/metrics")).text
    assert run.status == "completed"
    payloads = list(_payloads(history.to_json_dict()))
    assert any(b"keep a secret" in data for data in payloads)  # the decoding works
    assert not any(b"sda-" in data or b"authorization" in data.lower() for data in payloads)
    turns = r'swarmdeck_swarm_agent_turns_total\{agent="first",[^}]*outcome="ok",swarm="pair"\}'
    assert re.search(turns, metrics)
    assert re.search(
        r'swarmdeck_swarm_run_duration_seconds_count\{[^}]*status="completed"', metrics
    )


def _payloads(node: Any) -> Any:
    """Every payload's bytes in a history's JSON form (payload data is base64 there)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, str):
                yield base64.b64decode(value)
            else:
                yield from _payloads(value)
    elif isinstance(node, list):
        for item in node:
            yield from _payloads(item)


async def _get(deck: Deck, path: str) -> Any:
    async with deck.server.admin() as admin:
        return await admin.get(path)
