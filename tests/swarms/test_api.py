"""The swarm API on a real server with a real worker: define, scale, run, follow, cancel;
who may do which; the issue's acceptance scenario end to end."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.swarms.conftest import DeckFactory, eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

RESEARCH = {
    "pattern": "parallel",
    "agents": [
        {"name": "planner", "model": "gpt"},
        {"name": "researcher", "model": "gpt", "replicas": 2},
    ],
}


async def finished(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        run: dict[str, Any] = (await client.get(f"/api/runs/{run_id}")).json()
        return run if run["status"] != "running" else None

    result: dict[str, Any] = await eventually(check, within=30)
    return result


async def test_research_runs_costs_by_swarm_scales_to_five_and_the_scale_is_audited(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"research": RESEARCH}) as deck, deck.worker():
        runs_topic = await deck.runtime.bus.subscribe(["runs"])
        swarms_topic = await deck.runtime.bus.subscribe(["swarms"])
        async with deck.server.admin() as admin:
            listed = (await admin.get("/api/swarms")).json()
            assert [(s["name"], s["from_config"], s["agent_count"]) for s in listed] == [
                ("research", True, 3)
            ]
            started = await admin.post("/api/swarms/research/runs", json={"task": "map the field"})
            assert started.status_code == 201, started.text
            assert started.json()["status"] == "running"
            run = await finished(admin, started.json()["id"])
            assert run["status"] == "completed", run["error"]
            assert len(run["agents"]) == 3 and len(run["steps"]) == 4
            for step in run["steps"]:
                assert step["agent"] in ("planner", "researcher")
                assert step["done"] is True and step["delegations"] == []
                assert step["duration_ms"] > 0 and step["input_tokens"] > 0
                assert Decimal(step["cost_usd"]) > 0 and step["output"].startswith("echo:")
            assert Decimal(run["cost_usd"]) == sum(Decimal(s["cost_usd"]) for s in run["steps"])

            async def research_costs() -> dict[str, Any] | None:
                summary = (
                    await admin.get("/api/costs/summary", params={"group_by": "swarm"})
                ).json()
                groups = {g["key"]: g for g in summary["groups"]}
                return groups.get("research") if "research" in groups else None

            costs = await eventually(research_costs)
            assert costs["calls"] == 4 and Decimal(costs["cost_usd"]) == Decimal(run["cost_usd"])

            scaled = await admin.post("/api/swarms/research/scale", json={"agents": 5})
            assert scaled.status_code == 200, scaled.text
            assert scaled.json()["agent_count"] == 5 and scaled.json()["scale"] == 5
            audit = (await admin.get("/api/audit", params={"action": "swarm.scale"})).json()
            assert [r["resource_id"] for r in audit["records"]] == ["research"]

            second = await admin.post("/api/swarms/research/runs", json={"task": "go deeper"})
            run = await finished(admin, second.json()["id"])
            assert run["status"] == "completed", run["error"]
            assert len(run["agents"]) == 5
            assert len({s["instance"] for s in run["steps"] if s["role"] == "worker"}) == 4

            history = (await admin.get("/api/runs", params={"swarm": "research"})).json()
            assert [r["id"] for r in history] == [second.json()["id"], started.json()["id"]]
    kinds = [event.type for event in _drain(runs_topic)]
    assert kinds[0] == "run.started" and "run.completed" in kinds
    assert kinds.count("step.completed") == 4 + 6
    scaled_events = [e.data for e in _drain(swarms_topic) if e.type == "swarm.scaled"]
    assert scaled_events == [
        {"swarm": "research", "from": 3, "agents": 5, "instances": {"planner": 1, "researcher": 4}}
    ]


def _drain(subscription: Any) -> list[Any]:
    events = []
    while not subscription.queue.empty():
        event = subscription.queue.get_nowait()
        if event is not None:
            events.append(event)
    return events


async def test_swarms_made_through_the_api_are_audited_and_config_ones_are_read_only(
    deck_factory: DeckFactory,
) -> None:
    body = {"name": "duo", "agents": [{"name": "a", "model": "gpt"}, {"name": "b", "model": "gpt"}]}
    async with deck_factory({"research": RESEARCH}) as deck, deck.server.admin() as admin:
        created = await admin.post("/api/swarms", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["from_config"] is False
        assert (await admin.post("/api/swarms", json=body)).status_code == 409
        changed = await admin.put(
            "/api/swarms/duo", json={"pattern": "supervisor", "agents": body["agents"]}
        )
        assert changed.status_code == 200 and changed.json()["pattern"] == "supervisor"
        readonly = await admin.put("/api/swarms/research", json={"agents": body["agents"]})
        assert readonly.status_code == 409
        assert "config file" in readonly.json()["error"]["message"]
        assert (await admin.delete("/api/swarms/research")).status_code == 409
        assert (await admin.delete("/api/swarms/duo")).status_code == 204
        assert (await admin.get("/api/swarms/duo")).status_code == 404
        audit = (await admin.get("/api/audit", params={"action": "swarm.*"})).json()
        assert [r["action"] for r in audit["records"]] == [
            "swarm.delete", "swarm.update", "swarm.create",
        ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            {"name": "x", "pattern": "parallel", "agents": [{"name": "a", "model": "gpt"}]},
            "at least 2",
        ),
        ({"name": "x", "agents": [{"name": "a", "model": "nope"}]}, "not a model alias"),
        ({"name": "x y", "agents": [{"name": "a", "model": "gpt"}]}, "pattern"),
        ({"name": "x", "agents": [{"name": "a", "model": "gpt"}], "extra": 1}, "Extra"),
    ],
)
async def test_bad_swarms_are_a_clear_422(
    deck_factory: DeckFactory, body: dict[str, Any], needle: str
) -> None:
    async with deck_factory({}) as deck, deck.server.admin() as admin:
        response = await admin.post("/api/swarms", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["type"] == "invalid_input"
    assert needle in response.text


async def test_bad_run_and_scale_requests_are_4xx(deck_factory: DeckFactory) -> None:
    async with deck_factory({"research": RESEARCH}) as deck, deck.server.admin() as admin:
        assert (await admin.post("/api/swarms/nope/runs", json={"task": "x"})).status_code == 404
        assert (await admin.post("/api/swarms/research/runs", json={"task": ""})).status_code == 422
        too_few = await admin.post("/api/swarms/research/scale", json={"agents": 1})
        assert too_few.status_code == 422 and too_few.json()["error"]["details"]["min"] == 2
        missing = "00000000-0000-7000-8000-000000000000"
        assert (await admin.get(f"/api/runs/{missing}")).status_code == 404
        assert (await admin.post(f"/api/runs/{missing}/cancel")).status_code == 404
        assert (await admin.get("/api/runs/not-a-uuid")).status_code == 422


async def test_operators_run_scale_and_cancel_but_do_not_define_swarms(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"research": RESEARCH}) as deck:
        deck.fake.latency = 1.0
        async with deck.worker(), deck.server.as_role("operator") as operator:
            assert (await operator.get("/api/swarms")).status_code == 200
            body = {"name": "mine", "agents": [{"name": "a", "model": "gpt"}]}
            assert (await operator.post("/api/swarms", json=body)).status_code == 403
            scaled = await operator.post("/api/swarms/research/scale", json={"agents": 4})
            assert scaled.status_code == 200
            started = await operator.post("/api/swarms/research/runs", json={"task": "slow"})
            assert started.status_code == 201
            run_id = started.json()["id"]
            live = await eventually(lambda: _active(operator, run_id), within=15)
            assert live == ["planner"]
            cancel = await operator.post(f"/api/runs/{run_id}/cancel")
            assert cancel.status_code == 202, cancel.text
            run = await finished(operator, run_id)
            assert run["status"] == "cancelled"
            again = await operator.post(f"/api/runs/{run_id}/cancel")
            assert again.status_code == 409

            # The run as Temporal has it: the Workflows page's list. Temporal's visibility
            # store catches up with an execution's end a moment after it.
            async def closed_execution() -> dict[str, Any] | None:
                listed = await operator.get("/api/workflows")
                assert listed.status_code == 200, listed.text
                [found] = [e for e in listed.json()["executions"] if e["swarm_run"] == run_id]
                return found if found["status"] != "running" else None

            execution = await eventually(closed_execution)
            assert execution["workflow_type"] == "SwarmRun"
            assert execution["status"] == "cancelled"
            assert execution["closed_at"] is not None and execution["ui_url"] is None
        deck.fake.latency = 0
        async with deck.server.as_role("viewer") as viewer:
            assert (await viewer.get("/api/swarms")).status_code == 403
            assert (await viewer.get("/api/runs")).status_code == 403
            assert (await viewer.get("/api/workflows")).status_code == 403


async def _active(client: httpx.AsyncClient, run_id: str) -> list[str] | None:
    run = (await client.get(f"/api/runs/{run_id}")).json()
    active: list[str] | None = run.get("active")
    return active or None


async def test_runs_wait_for_a_worker_and_survive_one_stopping(
    deck_factory: DeckFactory,
) -> None:
    """A run started with no worker about waits; the next worker picks it up."""
    async with deck_factory({"research": RESEARCH}) as deck, deck.server.admin() as admin:
        started = await admin.post("/api/swarms/research/runs", json={"task": "later"})
        assert started.status_code == 201
        await asyncio.sleep(0.5)
        waiting = (await admin.get(f"/api/runs/{started.json()['id']}")).json()
        assert waiting["status"] == "running" and waiting["steps"] == []
        async with deck.worker():
            run = await finished(admin, started.json()["id"])
    assert run["status"] == "completed"
