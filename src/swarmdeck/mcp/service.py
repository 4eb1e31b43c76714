"""Who may use which tool, and the record of every use: the layer every front door calls.

A tool call needs `mcp-tool:execute` scoped to the tool's server or to the tool itself
(an unscoped grant covers all). Each call is audited with its arguments (the sanitiser
redacts secrets before they are sealed), traced as an `execute_tool {name}` span, counted
in metrics and announced on the bus topic `mcp`.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from swarmdeck.core.audit import AuditLog, AuditResult
from swarmdeck.core.auth import Caller, Permission, RoleBook
from swarmdeck.core.bus import EventBus
from swarmdeck.core.errors import PermissionDenied, SwarmDeckError
from swarmdeck.core.telemetry import meter, tracer
from swarmdeck.mcp._models import ServerStatus, Tool, result_to_dict
from swarmdeck.mcp._registry import Registry

TOPIC = "mcp"
_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]


class McpService:
    def __init__(self, registry: Registry, roles: RoleBook, audit: AuditLog, bus: EventBus) -> None:
        self.registry = registry
        self._roles = roles
        self._audit = audit
        self._bus = bus
        self._tracer = tracer()
        instruments = meter()
        self._duration = instruments.create_histogram(
            "swarmdeck.mcp.tool.duration",
            unit="s",
            description="MCP tool calls through the bridge, by tool, server and outcome",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._errors = instruments.create_counter(
            "swarmdeck.mcp.tool.errors",
            unit="{call}",
            description="MCP tool calls that failed or whose tool reported an error",
        )

    def may(self, caller: Caller, server: str, tool: str, action: str = "execute") -> bool:
        """Whether the caller holds `mcp-tool:<action>` for the server or the (public) tool."""
        role = caller.principal.role
        return any(
            self._roles.allows(role, Permission("mcp-tool", action, scope))
            for scope in (server, tool)
        )

    def tools_for(self, caller: Caller, *, server: str | None = None) -> list[Tool]:
        """The tools the caller may see: those it may read or call."""
        return [
            tool
            for tool in self.registry.tools(server=server)
            if self.may(caller, tool.server, tool.name, "read")
            or self.may(caller, tool.server, tool.name)
        ]

    def servers(self) -> list[ServerStatus]:
        return self.registry.servers()

    async def call(
        self,
        caller: Caller,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the tool call's own limit, passed on
    ) -> dict[str, Any]:
        """Call a tool by its public name as `caller`; its result as MCP's JSON.

        A tool whose server is down is still known by name: the answer is Unavailable, not
        NotFound, so clients retry.
        """
        server, _ = self.registry.resolve(name)
        if not self.may(caller, server, name):
            denied = PermissionDenied(
                f"role {caller.principal.role!r} may not call {name}",
                details={"needed": f"mcp-tool:execute:{server} or mcp-tool:execute:{name}"},
            )
            await self._audit_call(
                caller, server, name, arguments, result="denied", error=denied.message
            )
            raise denied
        attributes = {"gen_ai.tool.name": name, "swarmdeck.mcp.server": server}
        started = time.perf_counter()
        with self._tracer.start_as_current_span(
            f"execute_tool {name}",
            kind=trace.SpanKind.CLIENT,
            attributes={"gen_ai.operation.name": "execute_tool", **attributes},
        ) as span:
            try:
                result = await self.registry.call_tool(name, arguments, timeout=timeout)
            except SwarmDeckError as exc:
                self._record(attributes, started, outcome=exc.type)
                span.set_status(Status(StatusCode.ERROR, exc.message))
                span.set_attribute("error.type", exc.type)
                await self._audit_call(
                    caller, server, name, arguments, result="error", error=exc.message
                )
                await self._announce(caller, server, name, started, outcome=exc.type)
                raise
            outcome = "tool_error" if result.is_error else "ok"
            if result.is_error:
                span.set_attribute("error.type", "tool_error")
            self._record(attributes, started, outcome=outcome)
        await self._audit_call(
            caller, server, name, arguments, result="success", is_error=result.is_error
        )
        await self._announce(caller, server, name, started, outcome=outcome)
        return result_to_dict(result)

    async def restart(self, caller: Caller, name: str) -> ServerStatus:
        status = await self.registry.restart(name)
        await self._audit.record(
            caller.actor, "mcp.server.restart", resource_type="mcp-server", resource_id=name
        )
        return status

    def _record(self, attributes: dict[str, str], started: float, *, outcome: str) -> None:
        labelled = {**attributes, "outcome": outcome}
        self._duration.record(time.perf_counter() - started, labelled)
        if outcome != "ok":
            self._errors.add(1, labelled)

    async def _audit_call(
        self,
        caller: Caller,
        server: str,
        tool: str,
        arguments: dict[str, Any] | None,
        *,
        result: AuditResult,
        error: str | None = None,
        is_error: bool = False,
    ) -> None:
        details: dict[str, Any] = {"server": server, "arguments": arguments or {}}
        if error is not None:
            details["error"] = error
        if is_error:
            details["tool_reported_error"] = True
        await self._audit.record(
            caller.actor,
            "mcp.tool.call",
            resource_type="mcp-tool",
            resource_id=tool,
            result=result,
            details=details,
        )

    async def _announce(
        self, caller: Caller, server: str, tool: str, started: float, *, outcome: str
    ) -> None:
        await self._bus.publish(
            TOPIC,
            "tool.called",
            {
                "tool": tool,
                "server": server,
                "outcome": outcome,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "actor": caller.actor.name,
            },
        )
