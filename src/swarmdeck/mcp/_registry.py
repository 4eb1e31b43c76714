"""The bridge's core: every configured server, their tools under one namespace, and calls."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import mcp.types as types
from mcp.shared.dispatcher import ProgressFnT
from mcp.shared.exceptions import MCPError

from swarmdeck.core.errors import (
    BadGateway,
    Conflict,
    InvalidInput,
    NotFound,
    SwarmDeckError,
    Unavailable,
)
from swarmdeck.mcp._models import ChangeEvent, ServerKind, ServerStatus, Tool
from swarmdeck.mcp._names import ToolKey, assign_names
from swarmdeck.mcp._replica import Replica
from swarmdeck.mcp._server import Server
from swarmdeck.mcp._sessions import ClientSessions
from swarmdeck.mcp.config import SERVER_NAME_PATTERN, McpConfig, ServerConfig, StdioServerConfig

log = logging.getLogger(__name__)

ChangeCallback = Callable[[ChangeEvent], Awaitable[None] | None]

_RETRY_WAIT_CAP = 10.0
"""How long an idempotent retry waits for another replica to come up, at most."""
_POLL = 0.05


class ToolTimeout(BadGateway):
    """The upstream server did not answer a tool call within its time limit."""

    type = "tool_timeout"


class Registry:
    """Every MCP server behind one door: supervised replicas, namespaced tools, calls.

    Use as `async with Registry(settings, servers) as registry:` or `start()`/`aclose()`.
    Asyncio only. Listeners registered with `on_change` hear about state and tool changes.
    """

    def __init__(
        self,
        settings: McpConfig | None = None,
        servers: Mapping[str, ServerConfig] | None = None,
    ) -> None:
        self.settings = settings or McpConfig()
        self._configs: dict[str, ServerConfig] = dict(servers or {})
        self._servers: dict[str, Server] = {}
        self._names: dict[str, ToolKey] = {}
        self._by_key: dict[ToolKey, str] = {}
        self._visible: dict[str, Tool] = {}
        self._last_status: dict[str, ServerStatus] = {}
        self._listeners: list[ChangeCallback] = []
        self._pending: set[asyncio.Future[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._sessions = ClientSessions(self.settings, self._announce)
        self._started = False
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Registry:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Start every configured server's replicas; returns at once (they come up in the background)."""
        if self._started:
            return
        self._started = True
        self._slots = asyncio.Semaphore(self.settings.max_concurrent_calls)
        for name, config in self._configs.items():
            self._launch(name, config)
        self._sessions.start()
        self._refresh()

    async def aclose(self) -> None:
        """Stop every server; no child process (nor any of its children) outlives this."""
        async with self._lock:
            servers = list(self._servers.values())
            await asyncio.gather(
                *(self._stop(server) for server in servers), self._sessions.aclose()
            )
            self._servers.clear()
            self._started = False
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def wait_ready(self, within: float = 30.0) -> bool:
        """Wait until every server has a replica taking calls; False if the time ran out."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if all(server.available() for server in self._servers.values()):
                return True
            await asyncio.sleep(_POLL)
        return False

    # -- reading ----------------------------------------------------------------------

    def servers(self) -> list[ServerStatus]:
        """The status of every server, by name."""
        return [self._status(self._servers[name]) for name in sorted(self._servers)]

    def server(self, name: str) -> ServerStatus:
        return self._status(self._server(name))

    def config(self, name: str) -> ServerConfig:
        return self._server(name).config

    def tools(self, *, server: str | None = None) -> list[Tool]:
        """Tools of the servers that can take calls now, by public name."""
        if server is not None:
            self._server(server)
        return [
            tool
            for name, tool in sorted(self._visible.items())
            if server is None or tool.server == server
        ]

    def visible_tool(self, name: str) -> Tool | None:
        """A tool that can take calls now, by public name (None if unknown or its server is down)."""
        return self._visible.get(name)

    def resolve(self, name: str) -> tuple[str, str]:
        """The (server, upstream tool name) behind a public tool name, visible or not."""
        try:
            return self._names[name]
        except KeyError:
            raise NotFound(f"no MCP tool named {name!r}") from None

    def public_name(self, server: str, tool: str) -> str:
        """The public name of a server's tool."""
        try:
            return self._by_key[(server, tool)]
        except KeyError:
            raise NotFound(f"server {server!r} has no tool {tool!r}") from None

    # -- calls ------------------------------------------------------------------------

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - forwarded upstream as the call's limit
        progress: ProgressFnT | None = None,
        client: str | None = None,
    ) -> types.CallToolResult:
        """Call a tool by its public name on a healthy replica of its server.

        `timeout` overrides the configured one (`tool_timeouts`, else the server's). A call
        lost with its replica is retried once on another replica when the tool is listed in
        `idempotent_tools`; otherwise it fails with BadGateway. A tool's own failure comes
        back as a result with `is_error` set, as MCP defines. `progress` hears the upstream's
        progress notifications; cancelling the calling task cancels the call upstream.

        On a `stateful` server the call goes to `client`'s own session instead, opened on its
        first call and waited for up to `start_timeout` (not counted in the call's limit); it
        is never retried elsewhere. `client` is required there and ignored otherwise.

        Raises NotFound, Unavailable (no replica up, no session for the client), ToolTimeout,
        BadGateway, InvalidInput.
        """
        server_name, upstream = self.resolve(name)
        server = self._servers.get(server_name)
        if server is None:
            raise NotFound(f"no MCP tool named {name!r}")
        limit = timeout if timeout is not None else server.config.timeout_for(upstream)
        if limit <= 0:
            raise InvalidInput("timeout must be positive")
        slots = self._slots
        if slots is None:
            raise Unavailable("the MCP bridge is not started")
        if not server.config.stateful:
            async with self._slot(slots, name, limit) as deadline:
                return await self._call(
                    server, name, upstream, arguments, deadline, limit, progress
                )
        if not client:
            raise InvalidInput(
                f"{name}: a stateful server needs a client identity (MCP server "
                f"{server.name!r} gives each client its own session)",
                details={"server": server.name},
            )
        async with (
            self._sessions.use(server, client) as session,
            self._slot(slots, name, limit) as deadline,
        ):
            return await self._call_session(
                server.name, session, name, upstream, arguments, deadline, limit, progress
            )

    async def end_client(self, client: str) -> None:
        """Close `client`'s own sessions of every stateful server (its MCP session ended)."""
        await self._sessions.end_client(client)

    @asynccontextmanager
    async def _slot(
        self, slots: asyncio.Semaphore, name: str, limit: float
    ) -> AsyncIterator[float]:
        """Hold one of the call slots, waited for within the call's limit; yields its deadline."""
        deadline = time.monotonic() + limit
        try:
            await asyncio.wait_for(slots.acquire(), timeout=limit)
        except TimeoutError:
            raise ToolTimeout(
                f"{name}: no free call slot within {limit:g}s "
                f"({self.settings.max_concurrent_calls} calls in flight)"
            ) from None
        try:
            yield deadline
        finally:
            slots.release()

    async def _call(
        self,
        server: Server,
        name: str,
        upstream: str,
        arguments: dict[str, Any] | None,
        deadline: float,
        limit: float,
        progress: ProgressFnT | None,
    ) -> types.CallToolResult:
        tried: set[tuple[int, int]] = set()
        idempotent = upstream in server.config.idempotent_tools
        replica = server.pick(tried)
        if replica is None:
            raise Unavailable(
                f"MCP server {server.name!r} has no replica taking calls",
                details={"server": server.name, "state": server.status().state},
            )
        while True:
            remaining = deadline - time.monotonic()
            try:
                return await replica.call_tool(upstream, arguments, max(remaining, 0.001), progress)
            except MCPError as exc:
                if exc.code != types.CONNECTION_CLOSED:
                    raise _call_error(name, server.name, upstream, limit, exc) from None
                lost = f"replica {replica.index} of MCP server {server.name!r} went away during the call"
            if not idempotent:
                raise BadGateway(
                    f"{name}: {lost}; not retried because the tool is not listed as idempotent",
                    details={"server": server.name, "tool": upstream, "retried": False},
                )
            if tried:
                raise BadGateway(
                    f"{name}: {lost}, twice",
                    details={"server": server.name, "tool": upstream, "retried": True},
                )
            tried.add((replica.index, replica.generation))
            retry = await self._wait_for_replica(server, tried, deadline)
            if retry is None:
                raise Unavailable(
                    f"{name}: {lost}, and no other replica came up to retry on",
                    details={"server": server.name, "tool": upstream, "retried": False},
                )
            log.info("mcp: retrying idempotent %s on replica %d", name, retry.index)
            replica = retry

    async def _call_session(
        self,
        server: str,
        session: Replica,
        name: str,
        upstream: str,
        arguments: dict[str, Any] | None,
        deadline: float,
        limit: float,
        progress: ProgressFnT | None,
    ) -> types.CallToolResult:
        remaining = max(deadline - time.monotonic(), 0.001)
        try:
            return await session.call_tool(upstream, arguments, remaining, progress)
        except MCPError as exc:
            if exc.code != types.CONNECTION_CLOSED:
                raise _call_error(name, server, upstream, limit, exc) from None
        # Not retried, even if idempotent: the client's state went with its session.
        raise BadGateway(
            f"{name}: the client's own session of MCP server {server!r} went away during "
            "the call; its state is gone, and the client's next call starts afresh",
            details={"server": server, "tool": upstream, "retried": False},
        )

    async def _wait_for_replica(
        self, server: Server, exclude: set[tuple[int, int]], deadline: float
    ) -> Replica | None:
        give_up = min(deadline, time.monotonic() + _RETRY_WAIT_CAP)
        while True:
            replica = server.pick(exclude)
            if replica is not None or time.monotonic() >= give_up:
                return replica
            await asyncio.sleep(_POLL)

    # -- changes at run time ----------------------------------------------------------

    async def restart(self, name: str) -> ServerStatus:
        """Restart every replica of a server now (no backoff).

        Clients' own sessions of a stateful server are left alone: they hold their state.
        """
        server = self._server(name)
        for replica in server.replicas:
            replica.restart("restart requested")
        return self._status(server)

    async def add(self, name: str, config: ServerConfig) -> ServerStatus:
        """Add and start a server; Conflict if the name is taken."""
        _check_name(name)
        async with self._lock:
            if name in self._configs:
                raise Conflict(f"MCP server {name!r} already exists")
            self._configs[name] = config
            if self._started:
                self._launch(name, config)
            self._refresh()
            return self._status(self._server(name)) if self._started else self._placeholder(name)

    async def update(self, name: str, config: ServerConfig) -> ServerStatus:
        """Replace a server's configuration: its replicas and sessions are stopped, replicas
        started anew."""
        async with self._lock:
            if name not in self._configs:
                raise NotFound(f"no MCP server named {name!r}")
            self._configs[name] = config
            old = self._servers.pop(name, None)
            if old is not None:
                await self._stop(old, "server reconfigured")
            if self._started:
                self._launch(name, config)
            self._refresh()
            return self._status(self._server(name)) if self._started else self._placeholder(name)

    async def remove(self, name: str) -> None:
        """Stop a server and forget it; its tools disappear."""
        async with self._lock:
            if name not in self._configs:
                raise NotFound(f"no MCP server named {name!r}")
            del self._configs[name]
            old = self._servers.pop(name, None)
            if old is not None:
                await self._stop(old, "server removed")
            self._last_status.pop(name, None)
            self._refresh()
            self._emit(ChangeEvent("server.removed", name, {"name": name}))

    def on_change(self, callback: ChangeCallback) -> Callable[[], None]:
        """Hear about every change; the callback may be sync or async. Returns an unsubscribe."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    # -- internals --------------------------------------------------------------------

    def _server(self, name: str) -> Server:
        try:
            return self._servers[name]
        except KeyError:
            raise NotFound(f"no MCP server named {name!r}") from None

    def _placeholder(self, name: str) -> ServerStatus:
        config = self._configs[name]
        kind: ServerKind = "stdio" if isinstance(config, StdioServerConfig) else "http"
        return ServerStatus(
            name, kind, "down", "registry not started", (), 0, stateful=config.stateful
        )

    def _launch(self, name: str, config: ServerConfig) -> None:
        count = config.replicas if isinstance(config, StdioServerConfig) else 1
        server = Server(name, config, [])
        server.replicas = [
            Replica(name, index, config, self.settings, self._replica_changed)
            for index in range(count)
        ]
        self._servers[name] = server
        for replica in server.replicas:
            replica.start()

    async def _stop(self, server: Server, why: str | None = None) -> None:
        """Stop the server's replicas, and with `why` its clients' sessions too."""
        sessions = [] if why is None else [self._sessions.close_server(server.name, why)]
        await asyncio.gather(*(replica.aclose() for replica in server.replicas), *sessions)

    def _status(self, server: Server) -> ServerStatus:
        return replace(server.status(), sessions=self._sessions.count(server.name))

    def _replica_changed(self, replica: Replica) -> None:
        server = self._servers.get(replica.server)
        if server is None or replica not in server.replicas:
            return  # a replica of a server being replaced or removed
        self._announce(server.name)
        self._refresh()

    def _announce(self, name: str) -> None:
        """Tell listeners the server's state, if it changed."""
        server = self._servers.get(name)
        if server is None:
            return
        status = self._status(server)
        if self._last_status.get(name) != _comparable(status):
            self._last_status[name] = _comparable(status)
            self._emit(ChangeEvent("server.state", name, status.to_dict()))

    def _refresh(self) -> None:
        """Recompute public names and the visible tools; announce what changed."""
        keys: list[ToolKey] = []
        definitions: dict[ToolKey, types.Tool] = {}
        for server in self._servers.values():
            for tool in server.current_tools():
                key = (server.name, tool.name)
                if key not in definitions:
                    keys.append(key)
                    definitions[key] = tool
        self._names = assign_names(keys)
        self._by_key = {key: name for name, key in self._names.items()}
        visible: dict[str, Tool] = {}
        for name, key in self._names.items():
            server = self._servers[key[0]]
            if server.available():
                visible[name] = Tool(name, key[0], key[1], definitions[key])
        before, self._visible = self._visible, visible
        added = sorted(visible.keys() - before.keys())
        removed = sorted(before.keys() - visible.keys())
        changed = sorted(n for n in visible.keys() & before.keys() if visible[n] != before[n])
        if added or removed or changed:
            self._emit(
                ChangeEvent(
                    "tools.changed", None, {"added": added, "removed": removed, "changed": changed}
                )
            )

    def _emit(self, event: ChangeEvent) -> None:
        for listener in list(self._listeners):
            try:
                outcome = listener(event)
            except Exception:
                log.exception("mcp change listener failed")
                continue
            if inspect.isawaitable(outcome):
                task = asyncio.ensure_future(outcome)
                self._pending.add(task)
                task.add_done_callback(self._listener_done)

    def _listener_done(self, task: asyncio.Future[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("mcp change listener failed", exc_info=task.exception())


def _comparable(status: ServerStatus) -> ServerStatus:
    """The status without fields that change all the time (uptime, ping, in-flight)."""
    replicas = tuple(
        replace(r, uptime_seconds=None, ping_ms=None, in_flight=0) for r in status.replicas
    )
    return replace(status, replicas=replicas)


def _check_name(name: str) -> None:
    if not re.fullmatch(SERVER_NAME_PATTERN, name):
        raise InvalidInput(
            f"MCP server name {name!r} must be 1-32 characters of letters, digits, _ and -"
        )


def _call_error(
    name: str, server: str, upstream: str, limit: float, exc: MCPError
) -> SwarmDeckError:
    """What an upstream's error answer to a call means to the caller."""
    if exc.code == types.REQUEST_TIMEOUT:
        return ToolTimeout(
            f"{name}: MCP server {server!r} did not answer within {limit:g}s",
            details={"server": server, "tool": upstream, "timeout": limit},
        )
    return _upstream_error(name, server, exc)


def _upstream_error(name: str, server: str, exc: MCPError) -> SwarmDeckError:
    details = {"server": server, "code": exc.code, "message": exc.message}
    if exc.code == types.INVALID_PARAMS:
        return InvalidInput(f"{name}: {exc.message}", details=details)
    if exc.code == types.METHOD_NOT_FOUND:
        return NotFound(f"{name}: {exc.message}", details=details)
    return BadGateway(
        f"{name}: MCP server {server!r} answered an error: {exc.message}", details=details
    )
