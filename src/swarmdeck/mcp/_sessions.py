"""Clients' own upstream sessions of stateful servers: opened on first call, closed when idle."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from swarmdeck.core.errors import Unavailable
from swarmdeck.mcp._replica import Replica
from swarmdeck.mcp._server import Server
from swarmdeck.mcp.config import McpConfig

log = logging.getLogger(__name__)

_POLL = 0.05
_REAP_EVERY_MAX = 1.0
_REAP_EVERY_MIN = 0.05


@dataclass(eq=False)
class _Session:
    server: str
    key: str
    tag: str
    """A short keyed hash of the client's identity: logs show it, never the identity,
    which may be a credential."""
    replica: Replica
    idle_timeout: float
    last_used: float = field(default_factory=time.monotonic)
    users: int = 0
    """Calls waiting for or running on the session; it is not idle while there are any."""
    closed: bool = False


class ClientSessions:
    """Each client's own replica of each stateful server, so no client sees another's state.

    A session is a `Replica` like any other (a child process in its own process group, or
    an MCP session over HTTP), supervised and restarted on its own; only its client's calls
    go there. `on_change(server)` hears when a server's number of sessions changes.
    """

    def __init__(self, settings: McpConfig, on_change: Callable[[str], None]) -> None:
        self._settings = settings
        self._on_change = on_change
        # Keyed, so a log's tag cannot be matched against guessed identities offline.
        self._hash_key = secrets.token_bytes(16)
        self._sessions: dict[str, dict[str, _Session]] = {}
        self._closing: set[Replica] = set()
        self._serial = itertools.count(1)
        self._reaper: asyncio.Task[None] | None = None

    def count(self, server: str) -> int:
        """Sessions of `server` open now."""
        return len(self._sessions.get(server, {}))

    def start(self) -> None:
        """Start closing idle sessions in the background."""
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap_forever(), name="mcp:client-sessions")

    async def aclose(self) -> None:
        """Stop reaping and close every session; returns when their processes are gone."""
        reaper, self._reaper = self._reaper, None
        if reaper is not None:
            reaper.cancel()
            await asyncio.wait({reaper})
        every = [s for sessions in self._sessions.values() for s in sessions.values()]
        await self._end(every, "shutting down")
        # Replicas a cancelled reap had begun to close.
        await asyncio.gather(*(replica.aclose() for replica in list(self._closing)))

    @asynccontextmanager
    async def use(self, server: Server, client: str) -> AsyncIterator[Replica]:
        """`client`'s own session of `server`, opened if need be, once it takes calls.

        Waits up to `start_timeout` for it. Raises Unavailable when the server is down, has
        `max_sessions` open already, or the session does not come up in time.
        """
        session = self._open(server, client)
        session.users += 1
        try:
            yield await self._ready(session)
        finally:
            session.users -= 1
            session.last_used = time.monotonic()

    async def end_client(self, client: str) -> None:
        """Close `client`'s sessions of every server."""
        key = self._key(client)
        await self._end(
            [sessions[key] for sessions in self._sessions.values() if key in sessions],
            "client ended",
        )

    async def close_server(self, server: str, why: str) -> None:
        """Close every session of `server` (removed or reconfigured)."""
        await self._end(list(self._sessions.get(server, {}).values()), why)

    async def reap(self) -> None:
        """Close the sessions without calls for longer than their `session_idle_timeout`."""
        now = time.monotonic()
        idle = [
            session
            for sessions in self._sessions.values()
            for session in sessions.values()
            if session.users == 0 and now - session.last_used >= session.idle_timeout
        ]
        await self._end(idle, "idle")

    # -- internals --------------------------------------------------------------------

    def _key(self, client: str) -> str:
        return hmac.new(self._hash_key, client.encode(), hashlib.sha256).hexdigest()

    def _open(self, server: Server, client: str) -> _Session:
        # No await in here: a session is created at most once per client, and never for a
        # server that is being removed (the caller found it in the same step).
        key = self._key(client)
        sessions = self._sessions.get(server.name, {})
        if key in sessions:
            return sessions[key]
        details = {"server": server.name}
        if not server.available():
            raise Unavailable(
                f"MCP server {server.name!r} has no replica taking calls",
                details=details | {"state": server.status().state},
            )
        config = server.config
        if len(sessions) >= config.max_sessions:
            # Refused rather than evicting another client's idle session: that would lose
            # its state behind its back, while a refusal is plain and can be retried.
            raise Unavailable(
                f"MCP server {server.name!r} has {len(sessions)} client sessions open, its "
                f"max_sessions; a new client can call once one ends or is idle for "
                f"{config.session_idle_timeout:g}s",
                details=details | {"max_sessions": config.max_sessions},
            )
        tag = key[:8]
        replica = Replica(
            f"{server.name}/client-{tag}", next(self._serial), config, self._settings, _ignore
        )
        session = _Session(server.name, key, tag, replica, config.session_idle_timeout)
        self._sessions.setdefault(server.name, {})[key] = session
        replica.start()
        log.info(
            "mcp server %s: session %d opened for client %s (%d of at most %d)",
            server.name,
            replica.index,
            tag,
            self.count(server.name),
            config.max_sessions,
        )
        self._on_change(server.name)
        return session

    async def _ready(self, session: _Session) -> Replica:
        replica = session.replica
        give_up = time.monotonic() + self._settings.start_timeout
        while True:
            details = {"server": session.server, "state": replica.state}
            if session.closed:
                raise Unavailable(
                    f"the client's session of MCP server {session.server!r} was closed",
                    details=details,
                )
            if replica.available:
                return replica
            if time.monotonic() >= give_up:
                raise Unavailable(
                    f"the client's session of MCP server {session.server!r} did not come up "
                    f"within {self._settings.start_timeout:g}s: {replica.reason}",
                    details=details,
                )
            await asyncio.sleep(_POLL)

    async def _end(self, ending: list[_Session], why: str) -> None:
        """Forget the sessions at once (no call reaches them after), then stop them."""
        stopping: list[Replica] = []
        for session in ending:
            sessions = self._sessions.get(session.server, {})
            if sessions.get(session.key) is not session:
                continue  # ended meanwhile
            del sessions[session.key]
            if not sessions:
                del self._sessions[session.server]
            session.closed = True
            self._closing.add(session.replica)
            stopping.append(session.replica)
            log.info(
                "mcp server %s: closing session %d of client %s (%s)",
                session.server,
                session.replica.index,
                session.tag,
                why,
            )
        for server in sorted({session.server for session in ending}):
            self._on_change(server)
        await asyncio.gather(*(self._stop(replica) for replica in stopping))

    async def _stop(self, replica: Replica) -> None:
        await replica.aclose()
        # Not in a `finally`: if this is cancelled, `aclose` still waits for the replica.
        self._closing.discard(replica)

    async def _reap_forever(self) -> None:
        while True:
            timeouts = [s.idle_timeout for v in self._sessions.values() for s in v.values()]
            every = min([_REAP_EVERY_MAX, *(t / 4 for t in timeouts)])
            await asyncio.sleep(max(every, _REAP_EVERY_MIN))
            try:
                await self.reap()
            except Exception:  # the reaper must outlive one bad close
                log.exception("mcp: closing idle client sessions failed")


def _ignore(replica: Replica) -> None:
    """A session's state changes matter to its client's calls only, which poll for them."""
