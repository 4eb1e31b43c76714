"""A fake LLM provider on loopback that speaks the OpenAI and Anthropic wire formats.

Answers are deterministic so tests can compute exact costs: the reply is
`"echo: " + <last user text>` (see `FakeProvider.reply`); input tokens are the
whitespace-separated words of every message (and the Anthropic `system`) plus 3;
output tokens are the words of the reply (a tool call counts 2), plus the configured
reasoning tokens. `max_tokens` cuts the reply to that many words.

In a test::

    async with FakeProvider(api_key="sk-test") as fake:
        client = openai.AsyncOpenAI(base_url=f"{fake.url}/v1", api_key="sk-test")
        fake.fail(429, retry_after=0.1)   # the next call gets a 429

As its own process (the benchmarks)::

    python -m swarmdeck.testing.fake_provider --port 0 --key sk-test [--processes 2]

prints `listening on http://127.0.0.1:PORT` once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys

import uvloop
from aiohttp import web

from swarmdeck.testing._script import Fault, RecordedRequest, Script
from swarmdeck.testing._server import FakeProvider, build_app

__all__ = ["FakeProvider", "Fault", "RecordedRequest", "main"]


async def _serve_socket(sock: socket.socket, script: Script) -> None:
    runner = web.AppRunner(build_app(script), access_log=None, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _run(sock: socket.socket, script: Script) -> None:
    uvloop.run(_serve_socket(sock, script))


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, in one or more processes sharing one listening socket."""
    parser = argparse.ArgumentParser(prog="python -m swarmdeck.testing.fake_provider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--key", default="sk-fake", help="the API key clients must send")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (fork)")
    parser.add_argument("--log-requests", action="store_true", help="keep a request log")
    args = parser.parse_args(argv)
    script = Script(api_key=args.key, latency=args.latency, record=args.log_requests)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    sock.setblocking(False)
    children: list[int] = []
    for _ in range(max(args.processes, 1) - 1):
        pid = os.fork()
        if pid == 0:
            _run(sock, script)
            os._exit(0)
        children.append(pid)
    sys.stdout.write(f"listening on http://{args.host}:{sock.getsockname()[1]}\n")
    sys.stdout.flush()
    try:
        _run(sock, script)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
