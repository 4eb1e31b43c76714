"""The gateway bench's clients: sequential latency, throughput under load, the budget race.

`python -m bench._gateway_load URL --body JSON --header "Name: value" --connections 64
--duration 10` is the aiohttp load generator for POSTs, run in its own process when
`wrk` is not installed; it prints one JSON object like `wrk`'s figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

from bench._gateway_targets import Target
from bench._report import percentiles
from bench.http_get import parse_wrk

PROMPT = "Say hello to the benchmark in a few short words, please."
MAX_TOKENS = 32
TIMEOUT = aiohttp.ClientTimeout(total=10)
SETTLE_S = 0.25


def chat_body(model: str, *, stream: bool = False, prompt: str = PROMPT) -> dict[str, Any]:
    """An OpenAI chat request; streamed ones ask for usage, as SDK users do for cost."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": MAX_TOKENS,
    }
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return body


def _headers(target: Target) -> dict[str, str]:
    return {**target.headers, "Content-Type": "application/json"}


async def _plain(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[float, int]:
    started = time.perf_counter_ns()
    async with session.post(url, data=body) as response:
        await response.read()
    return (time.perf_counter_ns() - started) / 1e6, response.status


def _has_token(line: bytes) -> bool:
    if not line.startswith(b"data: {"):
        return False
    choices = json.loads(line[6:]).get("choices") or []
    return any((c.get("delta") or {}).get("content") for c in choices)


async def _streamed(
    session: aiohttp.ClientSession, url: str, body: bytes
) -> tuple[float, float, int, bool]:
    """(ms to the first content token, ms to the end, status, saw `data: [DONE]`)."""
    started = time.perf_counter_ns()
    first = float("nan")
    done = False
    async with session.post(url, data=body) as response:
        async for line in response.content:
            if first != first and _has_token(line):  # NaN: not yet
                first = (time.perf_counter_ns() - started) / 1e6
            done = done or line.startswith(b"data: [DONE]")
    return first, (time.perf_counter_ns() - started) / 1e6, response.status, done


async def sequential(
    targets: list[Target], requests: int, warmup: int, rounds: int = 5
) -> dict[str, Any]:
    """Concurrency 1 on one keep-alive connection per target: a plain and a streamed call,
    `requests` times. The targets take turns in `rounds` blocks so that drift in the
    machine's load hits them alike, with a pause between blocks so that no target's
    after-work (logging, callbacks) lands on the next one's calls."""
    sessions = {
        t.name: aiohttp.ClientSession(
            headers=_headers(t), connector=aiohttp.TCPConnector(limit=1), timeout=TIMEOUT
        )
        for t in targets
    }
    figures: dict[str, dict[str, Any]] = {
        t.name: {
            "plain_ms": [], "ttft_ms": [], "stream_ms": [], "non_2xx": 0, "incomplete": 0,
            "errors": 0,
        }
        for t in targets
    }  # fmt: skip
    cpu: dict[str, float | None] = {t.name: 0.0 for t in targets}
    per_block = -(-requests // rounds)
    try:
        for target in targets:
            await _calls(target, sessions[target.name], warmup, None)
        for _ in range(rounds):
            for target in targets:
                await asyncio.sleep(SETTLE_S)
                before = target.cpu_seconds()
                await _calls(target, sessions[target.name], per_block, figures[target.name])
                after, spent = target.cpu_seconds(), cpu[target.name]
                cpu[target.name] = (
                    None if before is None or after is None or spent is None
                    else spent + after - before
                )  # fmt: skip
    finally:
        for session in sessions.values():
            await session.close()
    return {
        name: {
            "requests": per_block * rounds,
            "warmup": warmup,
            "rounds": rounds,
            "non_2xx": row["non_2xx"],
            "incomplete_streams": row["incomplete"],
            "errors": row["errors"],
            "plain_ms": percentiles(row["plain_ms"]),
            "ttft_ms": percentiles(row["ttft_ms"]),
            "stream_total_ms": percentiles(row["stream_ms"]),
            "server_cpu_us_per_call": _cpu_us(0.0, cpu[name], 2 * per_block * rounds),
        }
        for name, row in figures.items()
    }


async def _calls(
    target: Target, session: aiohttp.ClientSession, count: int, row: dict[str, Any] | None
) -> None:
    url = f"{target.base_url}/chat/completions"
    plain = json.dumps(chat_body(target.model)).encode()
    streamed = json.dumps(chat_body(target.model, stream=True)).encode()
    for _ in range(count):
        try:
            latency, status = await _plain(session, url, plain)
            ttft, total, stream_status, done = await _streamed(session, url, streamed)
        except (aiohttp.ClientError, TimeoutError):
            if row is not None:
                row["errors"] += 1
            continue
        if row is None:  # warm-up
            continue
        row["non_2xx"] += (status != 200) + (stream_status != 200)
        row["incomplete"] += not done or ttft != ttft
        row["plain_ms"].append(latency)
        if ttft == ttft:
            row["ttft_ms"].append(ttft)
        row["stream_ms"].append(total)


def _lua(body: bytes, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = [==[{body.decode()}]==]"]
    lines += [f'wrk.headers["{k}"] = [==[{v}]==]' for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def throughput(target: Target, connections: int, duration: float, loadgen: str) -> dict[str, Any]:
    """Requests/s and errors with `connections` busy keep-alive connections, plain calls."""
    body = json.dumps(chat_body(target.model)).encode()
    url = f"{target.base_url}/chat/completions"
    headers = _headers(target)
    wrk = shutil.which("wrk") if loadgen != "aiohttp" else None
    if loadgen == "wrk" and wrk is None:
        raise RuntimeError("--loadgen wrk asked for, but wrk is not on PATH")
    cpu_from = target.cpu_seconds()
    if wrk:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "post.lua"
            script.write_text(_lua(body, headers))
            command = [
                wrk, "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency",
                "--timeout", "5s", "-s", str(script), url,
            ]  # fmt: skip
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=duration + 60, check=True
            )
        load = {"tool": "wrk -t1", **parse_wrk(done.stdout)}
    else:
        command = [
            sys.executable, "-m", "bench._gateway_load", url, "--body", body.decode(),
            "--connections", str(connections), "--duration", str(duration),
            *(arg for k, v in headers.items() for arg in ("--header", f"{k}: {v}")),
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=True
        )
        load = {"tool": "aiohttp loadgen, own process", **json.loads(done.stdout)}
    cpu = _cpu_us(cpu_from, target.cpu_seconds(), load["requests"])
    return {**load, "server_cpu_us_per_request": cpu}


def _cpu_us(before: float | None, after: float | None, calls: int) -> float | None:
    """Server CPU microseconds per call between two `Target.cpu_seconds()` readings."""
    if before is None or after is None or not calls:
        return None
    return (after - before) / calls * 1e6


async def race(
    target: Target, calls: int, *, max_tokens: int, first: int = 0
) -> tuple[Counter[int], list[dict[str, Any]], list[dict[str, Any]]]:
    """Fire `calls` calls at once, spread over the replicas: statuses, usages, refusals."""
    urls = target.replicas or [target.base_url]
    statuses: Counter[int] = Counter()
    usages: list[dict[str, Any]] = []
    refusals: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(
        headers=_headers(target),
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=60),
    ) as session:
        gate = asyncio.Event()

        async def call(i: int) -> None:
            body = chat_body(target.model, prompt=f"race call {i} please answer")
            body["max_tokens"] = max_tokens
            await gate.wait()
            async with session.post(
                f"{urls[i % len(urls)]}/chat/completions", json=body
            ) as response:
                payload = await response.json(content_type=None)
            statuses[response.status] += 1
            if response.status == 200:
                usages.append(payload["usage"])
            else:
                refusals.append(payload)

        tasks = [asyncio.create_task(call(i)) for i in range(first, first + calls)]
        await asyncio.sleep(0.05)  # every task parked at the gate
        gate.set()
        await asyncio.gather(*tasks)
    return statuses, usages, refusals


async def spend(target: Target, at_least_usd: Decimal, wait: float = 15.0) -> dict[str, Any]:
    """`GET /api/costs/summary?window=1h` once its total reaches `at_least_usd` (the ledger
    is written in batches off the hot path), or as it is after `wait` seconds."""
    assert target.admin_url is not None
    auth = {"Authorization": target.headers["Authorization"]}
    deadline = time.monotonic() + wait
    summary: dict[str, Any] = {}
    async with aiohttp.ClientSession(headers=auth, timeout=TIMEOUT) as session:
        while time.monotonic() < deadline:
            async with session.get(
                f"{target.admin_url}/api/costs/summary", params={"window": "1h"}
            ) as response:
                response.raise_for_status()
                summary = await response.json()
            if Decimal(str(summary.get("total_usd", 0))) >= at_least_usd:
                break
            await asyncio.sleep(0.2)
    return summary


async def global_budget(target: Target) -> dict[str, Any] | None:
    """The global hourly budget from `GET /api/budgets`: spent, reserved, remaining."""
    assert target.admin_url is not None
    auth = {"Authorization": target.headers["Authorization"]}
    async with (
        aiohttp.ClientSession(headers=auth, timeout=TIMEOUT) as session,
        session.get(f"{target.admin_url}/api/budgets") as response,
    ):
        response.raise_for_status()
        budgets = (await response.json())["budgets"]
    return next((b for b in budgets if (b["scope"], b["window"]) == ("global", "hour")), None)


# The aiohttp POST load generator, in its own process.


async def _worker(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    deadline: float,
    latencies_ms: list[float],
    statuses: Counter[int],
) -> int:
    errors = 0
    while time.monotonic() < deadline:
        started = time.perf_counter_ns()
        try:
            async with session.post(url, data=body) as response:
                await response.read()
                statuses[response.status] += 1
        except (aiohttp.ClientError, TimeoutError):
            errors += 1
            continue
        latencies_ms.append((time.perf_counter_ns() - started) / 1e6)
    return errors


async def generate(
    url: str, body: bytes, headers: dict[str, str], connections: int, duration: float
) -> dict[str, Any]:
    """Keep `connections` keep-alive connections busy POSTing `body` for `duration` seconds."""
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
            *(
                _worker(session, url, body, deadline, latencies_ms, statuses)
                for _ in range(connections)
            )
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
    parser = argparse.ArgumentParser(prog="python -m bench._gateway_load")
    parser.add_argument("url")
    parser.add_argument("--body", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    headers = {k.strip(): v.strip() for k, v in (h.split(":", 1) for h in args.header)}
    result = uvloop.run(
        generate(args.url, args.body.encode(), headers, args.connections, args.duration)
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
