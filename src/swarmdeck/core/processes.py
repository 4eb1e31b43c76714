"""Child processes in a process group of their own, and ending them completely.

What the MCP bridge's stdio servers and the embedded Temporal dev server share: a
`Child` to watch (exit status, the last lines it wrote), `stop` that ends the whole group
(stdin closed, SIGTERM, SIGKILL after a grace, grandchildren included), and `group_alive`.
Spawn with `start_new_session=True` so the leader's pid is the group's id.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field

import anyio
import anyio.abc

log = logging.getLogger(__name__)

EXIT_POLL = 0.05
_STDIN_CLOSE_GRACE = 0.25
_REAP_WAIT = 2.0
_STDERR_LINES = 20


@dataclass(eq=False)
class Child:
    """A running child process and what has been seen of it."""

    process: anyio.abc.Process
    ended: anyio.Event = field(default_factory=anyio.Event)
    """Set once the process has exited or closed its stdout (either ends the session)."""
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=_STDERR_LINES))
    stopped: bool = False
    """Set once `stop` has run: the group is never signalled again (its id may be reused)."""

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def exit_reason(self) -> str:
        """Why it ended, for a status reason (waits briefly for the exit status)."""
        with anyio.move_on_after(0.5):
            while self.returncode is None:  # noqa: ASYNC110 - no event announces an exit status
                await anyio.sleep(EXIT_POLL / 5)
        code = self.returncode
        if code is None:
            what = "closed its stdout"
        elif code < 0:
            try:
                what = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                what = f"was killed by signal {-code}"
        else:
            what = f"exited with code {code}"
        # What it last wrote explains an exit (a traceback's last line), not a signal from
        # outside: after `kill -9` it would be some unrelated, older log line.
        tail = self.stderr_tail[-1] if self.stderr_tail and (code is None or code >= 0) else ""
        return f"process {self.pid} {what}" + (f" ({tail})" if tail else "")


async def stop(child: Child, *, grace: float) -> None:
    """End the process and everything in its group: stdin closed, SIGTERM, SIGKILL."""
    if child.stopped:
        return
    child.stopped = True
    process = child.process
    if process.stdin is not None:
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
        # A stdio server ends on EOF; give it that chance before any signal.
        if process.returncode is None:
            await _wait_gone(child, _STDIN_CLOSE_GRACE, group=False)
    pgid = child.pid  # start_new_session: the leader's pid is the group id, even once reaped
    if _signal_group(pgid, signal.SIGTERM) and not await _wait_gone(child, grace, group=True):
        _signal_group(pgid, signal.SIGKILL)
        if not await _wait_gone(child, _REAP_WAIT, group=True):
            log.warning("process group %d survived SIGKILL", pgid)
    _close_transport(process)


def _signal_group(pgid: int, sig: int) -> bool:
    """Signal the group; False when nothing is left in it."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # zombie members (EPERM on some systems); keep waiting
    return True


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running.

    Zombies do not count: an orphaned grandchild is reaped by PID 1, which in a container
    may take its time, and a zombie holds nothing. Without /proc, signal 0 decides.
    """
    if not _signal_group(pgid, 0):
        return False
    try:
        entries = os.scandir("/proc")
    except OSError:
        return True
    with entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
                return True
    return False


async def _wait_gone(child: Child, within: float, *, group: bool) -> bool:
    with anyio.move_on_after(within):
        # Nothing signals a whole group's end: poll (which also lets asyncio reap the leader).
        while child.returncode is None or (group and group_alive(child.pid)):  # noqa: ASYNC110
            await anyio.sleep(EXIT_POLL / 5)
        return True
    return False


def _close_transport(process: anyio.abc.Process) -> None:
    # A killed child's asyncio transport otherwise stays open and warns at GC.
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        with suppress(PermissionError):
            close()
