"""A real SwarmDeck server on loopback per test, embedded (SQLite + in-process) and scaled
(PostgreSQL + Redis), and clients that talk to it over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from swarmdeck.app import create_app
from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.auth import CSRF_COOKIE, SESSION_COOKIE

SHAPES = [
    pytest.param("embedded", id="embedded"),
    pytest.param("scaled", id="scaled", marks=[pytest.mark.pg, pytest.mark.redis]),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    token: str
    settings: Settings

    def client(self, *, token: str | None = None, **options: object) -> httpx.AsyncClient:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=10, **options)  # type: ignore[arg-type]

    def admin(self) -> httpx.AsyncClient:
        return self.client(token=self.token)

    async def session_cookie(self, role: str) -> tuple[str, str]:
        """Make a user of `role`, log in with its password; return `(session cookie, csrf)`."""
        name = f"{role}-{secrets.token_hex(4)}"
        password = "a-long-enough-password"
        async with self.admin() as admin:
            created = await admin.post(
                "/api/users", json={"name": name, "password": password, "role": role}
            )
            assert created.status_code == 201, created.text
        async with self.client() as client:
            response = await client.post("/api/login", json={"name": name, "password": password})
            assert response.status_code == 200, response.text
            return client.cookies[SESSION_COOKIE], client.cookies[CSRF_COOKIE]

    @contextlib.asynccontextmanager
    async def as_role(self, role: str) -> AsyncIterator[httpx.AsyncClient]:
        """A dashboard session of a fresh user holding `role`."""
        cookie, csrf = await self.session_cookie(role)
        async with self.client() as client:
            client.cookies.set(SESSION_COOKIE, cookie)
            client.headers["x-csrf-token"] = csrf
            yield client


async def start_server(
    settings: Settings, config: FileConfig | None = None
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, config or FileConfig()),
            host=settings.host,
            port=settings.port,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            return server, task
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    raise RuntimeError("server did not start")


@pytest.fixture(params=SHAPES)
def shape(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def server_settings(shape: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    token = "sdt-test-" + secrets.token_urlsafe(16)
    extra: dict[str, object] = {}
    if shape == "scaled":
        extra["database_url"] = request.getfixturevalue("fresh_pg_database_url")
        extra["redis_url"] = request.getfixturevalue("redis_url")
        extra["redis_prefix"] = request.getfixturevalue("redis_prefix")
    return Settings(
        data_dir=tmp_path / "data",
        host="127.0.0.1",
        port=free_port(),
        admin_token=SecretStr(token),
        # A Temporal dev server per test server would add ~1.5 s (mostly its shutdown) and
        # ~135 MB; tests of workflows turn it on (tests/workflows/).
        temporal_enabled=False,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def file_config() -> FileConfig:
    return FileConfig()


@contextlib.asynccontextmanager
async def serving(settings: Settings, config: FileConfig) -> AsyncIterator[Server]:
    """A real server on loopback for the block; it shuts down gracefully after."""
    uv, task = await start_server(settings, config)
    assert settings.admin_token is not None
    try:
        yield Server(
            url=f"http://127.0.0.1:{settings.port}",
            token=settings.admin_token.get_secret_value(),
            settings=settings,
        )
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def server(server_settings: Settings, file_config: FileConfig) -> AsyncIterator[Server]:
    async with serving(server_settings, file_config) as running:
        yield running


@contextlib.asynccontextmanager
async def serving_healthy(settings: Settings, config: FileConfig) -> AsyncIterator[Server]:
    """A SwarmDeck serving `config` once each of its MCP servers (started in the
    background) is healthy."""
    async with serving(settings, config) as running:
        async with running.admin() as admin:
            for name in config.mcp_servers:
                await wait_healthy(admin, name)
        yield running


async def wait_healthy(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    """MCP server `name`'s status once healthy (or as it is after 10 s)."""
    for _ in range(200):
        response = await client.get(f"/api/mcp/servers/{name}")
        if response.status_code == 200 and response.json()["state"] == "healthy":
            break
        await asyncio.sleep(0.05)
    body: dict[str, Any] = response.json()
    return body
