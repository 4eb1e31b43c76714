"""Swarms: named groups of agents that work on one task together, run as durable workflows.

This package's root exports the definitions and the plan rule only: `swarmdeck.config`
imports it. The rest is imported from its module: `swarms.service` (definitions through
the API, scaling, runs), `swarms.runs` (run records), `swarms.attempts` (failed attempts at
turns), `swarms.agent` (an agent's turns through the gateway and the bridge).
"""

from swarmdeck.swarms.config import (
    MAX_AGENTS,
    AgentConfig,
    Pattern,
    SwarmConfig,
    SwarmsConfig,
    check_swarm_models,
)
from swarmdeck.swarms.plan import AgentInstance, elastic_agent, plan, scale_bounds

__all__ = [
    "MAX_AGENTS",
    "AgentConfig",
    "AgentInstance",
    "Pattern",
    "SwarmConfig",
    "SwarmsConfig",
    "check_swarm_models",
    "elastic_agent",
    "plan",
    "scale_bounds",
]
