"""Real MCP servers for the bridge's tests: `mcp-server-time` from PyPI and our own flaky one."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from swarmdeck.mcp import McpConfig, Registry, ServerConfig, StdioServerConfig

FLAKY = Path(__file__).parent / "servers" / "flaky.py"

FAST = McpConfig(
    health_interval=0.5,
    health_timeout=1.0,
    health_failures=2,
    restart_backoff_min="100ms",
    restart_backoff_max=1.0,
    shutdown_grace=1.0,
    start_timeout=20.0,
)
"""Short intervals so health checks and restarts happen within a test."""


def time_server(**extra: Any) -> StdioServerConfig:
    """`mcp-server-time` from PyPI, pinned to UTC."""
    return StdioServerConfig(
        command=sys.executable,
        args=("-m", "mcp_server_time", "--local-timezone", "UTC"),
        **extra,
    )


def flaky_server(**extra: Any) -> StdioServerConfig:
    return StdioServerConfig(command=sys.executable, args=(str(FLAKY),), **extra)


def process_gone(pid: int) -> bool:
    """True when the pid no longer exists or is a zombie nobody has reaped yet."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_until(predicate: Callable[[], bool], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


RegistryFactory = Callable[..., AbstractAsyncContextManager[Registry]]


@pytest.fixture
def bridge() -> RegistryFactory:
    """`async with bridge(servers, **settings) as registry`: started, ready, closed after."""

    @asynccontextmanager
    async def make(
        servers: Mapping[str, ServerConfig], *, ready: bool = True, **settings: Any
    ) -> AsyncIterator[Registry]:
        registry = Registry(McpConfig.model_validate(FAST.model_dump() | settings), servers)
        await registry.start()
        try:
            if ready:
                assert await registry.wait_ready(30), registry.servers()
            yield registry
        finally:
            await registry.aclose()

    return make
