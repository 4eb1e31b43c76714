"""What the bridge reports: server and replica status, tools, change events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import mcp.types as types

State = Literal["starting", "healthy", "degraded", "down"]
"""`healthy` and `degraded` replicas take calls; `degraded` has failed a ping or lost replicas."""

ServerKind = Literal["stdio", "http"]


@dataclass(frozen=True, slots=True)
class ReplicaStatus:
    index: int
    state: State
    reason: str
    pid: int | None
    """The process (and process group) id of a stdio replica while it runs."""
    restarts: int
    last_error: str | None
    uptime_seconds: float | None
    """Seconds since the replica became healthy; None while it is not up."""
    ping_ms: float | None
    """The last successful health ping's round trip."""
    in_flight: int


@dataclass(frozen=True, slots=True)
class ServerStatus:
    name: str
    kind: ServerKind
    state: State
    reason: str
    replicas: tuple[ReplicaStatus, ...]
    tool_count: int
    """Tools the server offers now (0 while it is down)."""
    stateful: bool = False
    """Whether each client gets its own upstream session (`sessions`), not the replicas."""
    sessions: int = 0
    """Clients' own sessions open now (stateful servers only)."""
    max_sessions: int | None = None
    """How many clients' own sessions it may have at once (stateful servers only)."""

    @property
    def restarts(self) -> int:
        return sum(replica.restarts for replica in self.replicas)

    @property
    def last_error(self) -> str | None:
        errors = [replica.last_error for replica in self.replicas if replica.last_error]
        return errors[-1] if errors else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for the bus, the REST API and the dashboard."""
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "reason": self.reason,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "tool_count": self.tool_count,
            "stateful": self.stateful,
            "max_sessions": self.max_sessions,
            "sessions": self.sessions,
            "replicas": [
                {
                    "index": r.index,
                    "state": r.state,
                    "reason": r.reason,
                    "pid": r.pid,
                    "restarts": r.restarts,
                    "last_error": r.last_error,
                    "uptime_seconds": r.uptime_seconds,
                    "ping_ms": r.ping_ms,
                    "in_flight": r.in_flight,
                }
                for r in self.replicas
            ],
        }


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool as the bridge publishes it: namespaced name, the upstream definition kept."""

    name: str
    server: str
    upstream_name: str
    definition: types.Tool
    """The server's own definition (its name is the upstream one)."""

    @property
    def description(self) -> str | None:
        return self.definition.description

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.definition.input_schema

    def as_mcp(self) -> types.Tool:
        """The definition under its public name, for the bridge's own `tools/list`."""
        return self.definition.model_copy(update={"name": self.name})

    def to_dict(self) -> dict[str, Any]:
        data = self.as_mcp().model_dump(mode="json", by_alias=True, exclude_none=True)
        data["server"] = self.server
        data["upstream_name"] = self.upstream_name
        return data


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """Something a listener (the bus topic `mcp`, `tools/list_changed`) should hear about.

    `server.state`: a server's or replica's state changed; `data` is `ServerStatus.to_dict()`.
    `server.removed`: a server was removed at run time.
    `tools.changed`: the set of visible tools changed; `data` has `added` and `removed` names.
    """

    type: Literal["server.state", "server.removed", "tools.changed"]
    server: str | None
    data: dict[str, Any]


def result_to_dict(result: types.CallToolResult) -> dict[str, Any]:
    """A tool result as MCP's own JSON (`content`, `structuredContent`, `isError`)."""
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)
