"""Which agent instances a run gets: the swarm's agents, their replicas, and its scale.

The plan is made when a run starts and travels in the workflow's input, so scaling a swarm
changes later runs only, and a run replays with the instances it started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swarmdeck.core.errors import InvalidInput
from swarmdeck.swarms.config import MAX_AGENTS, AgentConfig, SwarmConfig


@dataclass(frozen=True)
class AgentInstance:
    """One agent at work in a run. Plain data: it is part of a workflow's input."""

    name: str
    """`planner`, or `researcher.2` for the second of several instances."""
    agent: str
    """The agent it is an instance of."""
    model: str
    instructions: str = ""
    tools: list[str] = field(default_factory=list)
    max_turns: int = 4


def elastic_agent(swarm: SwarmConfig) -> int:
    """The index of the agent that scaling grows or shrinks: the last one that sets
    `replicas`, else the last agent."""
    for index in range(len(swarm.agents) - 1, -1, -1):
        if swarm.agents[index].replicas is not None:
            return index
    return len(swarm.agents) - 1


def scale_bounds(swarm: SwarmConfig) -> tuple[int, int]:
    """The totals a swarm may be scaled to: every other agent keeps its instances and the
    elastic one keeps at least one."""
    elastic = elastic_agent(swarm)
    fixed = sum(agent.instances for i, agent in enumerate(swarm.agents) if i != elastic)
    return fixed + 1, MAX_AGENTS


def plan(swarm: SwarmConfig, scale: int | None = None) -> list[AgentInstance]:
    """The instances of a run, in the swarm's agent order; `scale` sets their total.

    With `scale`, the elastic agent takes every instance the others do not (see
    `elastic_agent`); InvalidInput when the total cannot be met.
    """
    counts = [agent.instances for agent in swarm.agents]
    if scale is not None:
        low, high = scale_bounds(swarm)
        if not low <= scale <= high:
            raise InvalidInput(
                f"this swarm can run with {low} to {high} agents, not {scale}",
                details={"min": low, "max": high},
            )
        elastic = elastic_agent(swarm)
        counts[elastic] = scale - (sum(counts) - counts[elastic])
    instances: list[AgentInstance] = []
    for agent, count in zip(swarm.agents, counts, strict=True):
        instances.extend(_instance(agent, n if count > 1 else None) for n in range(1, count + 1))
    return instances


def _instance(agent: AgentConfig, number: int | None) -> AgentInstance:
    # Agent names cannot contain dots, so `researcher.2` never collides with another agent.
    return AgentInstance(
        name=agent.name if number is None else f"{agent.name}.{number}",
        agent=agent.name,
        model=agent.model,
        instructions=agent.instructions,
        tools=list(agent.tools),
        max_turns=agent.max_turns,
    )
