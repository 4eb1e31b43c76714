"""Revoked sessions are remembered until they would have expired, then forgotten."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from swarmdeck.core.auth import SessionRevocations
from swarmdeck.core.db import Database
from swarmdeck.core.kv import KeyValueStore


@pytest.fixture
async def revocations(database_url: str) -> AsyncIterator[SessionRevocations]:
    db = Database(database_url)
    await db.migrate()
    yield SessionRevocations(KeyValueStore(db))
    await db.aclose()


async def test_pruning_forgets_only_sessions_that_expired(revocations: SessionRevocations) -> None:
    now = time.time()
    await revocations.revoke("expired-one", now - 10)
    await revocations.revoke("still-live", now + 3600)
    assert await revocations.is_revoked("expired-one")
    removed = await revocations.prune(now=now)
    assert removed >= 1
    assert not await revocations.is_revoked("expired-one")
    assert await revocations.is_revoked("still-live")
