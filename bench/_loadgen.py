"""An aiohttp load generator, the fallback when `wrk` is not installed.

Run as its own process (`python -m bench._loadgen URL --connections 32 --duration 10
--header "Authorization: Bearer …"`) so it never shares a core's event loop with the
server; prints one JSON object with the counts and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import aiohttp
import uvloop

from bench._report import percentiles


async def _worker(
    session: aiohttp.ClientSession,
    url: str,
    deadline: float,
    latencies_ms: list[float],
    statuses: Counter[int],
) -> int:
    errors = 0
    while time.monotonic() < deadline:
        started = time.perf_counter_ns()
        try:
            async with session.get(url) as response:
                await response.read()
                statuses[response.status] += 1
        except (aiohttp.ClientError, TimeoutError):
            errors += 1
            continue
        latencies_ms.append((time.perf_counter_ns() - started) / 1e6)
    return errors


async def generate(
    url: str, headers: dict[str, str], connections: int, duration: float
) -> dict[str, Any]:
    """Keep `connections` keep-alive connections busy with GET `url` for `duration` seconds."""
    latencies_ms: list[float] = []
    statuses: Counter[int] = Counter()
    async with aiohttp.ClientSession(
        headers=headers,
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=5),
    ) as session:
        started = time.monotonic()
        deadline = started + duration
        errors = await asyncio.gather(
            *(_worker(session, url, deadline, latencies_ms, statuses) for _ in range(connections))
        )
        elapsed = time.monotonic() - started
    return {
        "requests": len(latencies_ms),
        "duration_s": elapsed,
        "requests_per_s": len(latencies_ms) / elapsed,
        "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "errors": sum(errors),
        "latency_ms": percentiles(latencies_ms),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._loadgen")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = uvloop.run(generate(args.url, headers, args.connections, args.duration))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
