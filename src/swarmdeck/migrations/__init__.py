"""Alembic migrations, applied at start and by `swarmdeck migrate`."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

_HERE = Path(__file__).parent
# Any constant works; it only has to be the same for every replica.
_PG_MIGRATION_LOCK = 0x5D_EC_0001


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["connection"] = connection
    return config


def _run(connection: Connection, revision: str, *, down: bool) -> None:
    # Replicas starting together must not migrate twice: PostgreSQL serialises them on a
    # lock held until this transaction commits, so the next one sees the finished schema.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    config = alembic_config(connection)
    if down:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


@contextlib.asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """Serialise migrations of one SQLite file across processes (an advisory file lock)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    handle = await asyncio.to_thread(open, f"{database}.migrate.lock", "a")
    try:
        # Waits in a thread, so other tasks on this loop (even the holder) keep running.
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with _sqlite_file_lock(engine), engine.begin() as conn:
        await conn.run_sync(_run, revision, down=False)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with _sqlite_file_lock(engine), engine.begin() as conn:
        await conn.run_sync(_run, revision, down=True)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_read)
