"""`python -m bench [NAME ...]`: run every benchmark in turn, or the ones named."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bench import (
    audit_verify,
    cache_quality,
    gateway,
    http_get,
    mcp_bridge,
    sse_latency,
    swarm_spawn,
)
from bench._report import console

BENCHMARKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "sse": lambda _: sse_latency.run(),
    "http": lambda args: http_get.run(loadgen=args.loadgen),
    "audit": lambda args: audit_verify.run(records=args.audit_records),
    "cache": lambda _: cache_quality.run(),
    "gateway": lambda args: gateway.run(loadgen=args.loadgen),
    "mcp": lambda _: mcp_bridge.run(),
    "swarm": lambda _: swarm_spawn.run(),
}
ALIASES = {
    sse_latency.NAME: "sse",
    http_get.NAME: "http",
    audit_verify.NAME: "audit",
    cache_quality.NAME: "cache",
    "mcp_bridge": "mcp",
    swarm_spawn.NAME: "swarm",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "aiohttp"],
        default="auto",
        help="load generator for the http throughput run (auto: wrk when installed)",
    )
    parser.add_argument(
        "--audit-records",
        type=int,
        default=audit_verify.RECORDS,
        metavar="N",
        help=f"records the audit verification bench builds (default {audit_verify.RECORDS:,})",
    )
    args = parser.parse_args(argv)
    names = [ALIASES.get(n, n) for n in args.names] or list(BENCHMARKS)
    if unknown := [n for n in names if n not in BENCHMARKS]:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    failed: list[str] = []
    for name in dict.fromkeys(names):
        started = time.monotonic()
        try:
            BENCHMARKS[name](args)
        except Exception:
            console.print_exception()
            failed.append(name)
        console.print(f"[dim]{name}: {time.monotonic() - started:.0f} s[/]\n")
    if failed:
        console.print(f"[red]failed: {', '.join(failed)}[/]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
