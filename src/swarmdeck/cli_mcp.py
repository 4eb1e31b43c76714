"""`swarmdeck mcp stdio`: the bridge as a stdio MCP server, relaying to `/mcp` over HTTP.

Desktop clients (Claude Desktop and the like) launch one command per server; this one
command reaches every tool behind SwarmDeck. stdin/stdout carry the protocol, so
everything else goes to stderr. The SDK serves both protocol eras on the stdio side. The
HTTP side speaks the current (2026-07-28) protocol: no session to lose when SwarmDeck
restarts, and tool-list changes heard through `subscriptions/listen` are passed on.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx2
import mcp.types as types
import typer
from anyio.abc import TaskStatus
from mcp.client.client import Client
from mcp.client.session import IncomingMessage
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import SubscriptionLost
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.session import ServerSession
from mcp.server.stdio import stdio_server
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp.types.version import MODERN_PROTOCOL_VERSIONS
from rich.console import Console

from swarmdeck import __version__

mcp_app = typer.Typer(no_args_is_help=True, help="The MCP bridge: relay stdio to its /mcp door.")

err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("swarmdeck.mcp.stdio")

_CALL_TIMEOUT = 3600.0
"""Seconds a relayed call may take; the bridge applies each tool's own limit first."""
_RELISTEN_AFTER = 1.0


@mcp_app.command("stdio")
def stdio(
    url: Annotated[
        str,
        typer.Option("--url", help="the SwarmDeck server; `/mcp` is added when no path is given"),
    ] = "http://127.0.0.1:8005",
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="SWARMDECK_API_KEY",
            show_envvar=True,
            help="an API key (sdk-...); prefer the env var, a flag shows in the process list",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log each request")] = False,
) -> None:
    """Serve MCP on stdin/stdout, relaying every request to SwarmDeck's `/mcp`."""
    if not api_key:
        err.print(
            "[bold red]error[/]: set SWARMDECK_API_KEY to an API key "
            "(create one with `swarmdeck keys create`)",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(2)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="swarmdeck mcp stdio: %(levelname)s %(message)s",
        stream=err.file,
    )
    endpoint = endpoint_of(url)
    relay = Relay(endpoint, api_key)
    try:
        anyio.run(relay.run)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    except Exception as exc:
        err.print(f"[bold red]error[/]: {relay.describe(exc)}", markup=True, highlight=False)
        raise typer.Exit(1) from None


def endpoint_of(url: str) -> str:
    """`http://host:8005` → `http://host:8005/mcp`; a URL with a path is kept as given."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise typer.BadParameter(f"{url!r} is not an http(s) URL", param_hint="--url")
    if parts.path in ("", "/"):
        parts = parts._replace(path="/mcp")
    return urlunsplit(parts)


class Relay:
    """One stdio connection downstream, one session on `/mcp` upstream."""

    def __init__(self, endpoint: str, api_key: str) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self._refused: tuple[int, str] | None = None
        self._upstream: Client | None = None
        self._downstream: ServerSession | None = None
        self._listeners = InMemorySubscriptionBus()
        self.server = Server[Any](
            "swarmdeck",
            version=__version__,
            title="SwarmDeck MCP bridge (stdio relay)",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_subscriptions_listen=ListenHandler(self._listeners),
        )

    async def run(self) -> None:
        headers = {"authorization": f"Bearer {self._api_key}"}
        async with (
            httpx2.AsyncClient(
                headers=headers,
                timeout=httpx2.Timeout(30.0, read=_CALL_TIMEOUT),
                event_hooks={"response": [self._watch]},
            ) as http,
            Client(
                streamable_http_client(self.endpoint, http_client=http),
                message_handler=self._upstream_message,
                client_info=types.Implementation(name="swarmdeck-mcp-stdio", version=__version__),
            ) as upstream,
            stdio_server() as (read, write),
            anyio.create_task_group() as tasks,
        ):
            self._upstream = upstream
            log.info("relaying stdio to %s (MCP %s)", self.endpoint, upstream.protocol_version)
            if upstream.protocol_version in MODERN_PROTOCOL_VERSIONS:
                await tasks.start(self._follow_changes, upstream)
            options = self.server.create_initialization_options(
                NotificationOptions(tools_changed=True)
            )
            await self.server.run(read, write, options)
            tasks.cancel_scope.cancel()  # stdin closed: the client is gone

    def describe(self, exc: BaseException) -> str:
        """The reason the relay stopped, in words a person can act on."""
        if self._refused is not None:
            status, message = self._refused
            return f"{self.endpoint} refused the API key ({status}): {message}"
        leaves = list(_leaves(exc))
        return "; ".join(f"{type(e).__name__}: {e}" for e in leaves) or repr(exc)

    async def _watch(self, response: httpx2.Response) -> None:
        if response.status_code in (401, 403):
            await response.aread()
            try:
                message = str(response.json()["error"]["message"])
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            self._refused = (response.status_code, message)

    def _client(self) -> Client:
        if self._upstream is None:
            raise RuntimeError("the relay is not connected")
        return self._upstream

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._downstream = ctx.session  # told later when the list changes
        cursor = params.cursor if params is not None else None
        return await self._client().list_tools(cursor=cursor, cache_mode="bypass")

    async def _call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        async def forward(progress: float, total: float | None, message: str | None) -> None:
            await ctx.session.report_progress(progress, total, message)

        return await self._client().call_tool(
            params.name, params.arguments, progress_callback=forward
        )

    async def _follow_changes(
        self, upstream: Client, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Hear tool-list changes upstream for as long as the relay runs, re-listening after
        a drop (SwarmDeck restarting, a proxy closing the stream).

        Ready once first subscribed, so no change after the relay's first answer is missed.
        """
        while True:
            try:
                async with upstream.listen(tools_list_changed=True) as subscription:
                    task_status.started()
                    task_status = anyio.TASK_STATUS_IGNORED
                    async for _event in subscription:
                        await self._tools_changed()
            except (MCPError, SubscriptionLost, httpx2.HTTPError, OSError) as exc:
                log.info("upstream listen stream ended (%s); listening again", exc)
                task_status.started()  # serve anyway; changes are heard once re-listened
                task_status = anyio.TASK_STATUS_IGNORED
            await anyio.sleep(_RELISTEN_AFTER)

    async def _upstream_message(self, message: IncomingMessage) -> None:
        # A handshake-era SwarmDeck says it on the session instead.
        if isinstance(message, types.ToolListChangedNotification):
            await self._tools_changed()
        elif isinstance(message, Exception):
            log.warning("upstream: %s", message)

    async def _tools_changed(self) -> None:
        await self._listeners.publish(ToolsListChanged())
        if self._downstream is not None:
            await self._downstream.send_tool_list_changed()


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
