"""Swarm definitions: what the YAML file and the API accept, and what they refuse."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from swarmdeck.config import ConfigError, load_file_config
from swarmdeck.swarms import MAX_AGENTS, SwarmConfig, check_swarm_models


def swarm(pattern: str = "sequential", *agents: dict[str, Any], **extra: Any) -> SwarmConfig:
    listed = list(agents) or [{"name": "a", "model": "gpt"}, {"name": "b", "model": "gpt"}]
    return SwarmConfig.model_validate({"pattern": pattern, "agents": listed, **extra})


def refusal(**raw: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        SwarmConfig.model_validate(raw)
    return str(caught.value)


def test_the_yaml_swarms_section_is_read_with_its_defaults(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text(
        """
models:
  - name: gpt
    deployments: [{provider: oai, model: gpt-4o}]
providers:
  oai: {type: openai, base_url: "http://127.0.0.1:9/v1", api_key: sk-x}
swarms:
  research:
    pattern: parallel
    budget_usd: 0.50
    timeout: 10m
    agents:
      - {name: planner, model: gpt, instructions: Plan it.}
      - {name: researcher, model: gpt, replicas: 2, tools: [fetch], max_turns: 6}
""",
        encoding="utf-8",
    )
    research = load_file_config(path).swarms["research"]
    assert research.pattern == "parallel"
    assert research.budget_usd == Decimal("0.50")
    assert research.timeout == 600
    planner, researcher = research.agents
    assert (planner.replicas, planner.instances, planner.max_turns) == (None, 1, 4)
    assert (researcher.instances, researcher.tools, researcher.max_turns) == (2, ["fetch"], 6)


def test_a_bad_swarm_in_the_yaml_file_names_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text(
        "swarms:\n  research:\n    pattern: parallel\n    agents: [{name: solo, model: gpt}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_file_config(path)
    assert "swarms.research" in str(caught.value)
    assert "at least 2 agents" in str(caught.value)


def test_agent_names_must_be_unique() -> None:
    message = refusal(agents=[{"name": "a", "model": "gpt"}, {"name": "a", "model": "gpt"}])
    assert "repeated: a" in message


@pytest.mark.parametrize("pattern", ["parallel", "supervisor"])
def test_parallel_and_supervisor_need_a_lead_and_a_worker(pattern: str) -> None:
    assert "at least 2 agents" in refusal(pattern=pattern, agents=[{"name": "a", "model": "gpt"}])
    swarm(pattern)  # two will do


@pytest.mark.parametrize("pattern", ["parallel", "supervisor"])
def test_the_lead_agent_has_one_instance(pattern: str) -> None:
    agents = [{"name": "lead", "model": "gpt", "replicas": 2}, {"name": "w", "model": "gpt"}]
    assert "one instance only" in refusal(pattern=pattern, agents=agents)


def test_a_sequential_swarm_may_be_one_agent_with_replicas() -> None:
    single = swarm("sequential", {"name": "a", "model": "gpt", "replicas": 3})
    assert single.agents[0].instances == 3


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"agents": []}, "at least 1 item"),
        ({"agents": [{"name": "has space", "model": "gpt"}]}, "pattern"),
        ({"agents": [{"name": "a.b", "model": "gpt"}]}, "pattern"),
        ({"agents": [{"name": "a", "model": "gpt", "max_turns": 0}]}, "greater than or equal"),
        ({"agents": [{"name": "a", "model": "gpt"}], "budget_usd": 0}, "greater than 0"),
        ({"agents": [{"name": "a", "model": "gpt"}], "timeout": "soon"}, "not a duration"),
        ({"agents": [{"name": "a", "model": "gpt"}], "pattern": "mesh"}, "sequential"),
        ({"agents": [{"name": "a", "model": "gpt", "colour": "red"}]}, "Extra inputs"),
        (
            {
                "agents": [
                    {"name": "a", "model": "gpt", "replicas": MAX_AGENTS},
                    {"name": "b", "model": "gpt"},
                ]
            },
            f"at most {MAX_AGENTS}",
        ),
    ],
)
def test_bad_definitions_are_refused_with_a_reason(raw: dict[str, Any], needle: str) -> None:
    assert needle in refusal(**raw)


def test_agents_models_must_be_gateway_aliases() -> None:
    check_swarm_models({"s": swarm()}, {"gpt"})
    with pytest.raises(ValueError, match=r"swarms\.s\.agents\[1\]\.model: 'claude'"):
        check_swarm_models(
            {
                "s": swarm(
                    "sequential", {"name": "a", "model": "gpt"}, {"name": "b", "model": "claude"}
                )
            },
            {"gpt"},
        )
