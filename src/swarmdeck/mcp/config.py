"""The `mcp:` and `mcp_servers:` sections of the YAML file."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from swarmdeck._durations import Duration

SERVER_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,32}$"

ServerName = Annotated[str, StringConstraints(pattern=SERVER_NAME_PATTERN)]
"""A server's name: the prefix of its tools' names, so only characters every client accepts."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ServerBase(_Section):
    timeout: Duration = 30.0
    """Default time limit of one tool call, unless `tool_timeouts` names the tool."""
    idempotent_tools: tuple[str, ...] = ()
    """Tools safe to run twice: a call lost with its replica is retried once on another."""
    tool_timeouts: dict[str, Duration] = Field(default_factory=dict)
    """Per-tool time limits in seconds (or `90s`-style strings), by the server's own tool name."""
    stateful: bool = False
    """Each client gets its own upstream session: for stdio its own child process, for HTTP
    its own MCP session. The server's replicas then only provide its tools and health."""
    session_idle_timeout: Duration = 300.0
    """A client's own session is closed after this long without calls."""
    max_sessions: int = Field(default=20, ge=1, le=1000)
    """Clients' own sessions open at once, at most; a new client beyond it is refused
    (Unavailable) until one ends or idles out, rather than ending another's session."""

    def timeout_for(self, tool: str) -> float:
        """The time limit of a call to `tool` (its upstream name)."""
        return self.tool_timeouts.get(tool, self.timeout)


class StdioServerConfig(_ServerBase):
    """A server SwarmDeck runs as supervised child processes, speaking MCP over stdio."""

    kind: ClassVar[Literal["stdio"]] = "stdio"
    command: str = Field(min_length=1)
    args: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict)
    """Added to a minimal inherited environment (PATH, HOME, ...); SwarmDeck's own is not passed."""
    cwd: str | None = None
    replicas: int = Field(default=1, ge=1, le=32)


class HttpServerConfig(_ServerBase):
    """A remote server reached over streamable HTTP with the credentials configured here."""

    kind: ClassVar[Literal["http"]] = "http"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    """Sent upstream on every request (e.g. the upstream's own API key); never a caller's."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


def _server_kind(value: Any) -> str | None:
    if isinstance(value, StdioServerConfig | HttpServerConfig):
        return value.kind
    if isinstance(value, dict):
        if "command" in value:
            return "stdio"
        if "url" in value:
            return "http"
    return None


McpServerConfig = Annotated[
    Annotated[StdioServerConfig, Tag("stdio")] | Annotated[HttpServerConfig, Tag("http")],
    Discriminator(
        _server_kind,
        custom_error_type="mcp_server_kind",
        custom_error_message="an MCP server needs either `command` (stdio) or `url` (streamable HTTP)",
    ),
]
"""One entry of `mcp_servers`: stdio when it has `command`, remote when it has `url`."""

ServerConfig = StdioServerConfig | HttpServerConfig
"""A parsed `mcp_servers` entry, as `Registry.add`/`update` take it."""

McpServersConfig = dict[ServerName, McpServerConfig]
"""The `mcp_servers:` section: servers by name."""


class VirtualServerConfig(_Section):
    """A named subset of the bridge's tools, served as its own endpoint at `/mcp/{name}`.

    Gives a client (say, one agent's IDE) just the tools it needs, so its model is not
    offered dozens it should never call. Permissions still apply per tool.
    """

    description: str = ""
    """Shown to clients as the endpoint's instructions."""
    servers: tuple[ServerName, ...] = ()
    """Every tool of these servers."""
    tools: tuple[str, ...] = ()
    """Public tool names (`<server>__<tool>`), or shell-style patterns such as `git__git_*`."""

    @model_validator(mode="after")
    def _selects_something(self) -> VirtualServerConfig:
        if not self.servers and not self.tools:
            raise ValueError("a virtual server needs `servers` or `tools` to select from")
        return self

    def includes(self, server: str, tool: str) -> bool:
        """Whether the public tool `tool` of `server` is part of this virtual server."""
        return server in self.servers or any(fnmatchcase(tool, pattern) for pattern in self.tools)


class McpConfig(_Section):
    """The `mcp:` section: how the bridge runs its servers."""

    max_concurrent_calls: int = Field(default=100, ge=1)
    """Tool calls in flight across all servers; more wait for a slot within their time limit."""
    health_interval: Duration = 10.0
    """How often each replica is pinged."""
    health_timeout: Duration = 5.0
    """A ping slower than this counts as failed."""
    health_failures: int = Field(default=2, ge=1)
    """Consecutive failed pings that get a replica restarted (one makes it `degraded`)."""
    start_timeout: Duration = 30.0
    """Time for a new replica to start, initialise and list its tools."""
    restart_backoff_min: Duration = 0.1
    restart_backoff_max: Duration = 30.0
    """Restart delays double from the minimum up to the maximum (Docker's policy)."""
    stable_after: Duration = 10.0
    """A replica that was healthy this long restarts at the minimum delay again; one that
    dies sooner counts towards a crash loop and backs off further."""
    shutdown_grace: Duration = 2.0
    """Between SIGTERM and SIGKILL of a replica's process group."""
    api_commands: tuple[str, ...] = ()
    """Commands that stdio servers added through the API may run (exactly as written in
    their `command`). A stdio server runs on this host, so by default the API may add
    remote servers only; servers in this file are not limited."""

    virtual_servers: dict[ServerName, VirtualServerConfig] = Field(default_factory=dict)
    """Named subsets of the tools, each served at `/mcp/{name}`."""
    list_page_size: int = Field(default=500, ge=1, le=10_000)
    """Tools per `tools/list` page on `/mcp`; longer lists continue behind a cursor."""

    @model_validator(mode="after")
    def _backoff_bounds(self) -> McpConfig:
        if self.restart_backoff_min > self.restart_backoff_max:
            raise ValueError("restart_backoff_min must not exceed restart_backoff_max")
        return self
