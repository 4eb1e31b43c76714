"""The MCP bridge's REST door: servers and their state, tools, calls, restarts."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, ValidationError

from swarmdeck.api.body import RequestBody
from swarmdeck.api.deps import AUTHENTICATED, RuntimeDep, caller_of, require, require_any_scope
from swarmdeck.api.errors import error_responses
from swarmdeck.api.ws import command
from swarmdeck.core.auth import Caller, Principal
from swarmdeck.core.errors import InvalidInput
from swarmdeck.mcp import (
    HttpServerConfig,
    ServerStatus,
    StdioServerConfig,
    Tool,
    VirtualServerConfig,
)
from swarmdeck.runtime import Runtime

router = APIRouter(tags=["mcp"])

ServerName = Annotated[str, Path(pattern=r"^[a-zA-Z0-9_-]{1,32}$")]
ToolName = Annotated[str, Path(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]


class ReplicaOut(BaseModel):
    index: int
    state: Literal["starting", "healthy", "degraded", "down"]
    reason: str
    pid: int | None
    restarts: int
    last_error: str | None
    uptime_seconds: float | None
    ping_ms: float | None
    in_flight: int


class ServerOut(BaseModel):
    name: str
    kind: Literal["stdio", "http"]
    state: Literal["starting", "healthy", "degraded", "down"]
    reason: str
    restarts: int
    last_error: str | None
    tool_count: int
    stateful: bool = Field(description="each client has its own upstream session")
    sessions: int = Field(description="clients' own upstream sessions open now")
    max_sessions: int | None = Field(
        description="clients' own sessions this server may have at once (stateful only)"
    )
    replicas: list[ReplicaOut]
    from_config: bool = Field(
        description="from the YAML file: read-only through the API (409 on change or removal)"
    )

    @classmethod
    def of(cls, status: ServerStatus, runtime: Runtime) -> ServerOut:
        return cls(
            from_config=runtime.mcp.from_config(status.name),
            name=status.name,
            kind=status.kind,
            state=status.state,
            reason=status.reason,
            restarts=status.restarts,
            last_error=status.last_error,
            tool_count=status.tool_count,
            stateful=status.stateful,
            sessions=status.sessions,
            max_sessions=status.max_sessions,
            replicas=[ReplicaOut(**_fields_of(replica)) for replica in status.replicas],
        )


def _fields_of(replica: Any) -> dict[str, Any]:
    return {name: getattr(replica, name) for name in ReplicaOut.model_fields}


class ToolOut(BaseModel):
    name: str = Field(description="`<server>__<tool>`: at most 64 characters of [a-zA-Z0-9_-]")
    server: str
    upstream_name: str = Field(description="the tool's name at its server")
    description: str | None
    input_schema: dict[str, Any]

    @classmethod
    def of(cls, tool: Tool) -> ToolOut:
        return cls(
            name=tool.name,
            server=tool.server,
            upstream_name=tool.upstream_name,
            description=tool.description,
            input_schema=tool.input_schema,
        )


class ToolCall(RequestBody):
    arguments: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="seconds; the server's configured timeout if absent",
    )


class ToolResult(BaseModel):
    """The tool's result as MCP's JSON: `content`, `structuredContent`, `isError`."""

    model_config = {"extra": "allow"}
    content: list[dict[str, Any]] = Field(default_factory=list)
    isError: bool = False


@router.get("/api/mcp/servers", responses=error_responses(401, 403))
async def list_servers(
    runtime: RuntimeDep, _: Principal = require("mcp-server", "read")
) -> list[ServerOut]:
    """Every configured MCP server with its state, replicas, restarts and last error."""
    return [ServerOut.of(status, runtime) for status in runtime.mcp.servers()]


class NewServer(RequestBody):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,32}$")
    config: StdioServerConfig | HttpServerConfig = Field(
        description="stdio: command, args, env, cwd, replicas; remote: url, headers"
    )


class ServerChange(RequestBody):
    config: StdioServerConfig | HttpServerConfig


@router.post("/api/mcp/servers", status_code=201, responses=error_responses(401, 403, 409, 422))
async def add_server(
    body: NewServer,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "write"),
) -> ServerOut:
    """Add a server for good (kept across restarts, run on every replica; audited).

    A stdio server runs its command on the SwarmDeck host, hence `mcp-server:write`.
    """
    caller = caller_of(request, principal)
    return ServerOut.of(await runtime.mcp.add(caller, body.name, body.config), runtime)


@router.put("/api/mcp/servers/{name}", responses=error_responses(401, 403, 404, 409, 422))
async def update_server(
    name: ServerName,
    body: ServerChange,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "write"),
) -> ServerOut:
    """Replace a server's configuration; its replicas restart. Config-file servers: 409."""
    caller = caller_of(request, principal)
    return ServerOut.of(await runtime.mcp.update(caller, name, body.config), runtime)


@router.delete(
    "/api/mcp/servers/{name}", status_code=204, responses=error_responses(401, 403, 404, 409, 422)
)
async def remove_server(
    name: ServerName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "delete"),
) -> None:
    """Stop a server and forget it; its tools disappear. Config-file servers: 409."""
    await runtime.mcp.remove(caller_of(request, principal), name)


@router.get("/api/mcp/servers/{name}", responses=error_responses(401, 403, 404, 422))
async def get_server(
    name: ServerName, runtime: RuntimeDep, _: Principal = require("mcp-server", "read")
) -> ServerOut:
    return ServerOut.of(runtime.mcp.registry.server(name), runtime)


