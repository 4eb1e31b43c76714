"""Sessions ended by logout before they expire: a signed cookie alone cannot be recalled."""

from __future__ import annotations

import time

from swarmdeck.core.kv import KeyValueStore

_NAMESPACE = "revoked-session"


class SessionRevocations:
    """Remembers revoked session ids (shared through the database across replicas)."""

    def __init__(self, kv: KeyValueStore) -> None:
        self._kv = kv

    async def revoke(self, session_id: str, expires: float) -> None:
        await self._kv.put(_NAMESPACE, session_id, expires)

    async def is_revoked(self, session_id: str) -> bool:
        entry = await self._kv.get(_NAMESPACE, session_id)
        return entry is not None

    async def prune(self, now: float | None = None) -> int:
        """Forget revocations of sessions that have expired anyway."""
        now = now or time.time()
        removed = 0
        for key in await self._kv.keys(_NAMESPACE):
            entry = await self._kv.get(_NAMESPACE, key)
            if entry is not None and float(entry.value) < now:
                removed += await self._kv.delete(_NAMESPACE, key)
        return removed
