"""The MCP bridge's streamable HTTP door: `/mcp`, MCP itself, through the official SDK.

The SDK's session manager speaks the transport (the 2026-07-28 single-exchange requests
and the handshake era's sessions alike); this module authenticates every HTTP request
before it reaches the SDK, hands the caller to the handlers through the request, and
sends `tools/list_changed` when the registry's tools change. The tools and calls are
`McpService`'s, so the permission checks, the audit record and the traces are those of
every other door. The client's credential never goes further than here: upstream servers
get only their configured headers.
"""

from __future__ import annotations

import base64
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp.types as types
import orjson
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER as MCP_SESSION_ID
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER as MCP_PROTOCOL_VERSION
from mcp.types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from swarmdeck import __version__
from swarmdeck.api.deps import AnyScopeRequirement, caller_of, get_runtime
from swarmdeck.api.errors import error_body
from swarmdeck.core.auth import Caller, Permission, Principal
from swarmdeck.core.errors import (
    BadGateway,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SwarmDeckError,
    Unauthenticated,
    Unavailable,
    status_code,
)
from swarmdeck.mcp import ChangeEvent, Registry, Tool
from swarmdeck.mcp.service import client_identity
from swarmdeck.runtime import Runtime

PATH = "/mcp"
VIRTUAL_PATH = "/mcp/{virtual}"
"""A virtual server: a named subset of the tools (the `mcp.virtual_servers` config)."""
METHODS = ["GET", "POST", "DELETE"]
_CALLER = "mcp_caller"
"""Where the door leaves the caller in the request state for the handlers."""
_NOTIFY_WITHIN = 1.0
_ANSWERED_ONCE = frozenset({"tools/list", "tools/call", "ping"})


class _DoorRequirement(AnyScopeRequirement):
    """`mcp-tool` for some scope: to call (`execute`) or only to list (`read`) tools.

    The exact tool or server is checked per call by `McpService`; a caller holding
    neither action for any scope has no business opening a session.
    """

    def _authorize(self, connection: HTTPConnection, principal: Principal) -> None:
        roles = get_runtime(connection).auth.roles
        if not any(
            roles.allows_any_scope(principal.role, Permission("mcp-tool", action))
            for action in ("execute", "read")
        ):
            raise PermissionDenied(
                f"role {principal.role!r} may not use any MCP tool",
                details={"needed": "mcp-tool:execute or mcp-tool:read for some tool or server"},
            )


DECLARATION = _DoorRequirement(Permission("mcp-tool", "execute"))


