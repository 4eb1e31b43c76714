"""Swarm definitions as the YAML file's `swarms:` section and the API write them.

A swarm is a named group of agents that works on one task together, in one of three
patterns: `sequential` hands each agent's output to the next; `parallel` has its first
agent (the planner) split the task, the others work on the parts at once, and the planner
merges their answers; `supervisor` has its first agent delegate to the others, turn by turn,
until it answers or runs out of turns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from swarmdeck._durations import Duration

NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,32}$"
MAX_AGENTS = 64
"""Agent instances one run may use, however far a swarm is scaled."""

Pattern = Literal["sequential", "parallel", "supervisor"]
ToolName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]
"""A bridge tool's public name, `<server>__<tool>`."""
SwarmName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(_Model):
    """One agent of a swarm: the model it thinks with, what it is told, what it may use."""

    name: str = Field(pattern=NAME_PATTERN, description="unique within the swarm")
    model: str = Field(min_length=1, max_length=128, description="a gateway model alias")
    instructions: str = Field(default="", max_length=20_000, description="its system prompt")
    replicas: int | None = Field(
        default=None,
        ge=1,
        le=MAX_AGENTS,
        description="instances of this agent (1 if unset); scaling the swarm grows or "
        "shrinks the agent that sets it (the last agent when none does)",
    )
    tools: list[str] = Field(
        default_factory=list,
        max_length=128,
        description="MCP tools it may call: `<server>__<tool>` names, or a server name for "
        "all of that server's tools",
    )
    max_turns: int = Field(
        default=4, ge=1, le=50, description="model calls per task; the last one gets no tools"
    )

    @property
    def instances(self) -> int:
        return self.replicas or 1


class SwarmConfig(_Model):
    pattern: Pattern = "sequential"
    agents: list[AgentConfig] = Field(min_length=1, max_length=MAX_AGENTS)
    budget_usd: Decimal | None = Field(
        default=None, gt=0, max_digits=18, decimal_places=9, description="a run stops past it"
    )
    timeout: Duration = Field(default=1800.0, le=7 * 86400, description="a run fails after it")
    compensations: dict[ToolName, ToolName] = Field(
        default_factory=dict,
        max_length=128,
        description="MCP tool -> the tool that undoes it: when a run fails or is cancelled, "
        "each successful call of a tool named here is undone by calling its undo with the same "
        "arguments, newest first",
    )

    @model_validator(mode="after")
    def _agents_fit_the_pattern(self) -> SwarmConfig:
        names = [agent.name for agent in self.agents]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"agent names must be unique; repeated: {', '.join(duplicates)}")
        if self.pattern != "sequential":
            lead = "planner" if self.pattern == "parallel" else "supervisor"
            if len(self.agents) < 2:
                raise ValueError(
                    f"a {self.pattern} swarm needs at least 2 agents: a {lead} and a worker"
                )
            if self.agents[0].instances > 1:
                raise ValueError(
                    f"the first agent of a {self.pattern} swarm is its {lead}: one instance only"
                )
        total = sum(agent.instances for agent in self.agents)
        if total > MAX_AGENTS:
            raise ValueError(f"{total} agent instances; a swarm may have at most {MAX_AGENTS}")
        return self


SwarmsConfig = dict[SwarmName, SwarmConfig]
"""The YAML file's `swarms:` section: swarm name -> definition."""


def check_swarm_models(swarms: Mapping[str, SwarmConfig], aliases: Collection[str]) -> None:
    """Every agent's model must be a gateway alias; ValueError names the first that is not."""
    for name, swarm in swarms.items():
        for index, agent in enumerate(swarm.agents):
            if agent.model not in aliases:
                known = ", ".join(sorted(aliases)) or "none configured"
                raise ValueError(
                    f"swarms.{name}.agents[{index}].model: {agent.model!r} is not a model "
                    f"alias of the gateway (known: {known})"
                )
