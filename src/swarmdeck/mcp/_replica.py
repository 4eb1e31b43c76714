"""One replica of one server: connect, initialise, list tools, ping; on loss, back off and redo."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import mcp.types as types
from mcp.client.session import ClientSession, IncomingMessage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.dispatcher import ProgressFnT
from mcp.shared.exceptions import MCPError

from swarmdeck import __version__
from swarmdeck.core.processes import Child
from swarmdeck.mcp import _process
from swarmdeck.mcp._models import ReplicaStatus, State
from swarmdeck.mcp.config import HttpServerConfig, McpConfig, ServerConfig, StdioServerConfig

log = logging.getLogger(__name__)

_CLIENT_INFO = types.Implementation(name="swarmdeck", version=__version__)
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)  # the SDK's defaults: SSE streams stay open
_MAX_TOOL_PAGES = 100


class Replica:
    """A supervised connection to one copy of a server (a child process, or a remote session).

    `start()` runs it in a task until `aclose()`; `session` is set only while it can take
    calls. `on_change` is called (synchronously) after every state or tool-list change.
    """

    def __init__(
        self,
        server: str,
        index: int,
        config: ServerConfig,
        settings: McpConfig,
        on_change: Callable[[Replica], None],
    ) -> None:
        self.server = server
        self.index = index
        self.config = config
        self.settings = settings
        self._on_change = on_change
        self.state: State = "starting"
        self.reason = "not started"
        self.restarts = 0
        self.last_error: str | None = None
        self.tools: list[types.Tool] = []
        """The last tool list this replica reported (kept while it is down)."""
        self.session: ClientSession | None = None
        self.generation = 0
        """Counts incarnations, so a retry can tell a restarted replica from the lost one."""
        self.in_flight = 0
        self.pid: int | None = None
        self._child: Child | None = None
        self._healthy_since: float | None = None
        self._up_for = 0.0
        self._ping_ms: float | None = None
        self._interrupt = asyncio.Event()
        self._interrupt_reason = ""
        self._skip_backoff = asyncio.Event()
        self._tools_changed = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        """Whether calls may be sent to this replica now."""
        if self._child is not None and self._child.ended.is_set():
            return False  # gone; the supervisor will notice in a moment
        return self.session is not None and self.state in ("healthy", "degraded")

    def status(self) -> ReplicaStatus:
        since = self._healthy_since
        return ReplicaStatus(
            index=self.index,
            state=self.state,
            reason=self.reason,
            pid=self.pid,
            restarts=self.restarts,
            last_error=self.last_error,
            uptime_seconds=None if since is None else round(time.monotonic() - since, 3),
            ping_ms=self._ping_ms,
            in_flight=self.in_flight,
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"mcp:{self.server}#{self.index}")

    def restart(self, reason: str = "restart requested") -> None:
        """End the current incarnation (if any) and start again at once."""
        self._interrupt_reason = reason
        self._interrupt.set()
        self._skip_backoff.set()

    async def aclose(self) -> None:
        """Stop supervising and end the process group; returns when the replica is gone."""
        self._closing = True
        self.restart("shutting down")
        task = self._task
        if task is None:
            return
        # The incarnation's teardown is bounded (stdin, TERM grace, KILL); allow for it.
        budget = self.settings.shutdown_grace + 5.0
        done, _ = await asyncio.wait({task}, timeout=budget)
        if not done:
            task.cancel()
            await asyncio.wait({task})

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None,
        limit: float,
        progress: ProgressFnT | None = None,
    ) -> types.CallToolResult:
        """Send one tools/call; MCPError(CONNECTION_CLOSED) when the replica goes away meanwhile."""
        session = self.session
        if session is None or not self.available:
            raise MCPError(types.CONNECTION_CLOSED, "replica is not connected")
        self.in_flight += 1
        try:
            result = await session.call_tool(
                name, arguments, read_timeout_seconds=limit, progress_callback=progress
            )
        finally:
            self.in_flight -= 1
        if not isinstance(result, types.CallToolResult):  # pragma: no cover - opt-in shapes only
            raise MCPError(types.INTERNAL_ERROR, f"unexpected result type {type(result).__name__}")
        return result

    # -- supervision ------------------------------------------------------------------

    def _set(self, state: State, reason: str) -> None:
        if (state, reason) == (self.state, self.reason):
            return
        self.state, self.reason = state, reason
        log.info("mcp server %s replica %d: %s (%s)", self.server, self.index, state, reason)
        self._on_change(self)

    async def _run(self) -> None:
        try:
            await self._supervise_forever()
        except Exception as exc:  # a bug here must not end supervision silently
            log.exception("mcp server %s replica %d: supervisor failed", self.server, self.index)
            self.last_error = f"supervisor failed: {_describe(exc)}"
            self._set("down", self.last_error)

    async def _supervise_forever(self) -> None:
        failures = 0
        reason = ""
        while not self._closing:
            self._interrupt.clear()
            self._skip_backoff.clear()
            self.generation += 1
            self._set("starting", f"restarting after: {reason}" if reason else "starting")
            error = True
            try:
                reason, error = await self._incarnation()
            except Exception as exc:
                reason = f"failed to start: {_describe(exc)}"
            if self._closing:
                break
            if error:
                self.last_error = reason
            if self._up_for >= self.settings.stable_after:
                failures = 0
            self._up_for = 0.0
            if self._skip_backoff.is_set():
                delay = 0.0
            else:
                delay = min(
                    self.settings.restart_backoff_max,
                    self.settings.restart_backoff_min * 2.0**failures,
                )
                failures += 1
            self._set("down", f"{reason}; restarting in {delay:.2f}s")
            with anyio.move_on_after(delay):
                await self._skip_backoff.wait()
            if self._closing:
                break
            self.restarts += 1
        self._set("down", "stopped")

    async def _incarnation(self) -> tuple[str, bool]:
        """Run one connection to its end; returns why it ended and whether that was a failure."""
        async with AsyncExitStack() as stack:
            child, (read, write) = await stack.enter_async_context(self._connect())
            self.pid = child.pid if child is not None else None
            self._child = child
            stack.callback(self._forget_pid)
            session = await stack.enter_async_context(
                ClientSession(
                    read, write, message_handler=self._on_message, client_info=_CLIENT_INFO
                )
            )
            try:
                tools = await self._boot(session)
            except Exception as exc:
                if child is not None and child.ended.is_set():
                    return f"failed to start: {await child.exit_reason()}", True
                if isinstance(exc, TimeoutError):
                    return f"failed to start within {self.settings.start_timeout:g}s", True
                raise
            if tools is None:
                return self._interrupt_reason, False
            self.tools = tools
            self.session = session
            self._healthy_since = time.monotonic()
            self._ping_ms = None
            try:
                self._set("healthy", f"{len(tools)} tools")
                reason, error = await self._supervise(session, child)
            finally:
                self.session = None  # no new calls; in-flight ones see the connection close
                self._up_for = time.monotonic() - self._healthy_since
                self._healthy_since = None
                self._ping_ms = None
            self._set("down", reason)
            return reason, error

    async def _boot(self, session: ClientSession) -> list[types.Tool] | None:
        """Initialise and list tools within `start_timeout`; None if interrupted meanwhile."""
        tools: list[list[types.Tool]] = []
        failure: list[Exception] = []
        async with anyio.create_task_group() as tg:

            async def boot() -> None:
                try:
                    with anyio.fail_after(self.settings.start_timeout):
                        await session.initialize()
                        tools.append(await _list_tools(session))
                except Exception as exc:
                    failure.append(exc)
                tg.cancel_scope.cancel()

            async def watch_interrupt() -> None:
                await self._interrupt.wait()  # e.g. shutdown while a server hangs at start
                tg.cancel_scope.cancel()

            tg.start_soon(boot)
            tg.start_soon(watch_interrupt)
        if failure:
            raise failure[0]
        return tools[0] if tools else None

    def _forget_pid(self) -> None:
        self.pid = None
        self._child = None

    def _connect(
        self,
    ) -> AbstractAsyncContextManager[tuple[Child | None, tuple[Any, Any]]]:
        if isinstance(self.config, StdioServerConfig):
            return _connect_stdio(self.config, self.settings.shutdown_grace)
        return _connect_http(self.config)

    async def _supervise(self, session: ClientSession, child: Child | None) -> tuple[str, bool]:
        outcome: list[tuple[str, bool]] = []

        async with anyio.create_task_group() as tg:

            def end(reason: str, error: bool) -> None:
                if not outcome:
                    outcome.append((reason, error))
                tg.cancel_scope.cancel()

            async def watch_child(child: Child) -> None:
                await child.ended.wait()
                end(await child.exit_reason(), True)

            async def watch_interrupt() -> None:
                await self._interrupt.wait()
                end(self._interrupt_reason, False)

            async def watch_health() -> None:
                failed = 0
                while True:
                    await anyio.sleep(self.settings.health_interval)
                    problem = await self._ping(session)
                    if problem is None:
                        failed = 0
                        self._set("healthy", f"{len(self.tools)} tools")
                        continue
                    failed += 1
                    if failed >= self.settings.health_failures:
                        end(f"{failed} health checks failed, last: {problem}", True)
                        return
                    self._set("degraded", f"health check failed: {problem}")

            async def watch_tools() -> None:
                while True:
                    await self._tools_changed.wait()
                    self._tools_changed.clear()
                    try:
                        with anyio.fail_after(self.settings.health_timeout):
                            self.tools = await _list_tools(session)
                    except Exception as exc:
                        log.warning(
                            "mcp server %s: listing tools failed: %s", self.server, _describe(exc)
                        )
                        continue
                    self._on_change(self)

            if child is not None:
                tg.start_soon(watch_child, child)
            tg.start_soon(watch_interrupt)
            tg.start_soon(watch_health)
            tg.start_soon(watch_tools)
        return outcome[0] if outcome else ("connection ended", True)

    async def _ping(self, session: ClientSession) -> str | None:
        started = time.perf_counter()
        try:
            with anyio.fail_after(self.settings.health_timeout):
                await session.send_ping()
        except TimeoutError:
            return f"no answer to ping within {self.settings.health_timeout:g}s"
        except Exception as exc:
            return _describe(exc)
        self._ping_ms = round((time.perf_counter() - started) * 1000, 3)
        return None

    async def _on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self._tools_changed.set()
        elif isinstance(message, Exception):
            log.debug("mcp server %s sent something unreadable: %r", self.server, message)


@asynccontextmanager
async def _connect_stdio(
    config: StdioServerConfig, grace: float
) -> AsyncIterator[tuple[Child | None, tuple[Any, Any]]]:
    async with _process.spawn(config, grace=grace) as (child, read, write):
        yield child, (read, write)


@asynccontextmanager
async def _connect_http(
    config: HttpServerConfig,
) -> AsyncIterator[tuple[Child | None, tuple[Any, Any]]]:
    # Only the configured headers go upstream: a caller's credential never reaches a server.
    async with (
        httpx2.AsyncClient(headers=dict(config.headers), timeout=_HTTP_TIMEOUT) as http,
        streamable_http_client(config.url, http_client=http) as (read, write),
    ):
        yield None, (read, write)


async def _list_tools(session: ClientSession) -> list[types.Tool]:
    """Every page of the server's tool list."""
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(_MAX_TOOL_PAGES):
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _describe(exc: BaseException) -> str:
    if isinstance(exc, MCPError):
        return f"MCP error {exc.code}: {exc.message}"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