class McpDoor:
    """`/mcp` for one app: the SDK server and session manager, and who is listening."""

    def __init__(self) -> None:
        self._listeners = InMemorySubscriptionBus()
        self.server = _BridgeServer(
            "swarmdeck",
            version=__version__,
            title="SwarmDeck MCP bridge",
            instructions="Tools of the MCP servers behind SwarmDeck, named <server>__<tool>.",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_subscriptions_listen=ListenHandler(self._listeners),
        )
        # No DNS-rebinding checks: every request is authenticated before the SDK sees it.
        self.manager = StreamableHTTPSessionManager(self.server, security_settings=None)
        # 2026-07-28 requests that stream nothing back are answered as one JSON body: the
        # SSE framing costs a client more than a quick tool call itself (measured with the
        # official client: half the round trip). Sessionless, so either manager may serve.
        self.plain = StreamableHTTPSessionManager(
            self.server, security_settings=None, json_response=True
        )
        self._connections: weakref.WeakSet[Connection] = weakref.WeakSet()
        self.routes = [McpRoute(PATH, self), McpRoute(VIRTUAL_PATH, self)]

    @asynccontextmanager
    async def serving(self, registry: Registry) -> AsyncIterator[None]:
        """Run the session manager and relay the registry's tool changes (the app's lifespan)."""
        # 2026-07-28 calls check `Mcp-Param-*` headers against the tool's schema; looked up
        # here rather than by listing every tool per call.
        self.server.get_tool_input_schema = lambda name: _input_schema(registry, name)
        async with self.manager.run(), self.plain.run():
            unsubscribe = registry.on_change(self._changed)
            try:
                yield
            finally:
                unsubscribe()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            principal = await DECLARATION(request)  # audits refusals
        except (Unauthenticated, PermissionDenied) as exc:
            headers = {"www-authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else {}
            body = error_body(exc.type, exc.message, exc.details)
            await JSONResponse(body, status_code(exc), headers=headers)(scope, receive, send)
            return
        virtual = _virtual_of(request)
        if virtual is not None:
            try:
                get_runtime(request).mcp.virtual_server(virtual)
            except NotFound as exc:
                body = error_body(exc.type, exc.message, exc.details)
                await JSONResponse(body, status_code(exc))(scope, receive, send)
                return
        # The SDK binds each session to the identity that opened it: another credential, or
        # the same one at another endpoint, presenting its id gets 404 as if it did not exist.
        identity = client_identity(principal) + (f"@{virtual}" if virtual is not None else "")
        scope["user"] = AuthenticatedUser(AccessToken(token="", client_id=identity, scopes=[]))
        setattr(request.state, _CALLER, caller_of(request, principal))
        if request.method == "POST" and _modern(request):
            payload = await request.body()
            manager = self.manager if _streams_back(payload) else self.plain
            await manager.handle_request(scope, _replaying(payload, receive), send)
            return
        await self.manager.handle_request(scope, receive, send)
        if request.method == "DELETE" and (client := _client_of(request)) is not None:
            # The client ended its session: so ends its state on stateful upstreams. (Sessions
            # that just go quiet are closed upstream after `session_idle_timeout`.)
            await get_runtime(request).mcp.registry.end_client(client)

    # -- handlers ---------------------------------------------------------------------

    async def _list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        caller = _caller(ctx)
        self._remember(ctx)
        runtime = _runtime(ctx)
        tools = runtime.mcp.tools_for(caller, virtual=_virtual_of(_request(ctx)))
        page, next_cursor = _page(
            tools, params.cursor if params else None, runtime.config.mcp.list_page_size
        )
        return types.ListToolsResult(
            tools=[tool.as_mcp() for tool in page], next_cursor=next_cursor
        )

    async def _call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            result = await _runtime(ctx).mcp.call(
                _caller(ctx),
                params.name,
                params.arguments,
                # The upstream's progress, passed on against this request's own token.
                progress=ctx.session.report_progress,
                virtual=_virtual_of(_request(ctx)),
                client=_client_of(_request(ctx)),
            )
        except (BadGateway, Unavailable) as exc:
            # The tool could not run: a result the model can read and act on, as MCP wants
            # for execution failures, rather than a protocol error.
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=exc.message)], is_error=True
            )
        except SwarmDeckError as exc:
            raise _protocol_error(exc) from None
        return types.CallToolResult.model_validate(result)

    # -- tools/list_changed -----------------------------------------------------------

    def _remember(self, ctx: ServerRequestContext[Any, Any]) -> None:
        """Keep a session that listed tools, to tell it when they change.

        2026-07-28 clients subscribe through `subscriptions/listen` instead.
        """
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return
        connection = _connection_of(ctx.session)
        if connection is not None and connection.session_id is not None:
            self._connections.add(connection)  # weak: gone with its session

    async def _changed(self, event: ChangeEvent) -> None:
        if event.type != "tools.changed":
            return
        await self._listeners.publish(ToolsListChanged())
        for connection in list(self._connections):
            with anyio.move_on_after(_NOTIFY_WITHIN):  # a stuck stream must not hold the rest
                await connection.send_tool_list_changed()  # best effort, never raises


