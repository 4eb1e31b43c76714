"""Session fixtures that start real things: a throwaway PostgreSQL database per run,
an isolated Redis key space per test, and the two storage/counter/bus back ends."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

PG_SERVER_URL = os.environ.get("SWARMDECK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SWARMDECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Every backend-parametrised fixture runs once per engine; the marks select, never hide.
ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="pg", marks=pytest.mark.pg),
]
LIVE_BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]


def _server_root(url: str) -> str:
    return url.rsplit("/", 1)[0]


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database() -> str:
    """Create an empty database on the real server and return its SQLAlchemy URL."""
    name = f"swarmdeck_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    return f"{_server_root(PG_SERVER_URL)}/{name}".replace("postgresql://", "postgresql+asyncpg://")


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """One throwaway PostgreSQL database for the whole run, dropped at the end."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def fresh_pg_database_url() -> Iterator[str]:
    """A database of its own for a test that must start from nothing (migrations)."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=ENGINES)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each engine in turn, for tests that start from nothing."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    url: str = request.getfixturevalue("fresh_pg_database_url")
    return url


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The SQLAlchemy URL of each storage engine in turn: a SQLite file and the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'swarmdeck.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key and channel prefix of this test's own on the shared Redis, cleaned afterwards."""
    prefix = f"sdtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=LIVE_BACKENDS)
def live_backend(request: pytest.FixtureRequest) -> str:
    """'memory' or 'redis': the two implementations of counters and the event bus."""
    value: str = request.param
    return value


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """An OTLP/HTTP collector on loopback: `(endpoint, [(path, content type, body)])`."""
    received: list[tuple[str, str, bytes]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()
