from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from swarmdeck.mcp import (
    HttpServerConfig,
    McpConfig,
    McpServersConfig,
    StdioServerConfig,
    VirtualServerConfig,
)


class FileConfig(BaseModel):
    """How `config.py` is expected to carry the two sections."""

    model_config = ConfigDict(extra="forbid")
    mcp: McpConfig = Field(default_factory=McpConfig)
    mcp_servers: McpServersConfig = Field(default_factory=dict)


def test_sections_parse_stdio_and_remote_servers_with_durations() -> None:
    config = FileConfig.model_validate(
        {
            "mcp": {"health_interval": "5s", "restart_backoff_max": "1m"},
            "mcp_servers": {
                "time": {
                    "command": "python",
                    "args": ["-m", "mcp_server_time"],
                    "env": {"TZ": "UTC"},
                    "replicas": 2,
                    "timeout": "45s",
                    "idempotent_tools": ["get_current_time"],
                    "tool_timeouts": {"convert_time": "500ms"},
                },
                "remote-1": {"url": "https://mcp.example.com/mcp", "headers": {"x-api-key": "k"}},
            },
        }
    )
    time = config.mcp_servers["time"]
    assert isinstance(time, StdioServerConfig)
    assert time.replicas == 2
    assert time.timeout_for("convert_time") == 0.5
    assert time.timeout_for("get_current_time") == 45.0
    assert isinstance(config.mcp_servers["remote-1"], HttpServerConfig)
    assert config.mcp.health_interval == 5.0
    assert config.mcp.restart_backoff_max == 60.0
    assert config.mcp.max_concurrent_calls == 100


def test_defaults_match_the_issue() -> None:
    server = StdioServerConfig(command="x")
    assert (server.replicas, server.timeout, server.idempotent_tools) == (1, 30.0, ())
    assert McpConfig().health_interval == 10.0


@pytest.mark.parametrize(
    ("servers", "fragment"),
    [
        ({"bad name": {"command": "x"}}, "pattern"),
        ({"x" * 33: {"command": "x"}}, "pattern"),
        ({"s": {"args": ["a"]}}, "either `command`"),
        ({"s": {"command": "x", "colour": "red"}}, "Extra inputs"),
        ({"s": {"command": "x", "replicas": 0}}, "greater than or equal to 1"),
        ({"s": {"command": "x", "timeout": "soon"}}, "not a duration"),
        ({"s": {"url": "ftp://x"}}, "http:// or https://"),
        ({"s": {"url": "http://x", "replicas": 2}}, "Extra inputs"),
    ],
)
def test_bad_server_entries_are_refused_with_a_reason(
    servers: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment):
        FileConfig.model_validate({"mcp_servers": servers})


def test_backoff_bounds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="must not exceed"):
        McpConfig(restart_backoff_min="10s", restart_backoff_max="1s")


def test_sections_are_frozen() -> None:
    with pytest.raises(ValidationError):
        StdioServerConfig(command="x").replicas = 3  # type: ignore[misc]


def test_a_virtual_server_must_select_something() -> None:
    with pytest.raises(ValidationError, match="needs `servers` or `tools`"):
        VirtualServerConfig(description="empty")
    with pytest.raises(ValidationError):
        McpConfig.model_validate({"virtual_servers": {"bad name!": {"servers": ["time"]}}})


def test_patterns_and_servers_select_tools() -> None:
    subset = VirtualServerConfig(servers=("git",), tools=("time__*_time", "fetch__fetch"))
    assert subset.includes("git", "git__git_log")
    assert subset.includes("time", "time__convert_time")
    assert subset.includes("fetch", "fetch__fetch")
    assert not subset.includes("fetch", "fetch__fetch_all")
    assert not subset.includes("time", "time__zones")
