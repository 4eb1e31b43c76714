"""An authenticated trivial GET (`GET /api/me`): latency alone, and throughput under load.

(a) Sequential requests on one keep-alive connection, from this process, for latency
percentiles at concurrency 1. (b) Requests/s at concurrency 32 for ~10 s from `wrk`, or
from the aiohttp load generator in its own process when `wrk` is not installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from typing import Any, Literal

import aiohttp
import uvloop
from rich.table import Table

from bench._report import console, load_check, ms, percentiles, write_result
from bench._server import Server, running_server

NAME = "http_get"
PATH = "/api/me"
WARMUP = 200
SEQUENTIAL = 2000
CONNECTIONS = 32
DURATION_S = 10
LoadGen = Literal["auto", "wrk", "aiohttp"]

_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_DURATION = r"([\d.]+)(us|ms|s|m)"


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[float, int]:
    """One GET, read to the end: (milliseconds, status)."""
    started = time.perf_counter_ns()
    async with session.get(url) as response:
        await response.read()
    return (time.perf_counter_ns() - started) / 1e6, response.status


async def _sequential(server: Server) -> dict[str, Any]:
    url = f"{server.url}{PATH}"
    async with aiohttp.ClientSession(
        headers=server.headers,
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=5),
    ) as session:
        for _ in range(WARMUP):
            await _get(session, url)
        cpu_from, started = server.cpu_seconds(), time.perf_counter()
        results = [await _get(session, url) for _ in range(SEQUENTIAL)]
        elapsed_s, cpu_to = time.perf_counter() - started, server.cpu_seconds()
    return {
        "requests": SEQUENTIAL,
        "warmup": WARMUP,
        "requests_per_s": SEQUENTIAL / elapsed_s,
        "server_cpu_us_per_request": cpu_per_request_us(cpu_from, cpu_to, SEQUENTIAL),
        "non_2xx": sum(not 200 <= status < 300 for _, status in results),
        "latency_ms": percentiles([latency for latency, _ in results]),
    }


def cpu_per_request_us(before: float | None, after: float | None, requests: int) -> float | None:
    """Server CPU microseconds per request, from two `Server.cpu_seconds()` readings."""
    if before is None or after is None or requests == 0:
        return None
    return (after - before) / requests * 1e6


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures from `wrk --latency` output; wrk counts 3xx as success, /api/me has none."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(rf"^\s*(\d+) requests in {_DURATION}", output, re.M)
    if rps is None or total is None:
        raise RuntimeError(f"cannot read wrk output:\n{output}")
    distribution = {
        f"p{m[1]}": _to_ms(m[2], m[3])
        for m in re.finditer(rf"^\s+(50|75|90|99)%\s+{_DURATION}\s*$", output, re.M)
    }
    latency = re.search(rf"^\s+Latency\s+{_DURATION}\s+\S+\s+{_DURATION}", output, re.M)
    if latency is not None:
        distribution |= {
            "avg": _to_ms(latency[1], latency[2]),
            "max": _to_ms(latency[3], latency[4]),
        }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": int(total[1]),
        "duration_s": _to_ms(total[2], total[3]) / 1e3,
        "requests_per_s": float(rps[1]),
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "errors": sum(int(n) for n in socket.groups()) if socket else 0,
        "latency_ms": distribution,
    }


def _wrk(server: Server, wrk: str) -> dict[str, Any]:
    command = [
        wrk, "-t1", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency", "--timeout", "5s",
        "-H", f"Authorization: Bearer {server.token}", f"{server.url}{PATH}",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=DURATION_S + 30, check=True
    )
    return {"tool": "wrk -t1", **parse_wrk(done.stdout)}


def _aiohttp(server: Server) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench._loadgen", f"{server.url}{PATH}",
        "--connections", str(CONNECTIONS), "--duration", str(DURATION_S),
        "--header", f"Authorization: Bearer {server.token}",
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=DURATION_S + 30, check=True
    )
    return {"tool": "aiohttp loadgen, own process", **json.loads(done.stdout)}


def _throughput(server: Server, loadgen: LoadGen) -> dict[str, Any]:
    wrk = shutil.which("wrk") if loadgen != "aiohttp" else None
    if loadgen == "wrk" and wrk is None:
        raise RuntimeError("--loadgen wrk asked for, but wrk is not on PATH")
    cpu_from = server.cpu_seconds()
    load = _wrk(server, wrk) if wrk else _aiohttp(server)
    cpu = cpu_per_request_us(cpu_from, server.cpu_seconds(), load["requests"])
    return {**load, "server_cpu_us_per_request": cpu}


def _table(sequential: dict[str, Any], load: dict[str, Any]) -> Table:
    table = Table(
        title=f"Authenticated trivial GET ({PATH}), embedded server",
        caption=f"concurrency 1: {SEQUENTIAL} sequential keep-alive requests (aiohttp) after "
        f"{WARMUP} warm-up; concurrency {CONNECTIONS}: {load['tool']} for {DURATION_S} s. "
        "Server CPU: the server process's user+system time over the run per request, "
        "less sensitive than latency to other load on the machine.",
    )
    columns = ("concurrency", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms")
    for column in (*columns, "non-2xx", "errors", "server CPU µs/req"):
        table.add_column(column, justify="right")
    table.add_column("load from")
    seq = sequential["latency_ms"]
    table.add_row(
        "1", str(SEQUENTIAL), f"{sequential['requests_per_s']:.0f}",
        ms(seq["p50"]), ms(seq["p90"]), ms(seq["p99"]), ms(seq["max"]),
        _count(sequential["non_2xx"]), "-", _us(sequential["server_cpu_us_per_request"]),
        "aiohttp, in-process",
    )  # fmt: skip
    lat = load["latency_ms"]
    table.add_row(
        str(CONNECTIONS), str(load["requests"]), f"{load['requests_per_s']:.0f}",
        ms(lat.get("p50", float("nan"))), ms(lat.get("p90", float("nan"))),
        ms(lat.get("p99", float("nan"))), ms(lat.get("max", float("nan"))),
        _count(load["non_2xx"]), _count(load["errors"]), _us(load["server_cpu_us_per_request"]),
        load["tool"],
    )  # fmt: skip
    return table


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _count(n: int) -> str:
    return f"[green]{n}[/]" if n == 0 else f"[red]{n}[/]"


def run(loadgen: LoadGen = "auto") -> None:
    """Measure GET /api/me latency and throughput, print the table and write the JSON."""
    load_at_start = load_check(NAME)
    with running_server("memory") as server:
        console.print("http: sequential GETs…")
        sequential = uvloop.run(_sequential(server))
        console.print(f"http: {CONNECTIONS} connections for {DURATION_S} s…")
        load = _throughput(server, loadgen)
    console.print(_table(sequential, load))
    path = write_result(
        NAME,
        {
            "path": PATH,
            "server": "swarmdeck serve, embedded (SQLite, in-process bus), one uvicorn process",
            "concurrency_1": {"client": "aiohttp on uvloop, keep-alive", **sequential},
            f"concurrency_{CONNECTIONS}": {"connections": CONNECTIONS, **load},
            "non_2xx_total": sequential["non_2xx"] + load["non_2xx"],
            "non_2xx_ok": sequential["non_2xx"] + load["non_2xx"] == 0,
            "load_average_at_start": load_at_start,
        },
    )
    console.print(f"wrote {path}")
