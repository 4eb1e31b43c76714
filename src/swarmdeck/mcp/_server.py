"""One configured server: its replicas, the tools it offers, which replica takes a call."""

from __future__ import annotations

import itertools

import mcp.types as types

from swarmdeck.mcp._models import ServerKind, ServerStatus, State
from swarmdeck.mcp._replica import Replica
from swarmdeck.mcp.config import ServerConfig, StdioServerConfig


class Server:
    """A server's replicas; picks the one that takes a call and sums up their state."""

    def __init__(self, name: str, config: ServerConfig, replicas: list[Replica]) -> None:
        self.name = name
        self.config = config
        self.replicas = replicas
        self.kind: ServerKind = "stdio" if isinstance(config, StdioServerConfig) else "http"
        self._next = itertools.count()

    def available(self) -> list[Replica]:
        return [replica for replica in self.replicas if replica.available]

    def current_tools(self) -> list[types.Tool]:
        """The tools of the first replica that can take calls, else the last ones seen."""
        for replica in self.available() or self.replicas:
            if replica.tools:
                return replica.tools
        return []

    def pick(self, exclude: set[tuple[int, int]]) -> Replica | None:
        """The available replica with the fewest calls in flight; ties rotate."""
        candidates = [
            replica
            for replica in self.available()
            if (replica.index, replica.generation) not in exclude
        ]
        if not candidates:
            return None
        start = next(self._next) % len(candidates)
        rotated = candidates[start:] + candidates[:start]
        return min(rotated, key=lambda replica: replica.in_flight)

    def status(self) -> ServerStatus:
        replicas = tuple(replica.status() for replica in self.replicas)
        up = [r for r in replicas if r.state in ("healthy", "degraded")]
        state: State
        if up and all(r.state == "healthy" for r in replicas):
            state, reason = (
                "healthy",
                up[0].reason if len(replicas) == 1 else "all replicas healthy",
            )
        elif up:
            state = "degraded"
            reason = (
                up[0].reason
                if len(replicas) == 1
                else f"{sum(r.state == 'healthy' for r in replicas)}/{len(replicas)} replicas healthy"
            )
        elif any(r.state == "starting" for r in replicas):
            state, reason = "starting", next(r.reason for r in replicas if r.state == "starting")
        else:
            state, reason = "down", replicas[0].reason if replicas else "no replicas"
        return ServerStatus(
            name=self.name,
            kind=self.kind,
            state=state,
            reason=reason,
            replicas=replicas,
            tool_count=len(self.current_tools()) if up else 0,
            stateful=self.config.stateful,
            max_sessions=self.config.max_sessions if self.config.stateful else None,
        )
