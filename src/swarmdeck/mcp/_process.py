"""One stdio MCP server process: its own process group, its pipes as MCP streams, a total kill.

The SDK's `stdio_client` also starts servers in a new session and kills the group, but
it hides the process: no pid to report, no exit to observe while a grandchild holds
stdout open, a fixed grace. A supervisor needs all three, so the bridge spawns here and
hands the SDK's `ClientSession` the same pair of streams `stdio_client` would.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import anyio
import anyio.abc
import mcp.types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from swarmdeck.mcp.config import StdioServerConfig

log = logging.getLogger(__name__)

_EXIT_POLL = 0.05
_STDIN_CLOSE_GRACE = 0.25
_REAP_WAIT = 2.0
_STDERR_LINES = 20


@dataclass(eq=False)
class Child:
    """A running server process and what has been seen of it."""

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
        """Why the session ended, for a status reason (waits briefly for the exit status)."""
        with anyio.move_on_after(0.5):
            while self.returncode is None:  # noqa: ASYNC110 - no event announces an exit status
                await anyio.sleep(_EXIT_POLL / 5)
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


ReadStream = MemoryObjectReceiveStream[SessionMessage | Exception]
WriteStream = MemoryObjectSendStream[SessionMessage]


@asynccontextmanager
async def spawn(
    config: StdioServerConfig, *, grace: float
) -> AsyncIterator[tuple[Child, ReadStream, WriteStream]]:
    """Start the server in a new process group; on exit, kill the group (TERM, then KILL)."""
    process = await anyio.open_process(
        [config.command, *config.args],
        env=get_default_environment() | config.env,
        cwd=config.cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    child = Child(process)
    # No awaits between the spawn and the try below, or a cancellation would leak the child.
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_read_stdout, child, read_send)
            tg.start_soon(_write_stdin, child, write_recv)
            tg.start_soon(_read_stderr, child)
            tg.start_soon(_watch_exit, child)
            try:
                yield child, read_recv, write_send
            finally:
                with anyio.CancelScope(shield=True):
                    write_send.close()
                    await stop(child, grace=grace)
                tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await stop(child, grace=grace)  # no-op unless the task group failed to start
            for stream in (read_send, read_recv, write_send, write_recv):
                await stream.aclose()


async def stop(child: Child, *, grace: float) -> None:
    """End the process and everything in its group: stdin closed, SIGTERM, SIGKILL."""
    if child.stopped:
        return
    child.stopped = True
    process = child.process
    if process.stdin is not None:
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
    if process.returncode is None:
        await _wait_gone(child, _STDIN_CLOSE_GRACE, group=False)
    pgid = child.pid  # start_new_session: the leader's pid is the group id, even once reaped
    if _signal_group(pgid, signal.SIGTERM) and not await _wait_gone(child, grace, group=True):
        _signal_group(pgid, signal.SIGKILL)
        if not await _wait_gone(child, _REAP_WAIT, group=True):
            log.warning("MCP server process group %d survived SIGKILL", pgid)
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
            await anyio.sleep(_EXIT_POLL / 5)
        return True
    return False


def _close_transport(process: anyio.abc.Process) -> None:
    # A killed child's asyncio transport otherwise stays open and warns at GC.
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        with suppress(PermissionError):
            close()


async def _watch_exit(child: Child) -> None:
    # Polls returncode: asyncio's wait() would also wait for pipe EOF, which a grandchild
    # holding stdout delays forever.
    while child.returncode is None:  # noqa: ASYNC110
        await anyio.sleep(_EXIT_POLL)
    child.ended.set()


async def _read_stdout(
    child: Child, send: MemoryObjectSendStream[SessionMessage | Exception]
) -> None:
    stdout = child.process.stdout
    if stdout is None:  # spawned with pipes; never happens
        return
    buffer = b""
    try:
        async for chunk in stdout:
            lines = (buffer + chunk).split(b"\n")
            buffer = lines.pop()
            for line in lines:
                if line.strip():
                    await send.send(_parse(line))
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError):
        pass
    finally:
        # Marked ended before the session hears of the close, so no call is routed here after.
        child.ended.set()
        send.close()


def _parse(line: bytes) -> SessionMessage | Exception:
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:
        return exc


async def _write_stdin(child: Child, receive: MemoryObjectReceiveStream[SessionMessage]) -> None:
    stdin = child.process.stdin
    if stdin is None:  # spawned with pipes; never happens
        return
    try:
        async with receive:
            async for message in receive:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                await stdin.send(data.encode() + b"\n")
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        child.ended.set()


async def _read_stderr(child: Child) -> None:
    stderr = child.process.stderr
    if stderr is None:  # spawned with pipes; never happens
        return
    buffer = b""
    with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError):
        async for chunk in stderr:
            lines = (buffer + chunk).split(b"\n")
            buffer = lines.pop()[-4096:]
            for line in lines:
                text = line.decode(errors="replace").strip()
                if text:
                    child.stderr_tail.append(text[:500])
