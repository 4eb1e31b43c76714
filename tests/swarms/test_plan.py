"""The scale rule: a total of agent instances, the difference taken by one agent."""

from __future__ import annotations

from typing import Any

import pytest

from swarmdeck.core.errors import InvalidInput
from swarmdeck.swarms import MAX_AGENTS, SwarmConfig, elastic_agent, plan, scale_bounds


def swarm(*agents: dict[str, Any], pattern: str = "sequential") -> SwarmConfig:
    return SwarmConfig.model_validate({"pattern": pattern, "agents": list(agents)})


def names(config: SwarmConfig, scale: int | None = None) -> list[str]:
    return [instance.name for instance in plan(config, scale)]


RESEARCH = swarm(
    {"name": "planner", "model": "gpt"},
    {"name": "researcher", "model": "gpt", "replicas": 2},
    pattern="parallel",
)


def test_without_scale_each_agent_runs_its_replicas() -> None:
    assert names(RESEARCH) == ["planner", "researcher.1", "researcher.2"]


def test_scaling_grows_the_agent_that_sets_replicas() -> None:
    assert names(RESEARCH, 5) == ["planner"] + [f"researcher.{n}" for n in range(1, 5)]


def test_scaling_down_shrinks_it_to_one() -> None:
    assert names(RESEARCH, 2) == ["planner", "researcher"]


def test_without_replicas_the_last_agent_takes_the_difference() -> None:
    config = swarm(
        {"name": "planner", "model": "gpt"},
        {"name": "a", "model": "gpt"},
        {"name": "b", "model": "gpt"},
        pattern="parallel",
    )
    assert elastic_agent(config) == 2
    assert names(config, 5) == ["planner", "a", "b.1", "b.2", "b.3"]


def test_the_last_agent_that_sets_replicas_is_the_elastic_one() -> None:
    config = swarm(
        {"name": "a", "model": "gpt", "replicas": 2},
        {"name": "b", "model": "gpt", "replicas": 1},
        {"name": "c", "model": "gpt"},
    )
    assert elastic_agent(config) == 1
    assert names(config, 6) == ["a.1", "a.2", "b.1", "b.2", "b.3", "c"]


def test_instances_carry_their_agents_settings() -> None:
    config = swarm(
        {"name": "r", "model": "gpt", "tools": ["time"], "max_turns": 7, "instructions": "Go."}
    )
    (only,) = plan(config)
    assert (only.agent, only.model, only.tools, only.max_turns, only.instructions) == (
        "r", "gpt", ["time"], 7, "Go.",
    )  # fmt: skip


@pytest.mark.parametrize("total", [0, 1, MAX_AGENTS + 1])
def test_a_total_the_others_leave_no_room_for_is_refused(total: int) -> None:
    low, high = scale_bounds(RESEARCH)
    assert (low, high) == (2, MAX_AGENTS)
    with pytest.raises(InvalidInput) as caught:
        plan(RESEARCH, total)
    assert caught.value.details == {"min": 2, "max": MAX_AGENTS}
