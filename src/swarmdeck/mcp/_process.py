"""One stdio MCP server process: its own process group, its pipes as MCP streams, a total kill.

The SDK's `stdio_client` also starts servers in a new session and kills the group, but
it hides the process: no pid to report, no exit to observe while a grandchild holds
stdout open, a fixed grace. A supervisor needs all three, so the bridge spawns here and
hands the SDK's `ClientSession` the same pair of streams `stdio_client` would.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import anyio
import mcp.types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from swarmdeck.core.processes import EXIT_POLL, Child, stop
from swarmdeck.mcp.config import StdioServerConfig

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


async def _watch_exit(child: Child) -> None:
    # Polls returncode: asyncio's wait() would also wait for pipe EOF, which a grandchild
    # holding stdout delays forever.
    while child.returncode is None:  # noqa: ASYNC110
        await anyio.sleep(EXIT_POLL)
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
