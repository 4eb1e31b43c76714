"""The MCP bridge's core: supervised servers, one namespace of tools, calls with failover.

The front doors (REST, `/mcp`, stdio relay, WebSocket) sit on `Registry`.
"""

from swarmdeck.mcp._models import (
    ChangeEvent,
    ReplicaStatus,
    ServerKind,
    ServerStatus,
    State,
    Tool,
    result_to_dict,
)
from swarmdeck.mcp._names import assign_names, is_valid
from swarmdeck.mcp._registry import ChangeCallback, Registry, ToolTimeout
from swarmdeck.mcp._sealed import ConfigSealer
from swarmdeck.mcp.config import (
    HttpServerConfig,
    McpConfig,
    McpServerConfig,
    McpServersConfig,
    ServerConfig,
    StdioServerConfig,
    VirtualServerConfig,
)

__all__ = [
    "ChangeCallback",
    "ChangeEvent",
    "ConfigSealer",
    "HttpServerConfig",
    "McpConfig",
    "McpServerConfig",
    "McpServersConfig",
    "Registry",
    "ReplicaStatus",
    "ServerConfig",
    "ServerKind",
    "ServerStatus",
    "State",
    "StdioServerConfig",
    "Tool",
    "ToolTimeout",
    "VirtualServerConfig",
    "assign_names",
    "is_valid",
    "result_to_dict",
]
