"""A real SwarmDeck server on loopback per test, embedded (SQLite + in-process) and scaled
(PostgreSQL + Redis), and clients that talk to it over real sockets."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from swarmdeck.app import create_app
from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.auth import SESSION_COOKIE, Principal, SessionSigner

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

    def session_cookie(self, role: str, name: str = "someone") -> tuple[str, str]:
        """A signed session for a principal of `role` (users arrive with the access-control issue)."""
        from swarmdeck.config import resolve_secret_key

        signer = SessionSigner(resolve_secret_key(self.settings))
        return signer.issue(Principal(name=name, role=role, kind="user"))

    def as_role(self, role: str) -> httpx.AsyncClient:
        cookie, csrf = self.session_cookie(role)
        client = self.client()
        client.cookies.set(SESSION_COOKIE, cookie)
        client.headers["x-csrf-token"] = csrf
        return client


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
        extra["database_url"] = request.getfixturevalue("pg_database_url")
        extra["redis_url"] = request.getfixturevalue("redis_url")
        extra["redis_prefix"] = request.getfixturevalue("redis_prefix")
    return Settings(
        data_dir=tmp_path / "data",
        host="127.0.0.1",
        port=free_port(),
        admin_token=SecretStr(token),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def file_config() -> FileConfig:
    return FileConfig()


@pytest.fixture
async def server(server_settings: Settings, file_config: FileConfig) -> AsyncIterator[Server]:
    uv, task = await start_server(server_settings, file_config)
    assert server_settings.admin_token is not None
    yield Server(
        url=f"http://127.0.0.1:{server_settings.port}",
        token=server_settings.admin_token.get_secret_value(),
        settings=server_settings,
    )
    uv.should_exit = True
    await asyncio.wait_for(task, 10)