@router.post("/api/mcp/servers/{name}/restart", responses=error_responses(401, 403, 404, 422, 503))
async def restart_server(
    name: ServerName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "execute", "restart"),
) -> ServerOut:
    """Restart every replica of a server now (audited)."""
    return ServerOut.of(await runtime.mcp.restart(caller_of(request, principal), name), runtime)


@router.get("/api/mcp/tools", responses=error_responses(401, 403, 404, 422))
async def list_tools(
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = AUTHENTICATED,
    server: Annotated[str | None, Query(pattern=r"^[a-zA-Z0-9_-]{1,32}$")] = None,
    virtual: Annotated[
        str | None,
        Query(pattern=r"^[a-zA-Z0-9_-]{1,32}$", description="only this virtual server's tools"),
    ] = None,
) -> list[ToolOut]:
    """Tools of healthy servers that the caller may read or call, with their input schemas.

    Open to any caller: the list is filtered by `mcp-tool` grants (per server or per tool).
    """
    caller = caller_of(request, principal)
    return [
        ToolOut.of(tool) for tool in runtime.mcp.tools_for(caller, server=server, virtual=virtual)
    ]


class NewVirtualServer(VirtualServerConfig):
    """A virtual server to make: its name and what the config file would say of it."""

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,32}$")

    def config(self) -> VirtualServerConfig:
        return VirtualServerConfig.model_validate(self.model_dump(exclude={"name"}))


class VirtualServerOut(BaseModel):
    name: str
    description: str
    from_config: bool = Field(description="from the YAML file: read-only through the API")
    path: str = Field(description="where MCP clients connect: `/mcp/{name}`")
    servers: list[str] = Field(description="servers whose every tool is included")
    patterns: list[str] = Field(description="tool names or patterns (`git__git_*`) included")
    tools: list[ToolOut] = Field(description="the tools it serves now that the caller may see")


@router.get("/api/mcp/virtual-servers", responses=error_responses(401, 403))
async def list_virtual_servers(
    request: Request, runtime: RuntimeDep, principal: Principal = require("mcp-server", "read")
) -> list[VirtualServerOut]:
    """Named subsets of the tools, each its own MCP endpoint (`mcp.virtual_servers`)."""
    caller = caller_of(request, principal)
    return [_virtual_out(runtime, caller, name) for name in sorted(runtime.mcp.virtual_servers())]


@router.post(
    "/api/mcp/virtual-servers", status_code=201, responses=error_responses(401, 403, 409, 422)
)
async def add_virtual_server(
    body: NewVirtualServer,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "write"),
) -> VirtualServerOut:
    """Serve a subset of the tools at `/mcp/{name}` from now on (kept, on every replica;
    audited)."""
    caller = caller_of(request, principal)
    await runtime.mcp.virtual.add(caller, body.name, body.config())
    return _virtual_out(runtime, caller, body.name)


@router.put("/api/mcp/virtual-servers/{name}", responses=error_responses(401, 403, 404, 409, 422))
async def update_virtual_server(
    name: ServerName,
    body: VirtualServerConfig,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "write"),
) -> VirtualServerOut:
    """Change which tools a virtual server serves. Config-file ones: 409."""
    caller = caller_of(request, principal)
    await runtime.mcp.virtual.update(caller, name, body)
    return _virtual_out(runtime, caller, name)


@router.delete(
    "/api/mcp/virtual-servers/{name}",
    status_code=204,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def remove_virtual_server(
    name: ServerName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("mcp-server", "delete"),
) -> None:
    """Stop serving `/mcp/{name}`. Config-file ones: 409."""
    await runtime.mcp.virtual.remove(caller_of(request, principal), name)


def _virtual_out(runtime: Runtime, caller: Caller, name: str) -> VirtualServerOut:
    config = runtime.mcp.virtual_server(name)
    return VirtualServerOut(
        name=name,
        description=config.description,
        from_config=runtime.mcp.virtual.from_config(name),
        path=f"/mcp/{name}",
        servers=list(config.servers),
        patterns=list(config.tools),
        tools=[ToolOut.of(tool) for tool in runtime.mcp.tools_for(caller, virtual=name)],
    )


@router.post("/api/mcp/tools/{name}/call", responses=error_responses(401, 403, 404, 422, 502, 503))
async def call_tool(
    name: ToolName,
    body: ToolCall,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require_any_scope("mcp-tool", "execute"),
) -> ToolResult:
    """Call a tool on a healthy replica of its server; the result as MCP's JSON.

    A tool that fails reports it in the result (`isError`); a 502 means its server did not
    answer (crashed, timed out), a 503 that no replica is up.
    """
    result = await runtime.mcp.call(
        caller_of(request, principal), name, body.arguments, timeout=body.timeout
    )
    return ToolResult.model_validate(result)


# -- the same over the WebSocket control channel -----------------------------------------


class _WsCall(RequestBody):
    tool: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    arguments: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(default=None, gt=0, le=3600)


@command("mcp.servers", "mcp-server", "read")
async def _ws_servers(runtime: Runtime, caller: Caller, args: dict[str, Any]) -> Any:
    return [
        ServerOut.of(status, runtime).model_dump(mode="json") for status in runtime.mcp.servers()
    ]


@command("mcp.call", "mcp-tool", "execute", any_scope=True)
async def _ws_call(runtime: Runtime, caller: Caller, args: dict[str, Any]) -> Any:
    try:
        request = _WsCall.model_validate(args)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid tool call", details=json.loads(exc.json(include_url=False))
        ) from None
    return await runtime.mcp.call(caller, request.tool, request.arguments, timeout=request.timeout)