class McpRoute(Route):
    """`/mcp` as a plain route that declares its permission like `require(...)` does."""

    def __init__(self, path: str, door: McpDoor) -> None:
        super().__init__(path, door, methods=METHODS, include_in_schema=False)
        self.declaration = DECLARATION


class _BridgeServer(Server[Any]):
    """The SDK's server, announcing that its tool list changes (handshake-era clients)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True),
            experimental_capabilities,
            extensions,
        )


def _input_schema(registry: Registry, name: str) -> dict[str, Any] | None:
    tool = registry.visible_tool(name)
    return tool.input_schema if tool is not None else None


def _modern(request: Request) -> bool:
    """A 2026-07-28 (or later) request: one exchange, no session."""
    version = request.headers.get(MCP_PROTOCOL_VERSION)
    return version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS


def _streams_back(body: bytes) -> bool:
    """Whether answering may take more than one message: progress asked for, a listen, or
    something we do not read (the SDK will judge it)."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    if not isinstance(message, dict) or message.get("method") not in _ANSWERED_ONCE:
        return True
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    return isinstance(meta, dict) and meta.get("progressToken") is not None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body we already read handed out again first."""
    pending = True

    async def receive_again() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def _client_of(request: Request) -> str | None:
    """A handshake-era session is its own client of stateful upstreams; without one (the
    2026-07-28 protocol has none) the credential is, as on every other door."""
    session = request.headers.get(MCP_SESSION_ID)
    if session is None:
        return None
    user = request.scope.get("user")
    owner = user.access_token.client_id if isinstance(user, AuthenticatedUser) else ""
    return f"{owner}#{session}"


def _virtual_of(request: Request) -> str | None:
    virtual = request.path_params.get("virtual")
    return str(virtual) if virtual is not None else None


def _page(tools: list[Tool], cursor: str | None, size: int) -> tuple[list[Tool], str | None]:
    """One page of the merged, name-sorted tool list, and the cursor of the next one.

    The cursor names the last tool sent rather than an offset, so a page boundary stays
    put when servers come and go between pages: nothing is skipped or sent twice.
    """
    start = 0
    if cursor is not None:
        after = _decode_cursor(cursor)
        start = next((i for i, tool in enumerate(tools) if tool.name > after), len(tools))
    page = tools[start : start + size]
    more = start + size < len(tools)
    return page, _encode_cursor(page[-1].name) if more and page else None


def _encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (ValueError, UnicodeError):
        text = ""
    if not text.startswith("after:"):
        raise MCPError(types.INVALID_PARAMS, "invalid cursor: pass back the server's nextCursor")
    return text.removeprefix("after:")


def _request(ctx: ServerRequestContext[Any, Any]) -> Request:
    request = ctx.request
    if not isinstance(request, Request):
        raise MCPError(types.INTERNAL_ERROR, "no HTTP request behind this message")
    return request


def _caller(ctx: ServerRequestContext[Any, Any]) -> Caller:
    caller = getattr(_request(ctx).state, _CALLER, None)
    if not isinstance(caller, Caller):
        raise MCPError(types.INTERNAL_ERROR, "unauthenticated message")
    return caller


def _runtime(ctx: ServerRequestContext[Any, Any]) -> Runtime:
    return get_runtime(_request(ctx))


def _connection_of(session: ServerSession) -> Connection | None:
    # The SDK keeps the session's connection private; without it a session cannot be told
    # about changes outside a request. If the SDK moves it, sessions just are not told.
    connection = getattr(session, "_connection", None)
    return connection if isinstance(connection, Connection) else None


def _protocol_error(exc: SwarmDeckError) -> MCPError:
    """A refusal or a bad request as a JSON-RPC error, our error type in its data."""
    code = (
        types.INVALID_PARAMS
        if isinstance(exc, InvalidInput | NotFound)
        else types.INVALID_REQUEST
        if isinstance(exc, PermissionDenied)
        else types.INTERNAL_ERROR
    )
    return MCPError(code, exc.message, {"type": exc.type, "details": exc.details})
