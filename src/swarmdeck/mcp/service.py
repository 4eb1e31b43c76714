"""Who may use which tool, and the record of every use: the layer every front door calls.

A tool call needs `mcp-tool:execute` scoped to the tool's server or to the tool itself
(an unscoped grant covers all). Servers added, changed or removed through the API are
kept in the key-value store (so they survive restarts and every replica runs them) and
announced as `server.configured`; servers from the YAML file are read-only here. Each call is audited with its arguments (the sanitiser
redacts secrets before they are sealed), traced as an `execute_tool {name}` span, counted
in metrics and announced on the bus topic `mcp`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Literal

from mcp.shared.dispatcher import ProgressFnT
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from pydantic import TypeAdapter

from swarmdeck.core.audit import AuditLog, AuditResult
from swarmdeck.core.auth import Caller, Permission, Principal, RoleBook
from swarmdeck.core.bus import EventBus
from swarmdeck.core.errors import Conflict, NotFound, PermissionDenied, SwarmDeckError
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.core.telemetry import meter, tracer
from swarmdeck.mcp._models import ServerStatus, Tool, result_to_dict
from swarmdeck.mcp._registry import Registry
from swarmdeck.mcp._sealed import ConfigSealer
from swarmdeck.mcp._virtual import VirtualServers
from swarmdeck.mcp.config import (
    McpServerConfig,
    ServerConfig,
    StdioServerConfig,
    VirtualServerConfig,
)

log = logging.getLogger(__name__)

TOPIC = "mcp"
KV_NAMESPACE = "mcp-servers"
_SERVER_CONFIG: TypeAdapter[ServerConfig] = TypeAdapter(McpServerConfig)
Change = Literal["added", "updated", "removed"]
_ACTIONS: dict[Change, str] = {
    "added": "mcp.server.add",
    "updated": "mcp.server.update",
    "removed": "mcp.server.remove",
}
_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]


class McpService:
    def __init__(
        self,
        registry: Registry,
        roles: RoleBook,
        audit: AuditLog,
        bus: EventBus,
        kv: KeyValueStore,
        sealer: ConfigSealer,
        *,
        configured: frozenset[str] = frozenset(),
        api_commands: frozenset[str] = frozenset(),
    ) -> None:
        self.registry = registry
        self._configured = configured
        self._api_commands = api_commands
        self._follow_ups: set[asyncio.Task[None]] = set()
        self._kv = kv
        self._sealer = sealer
        # Which process made a change, so it skips its own announcement. Not the runtime's
        # instance id: that names the deployment, which every replica shares.
        self.origin = uuid.uuid4().hex
        self._roles = roles
        self._audit = audit
        self._bus = bus
        self.virtual = VirtualServers(
            registry.settings.virtual_servers, kv, audit, bus, topic=TOPIC, origin=self.origin
        )
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

    def tools_for(
        self, caller: Caller, *, server: str | None = None, virtual: str | None = None
    ) -> list[Tool]:
        """The tools the caller may see (those it may read or call), of one virtual server
        if named."""
        subset = self.virtual_server(virtual) if virtual is not None else None
        return [
            tool
            for tool in self.registry.tools(server=server)
            if (subset is None or subset.includes(tool.server, tool.name))
            and (
                self.may(caller, tool.server, tool.name, "read")
                or self.may(caller, tool.server, tool.name)
            )
        ]

    def virtual_servers(self) -> dict[str, VirtualServerConfig]:
        return self.virtual.all()

    def virtual_server(self, name: str) -> VirtualServerConfig:
        return self.virtual.get(name)

    def servers(self) -> list[ServerStatus]:
        return self.registry.servers()

    async def call(
        self,
        caller: Caller,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the tool call's own limit, passed on
        progress: ProgressFnT | None = None,
        virtual: str | None = None,
        client: str | None = None,
    ) -> dict[str, Any]:
        """Call a tool by its public name as `caller`; its result as MCP's JSON.

        A tool whose server is down is still known by name: the answer is Unavailable, not
        NotFound, so clients retry. Through a virtual server, only its tools exist. On a
        stateful server the call runs in the upstream session of `client` (by default the
        caller's credential), which no other client shares.
        """
        server, _ = self.registry.resolve(name)
        if virtual is not None and not self.virtual_server(virtual).includes(server, name):
            raise NotFound(f"virtual MCP server {virtual!r} has no tool named {name!r}")
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
                result = await self.registry.call_tool(
                    name,
                    arguments,
                    timeout=timeout,
                    progress=progress,
                    client=client or client_identity(caller.principal),
                )
            except SwarmDeckError as exc:
                self._record(attributes, started, outcome=exc.type)
                span.set_status(Status(StatusCode.ERROR, exc.message))
                span.set_attribute("error.type", exc.type)
                self._after_call(
                    caller, server, name, arguments, started, outcome=exc.type, error=exc.message
                )
                raise
            outcome = "tool_error" if result.is_error else "ok"
            if result.is_error:
                span.set_attribute("error.type", "tool_error")
            self._record(attributes, started, outcome=outcome)
        self._after_call(caller, server, name, arguments, started, outcome=outcome)
        return result_to_dict(result)

    def _after_call(
        self,
        caller: Caller,
        server: str,
        name: str,
        arguments: dict[str, Any] | None,
        started: float,
        *,
        outcome: str,
        error: str | None = None,
    ) -> None:
        """Audit and announce a finished call off the caller's path.

        Waiting for the audit commit would add a durable write to every call; the record is
        queued now and written with the next batch (shutdown drains the queue).
        """

        async def follow_up() -> None:
            try:
                await self._audit_call(
                    caller,
                    server,
                    name,
                    arguments,
                    result="error" if error is not None else "success",
                    error=error,
                    is_error=outcome == "tool_error",
                )
                await self._announce(caller, server, name, started, outcome=outcome)
            except Exception:
                log.exception("could not record a call to %s", name)

        task = asyncio.get_running_loop().create_task(follow_up())
        self._follow_ups.add(task)
        task.add_done_callback(self._follow_ups.discard)

    async def drain(self) -> None:
        """Wait for calls' audit records and events still being written."""
        if self._follow_ups:
            await asyncio.wait(set(self._follow_ups), timeout=10)

    # -- servers managed at run time -------------------------------------------------------

    async def load(self) -> None:
        """Add the servers and virtual servers stored through the API (at start, before the
        registry starts)."""
        await self.virtual.load()
        for name in await self._kv.keys(KV_NAMESPACE):
            if name in self._configured:
                continue  # the YAML file wins over a stale stored copy
            try:
                config = await self._stored_config(name)
                if config is not None:
                    await self.registry.add(name, config)
            except (ValueError, SwarmDeckError):
                log.exception("stored MCP server %r cannot be used; skipped", name)

    async def add(self, caller: Caller, name: str, config: ServerConfig) -> ServerStatus:
        """Add a server for good (audited); a stdio server runs its command on this host."""
        self._writable(name, config)
        status = await self.registry.add(name, config)
        await self._kv.put(KV_NAMESPACE, name, self._sealer.seal(name, _stored(config)))
        await self._configured_event(caller, name, "added", config)
        return status

    async def update(self, caller: Caller, name: str, config: ServerConfig) -> ServerStatus:
        self._writable(name, config)
        status = await self.registry.update(name, config)
        await self._kv.put(KV_NAMESPACE, name, self._sealer.seal(name, _stored(config)))
        await self._configured_event(caller, name, "updated", config)
        return status

    async def remove(self, caller: Caller, name: str) -> None:
        self._writable(name)
        await self.registry.remove(name)
        await self._kv.delete(KV_NAMESPACE, name)
        await self._configured_event(caller, name, "removed", None)

    async def apply_remote_change(self, name: str, change: str) -> None:
        """Another replica changed a stored server: do the same here."""
        config = await self._stored_config(name)
        known = any(status.name == name for status in self.registry.servers())
        if config is None:
            if known:
                await self.registry.remove(name)
            return
        if known:
            await self.registry.update(name, config)
        else:
            await self.registry.add(name, config)

    async def _stored_config(self, name: str) -> ServerConfig | None:
        entry = await self._kv.get(KV_NAMESPACE, name)
        if entry is None:
            return None
        return _SERVER_CONFIG.validate_python(self._sealer.open(name, entry.value))

    def from_config(self, name: str) -> bool:
        """Whether a server comes from the YAML file (read-only through the API)."""
        return name in self._configured

    def _writable(self, name: str, config: ServerConfig | None = None) -> None:
        if name in self._configured:
            raise Conflict(
                f"MCP server {name!r} comes from the config file; change it there",
                details={"server": name},
            )
        if isinstance(config, StdioServerConfig) and config.command not in self._api_commands:
            raise PermissionDenied(
                f"command {config.command!r} is not in mcp.api_commands: stdio servers added "
                "through the API may only run commands the config file allows",
                details={"command": config.command},
            )

    async def _configured_event(
        self, caller: Caller, name: str, change: Change, config: ServerConfig | None
    ) -> None:
        await self._audit.record(
            caller.actor,
            _ACTIONS[change],
            resource_type="mcp-server",
            resource_id=name,
            details={"config": _shown(config)} if config is not None else None,
        )
        await self._bus.publish(
            TOPIC,
            "server.configured",
            {"server": name, "change": change, "origin": self.origin},
        )

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


def client_identity(principal: Principal) -> str:
    """Who a caller is to an upstream: its credential, not just its user (two keys, two
    clients), so state on a stateful server and `/mcp` sessions never cross between them."""
    credential = principal.key_id or principal.session_id or ""
    return f"{principal.kind}:{principal.name}:{credential}"


def _stored(config: ServerConfig) -> dict[str, Any]:
    return config.model_dump(mode="json")


def _shown(config: ServerConfig) -> dict[str, Any]:
    """The config for the audit trail, with env and header values (credentials) masked."""
    from swarmdeck.config import masked

    shown: dict[str, Any] = masked(_stored(config))
    return shown
