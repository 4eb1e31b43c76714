"""What a swarm run's workflow and its activities hand each other: plain data, stored in
Temporal's history (so never a credential), and read back by the workflow on replay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from swarmdeck.swarms.plan import AgentInstance
from swarmdeck.swarms.runs import RunStatus


@dataclass(frozen=True)
class TurnInput:
    """One agent turn as the workflow asks for it: plain data, stored in Temporal's history."""

    run_id: str
    swarm: str
    seq: int
    """The turn's place in the run; with `run_id`, the step's key."""
    instance: AgentInstance
    role: str
    """`agent` (sequential), `planner`, `worker`, `merge` or `supervisor`."""
    turn: int
    messages: list[dict[str, Any]]
    final: bool = False
    """The agent's last turn: no tools are offered, so it must answer."""
    delegates: list[str] = field(default_factory=list)
    """Workers a supervisor may delegate to (offered as the `delegate` function)."""
    trace: dict[str, str] = field(default_factory=dict)
    """W3C trace context of the run, for runs started without Temporal's tracing."""


@dataclass(frozen=True)
class Delegation:
    """A supervisor's `delegate` call: a worker (None: all of them) and a task (None: the
    run's own)."""

    id: str
    worker: str | None
    task: str | None


@dataclass(frozen=True)
class ToolEffect:
    """A tool call that succeeded: what a compensation would have to undo."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class TurnResult:
    seq: int
    text: str | None
    messages: list[dict[str, Any]]
    """The assistant message and the tool results, to append to the conversation."""
    done: bool
    """The agent answered instead of asking for tools or delegating."""
    delegations: list[Delegation] = field(default_factory=list)
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: str = "0"
    """USD as an exact decimal string, as the gateway priced the call."""
    duration_ms: float = 0.0
    effects: list[ToolEffect] = field(default_factory=list)
    """The tool calls that succeeded, in order."""


@dataclass(frozen=True)
class UndoInput:
    """A compensation: call `tool` with the `arguments` of the call of `undoes` it reverses."""

    run_id: str
    swarm: str
    tool: str
    undoes: str
    arguments: dict[str, Any]
    after_step: int
    """The turn whose tool call this undoes."""


@dataclass(frozen=True)
class RunUpdate:
    """A run's end, as the workflow reports it."""

    run_id: str
    swarm: str
    status: RunStatus
    output: str | None = None
    error: str | None = None


def turn_result(stored: Mapping[str, Any]) -> TurnResult:
    """A `TurnResult` from its stored form (`dataclasses.asdict`)."""
    values = dict(stored)
    values["delegations"] = [Delegation(**d) for d in values.get("delegations", ())]
    values["effects"] = [ToolEffect(**e) for e in values.get("effects", ())]
    return TurnResult(**values)
