"""The async database: one engine per process, SQLite (WAL) embedded or PostgreSQL scaled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from swarmdeck.config import normalise_database_url


def _sqlite_manual_begin(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own BEGIN handling is lazy and always DEFERRED; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    # `immediate` takes the write lock at BEGIN, so read-then-write sections (the audit
    # chain head) are serialised across processes instead of failing halfway.
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout queues writers instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """An engine tuned for its dialect."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 10})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_manual_begin)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """The engine and its session factory, shared by every feature."""

    def __init__(self, url: str) -> None:
        self.url = normalise_database_url(url)
        self.engine = create_engine(self.url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, *, immediate: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error.

        `immediate` takes SQLite's write lock at the start (a no-op on PostgreSQL, which
        serialises with row or advisory locks instead).
        """
        async with self.sessions() as session, session.begin():
            if immediate:
                # The first connection call of a transaction may set its options; ours
                # reach the "begin" hook above.
                await session.connection(execution_options={"sqlite_immediate": True})
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def migrate(self) -> None:
        from swarmdeck.migrations import upgrade

        await upgrade(self.engine)

    async def aclose(self) -> None:
        await self.engine.dispose()
