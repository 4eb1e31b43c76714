"""The MCP bridge: `tools/call` of `mcp-server-time`'s `get_current_time` direct over stdio,
through SwarmDeck (`/mcp` and REST) and through the `mcp-proxy` package, in one run; then
how long SwarmDeck takes to answer again after its server process is killed.

(a) Concurrency 1: one session per target, the targets taking turns in blocks; added
latency is the target's percentile minus the direct one. (b) 32 concurrent clients, each
its own MCP session (its own HTTP connection for REST), for ~8 s per target: calls/s.
Direct has no bridge to share a server, so there each client starts its own stdio server,
as 32 separate clients would. (c) `kill -9` of the replica SwarmDeck runs (its pid from
`GET /api/mcp/servers`), three times, each after the replica has been up long enough to
restart at the minimum backoff: time until a call through each door succeeds again, on
sessions opened before the kill.

All clients use the official `mcp` SDK (or httpx2, which it uses, for REST) in the bench's
process; the servers are processes of their own on the same (2-core) machine.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import anyio
import anyio.to_thread
import uvloop
from rich.markup import escape
from rich.table import Table

from bench._mcp_targets import (
    DIRECT,
    SERVER_COMMAND,
    Call,
    Target,
    connect,
    mcp_door_missing,
    mcp_proxy,
    swarmdeck_targets,
    venv_version,
    wait_healthy,
)
from bench._report import console, load_check, ms, percentiles, write_result
from swarmdeck.mcp.config import McpConfig

NAME = "mcp"
SEQUENTIAL = 500
WARMUP = 50
ROUNDS = 5
SETTLE_S = 0.25
CLIENTS = 32
DURATION_S = 8.0
CONNECT_TIMEOUT_S = 120.0  # 32 stdio servers importing at once on two cores
KILLS = 3
RECOVERY_LIMIT_S = 30.0
POLL_S = 0.01
TARGET_ADDED_P50_MS = 1.0
TARGET_RECOVERY_S = 5.0


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[-300:]}"


async def _probe(target: Target) -> str | None:
    """None when the target answers one call; else why not."""
    try:
        with anyio.fail_after(30):
            async with connect(target) as call:
                await call()
    except Exception as exc:  # the bench reports on what it could reach
        return _describe(exc)
    return None


@contextlib.contextmanager
def _optional(
    name: str, skipped: dict[str, str], factory: Callable[[], AbstractContextManager[Any]]
) -> Iterator[Any]:
    """Start a target; when it does not start, note why and go on without it."""
    with contextlib.ExitStack() as stack:
        started = None
        try:
            started = stack.enter_context(factory())
        except Exception as exc:  # the bench reports on what it could start
            skipped[name] = _describe(exc)
            console.print(f"[yellow]mcp: {name} skipped: {skipped[name]}[/]")
        yield started


def _reachable(targets: list[Target], skipped: dict[str, str]) -> list[Target]:
    kept = []
    for target in targets:
        reason: str | None = None
        if target.door in ("mcp", "mcp-2026") and target.name.startswith("swarmdeck"):
            reason = mcp_door_missing(target.url, dict(target.headers))
        reason = reason or uvloop.run(_probe(target))
        if reason is None:
            kept.append(target)
        else:
            skipped[target.name] = reason
            console.print(f"[yellow]mcp: {target.name} skipped: {reason}[/]")
    return kept


def _per_call_us(spent: float | None, calls: int) -> float | None:
    return None if spent is None or not calls else spent / calls * 1e6


async def _sequential(targets: list[Target]) -> dict[str, Any]:
    """Concurrency 1, one session per target; `ROUNDS` blocks in turn so that drift in the
    machine's load hits every target alike."""
    samples: dict[str, list[float]] = {t.name: [] for t in targets}
    errors: dict[str, list[str]] = {t.name: [] for t in targets}
    server_cpu: dict[str, float | None] = {t.name: 0.0 for t in targets}
    client_cpu: dict[str, float] = {t.name: 0.0 for t in targets}
    per_block = -(-SEQUENTIAL // ROUNDS)
    async with contextlib.AsyncExitStack() as stack:
        calls: dict[str, Call] = {}
        for target in targets:
            calls[target.name] = await stack.enter_async_context(connect(target))
            for _ in range(WARMUP):
                await calls[target.name]()
        for _ in range(ROUNDS):
            for target in targets:
                await anyio.sleep(SETTLE_S)
                call, before, client_before = (
                    calls[target.name],
                    target.cpu_seconds(),
                    time.process_time(),
                )
                for _ in range(per_block):
                    started = time.perf_counter_ns()
                    try:
                        await call()
                    except Exception as exc:  # counted, and the run goes on
                        errors[target.name].append(_describe(exc))
                        continue
                    samples[target.name].append((time.perf_counter_ns() - started) / 1e6)
                after, spent = target.cpu_seconds(), server_cpu[target.name]
                server_cpu[target.name] = (
                    None if before is None or after is None or spent is None
                    else spent + after - before
                )  # fmt: skip
                client_cpu[target.name] += time.process_time() - client_before
    return {
        t.name: {
            "door": t.door,
            "latency_ms": percentiles(samples[t.name]),
            "errors": len(errors[t.name]),
            "first_errors": errors[t.name][:3],
            "server_cpu_us_per_call": _per_call_us(
                server_cpu[t.name], len(samples[t.name]) + len(errors[t.name])
            ),
            "client_cpu_us_per_call": _per_call_us(
                client_cpu[t.name], len(samples[t.name]) + len(errors[t.name])
            ),
        }
        for t in targets
    }


async def _load(target: Target) -> dict[str, Any]:
    """`CLIENTS` sessions opened first, then all calling in a loop for `DURATION_S`."""
    latencies: list[float] = []
    errors: list[str] = []
    ready, go, measured = anyio.Event(), anyio.Event(), anyio.Event()
    connected = 0
    deadline = float("inf")

    async def client() -> None:
        nonlocal connected
        async with connect(target) as call:
            await call()
            connected += 1
            if connected == CLIENTS:
                ready.set()
            await go.wait()
            while time.monotonic() < deadline:
                started = time.perf_counter_ns()
                try:
                    await call()
                except Exception as exc:  # counted, and the run goes on
                    errors.append(_describe(exc))
                    await anyio.sleep(POLL_S)
                    continue
                if time.monotonic() <= deadline:
                    latencies.append((time.perf_counter_ns() - started) / 1e6)
            await measured.wait()  # the server processes stay up until their CPU is read

    async with anyio.create_task_group() as group:
        for _ in range(CLIENTS):
            group.start_soon(client)
        with anyio.fail_after(CONNECT_TIMEOUT_S):
            await ready.wait()
        server_before, client_before = target.cpu_seconds(), time.process_time()
        deadline = time.monotonic() + DURATION_S
        go.set()
        await anyio.sleep(DURATION_S)
        server_after, client_spent = target.cpu_seconds(), time.process_time() - client_before
        measured.set()
    server_spent = (
        None if server_before is None or server_after is None else server_after - server_before
    )
    return {
        "clients": CLIENTS,
        "duration_s": DURATION_S,
        "calls": len(latencies),
        "calls_per_s": len(latencies) / DURATION_S,
        "latency_ms": percentiles(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "server_cpu_us_per_call": _per_call_us(server_spent, len(latencies)),
        "client_cpu_us_per_call": _per_call_us(client_spent, len(latencies)),
    }


async def _after_kill(calls: dict[str, Call], pid: int) -> dict[str, Any]:
    """SIGKILL the replica, then call through every door until each succeeds again."""
    for call in calls.values():
        await call()  # every door works before the kill
    os.kill(pid, signal.SIGKILL)
    killed = time.perf_counter()
    doors: dict[str, Any] = {}

    async def poll(name: str, call: Call) -> None:
        failures: list[str] = []
        while (elapsed := time.perf_counter() - killed) < RECOVERY_LIMIT_S:
            try:
                with anyio.fail_after(RECOVERY_LIMIT_S - elapsed):
                    await call()
            except Exception as exc:  # expected until the replica is back
                failures.append(_describe(exc))
                await anyio.sleep(POLL_S)
                continue
            doors[name] = {
                "seconds": time.perf_counter() - killed,
                "failed_calls": len(failures),
                "first_error": failures[0] if failures else None,
            }
            return
        doors[name] = {
            "seconds": None,
            "failed_calls": len(failures),
            "first_error": failures[0] if failures else None,
            "last_error": failures[-1] if failures else None,
        }

    async with anyio.create_task_group() as group:
        for name, call in calls.items():
            group.start_soon(poll, name, call)
    return {"killed_pid": pid, "doors": doors}


async def _recovery(targets: list[Target]) -> list[dict[str, Any]]:
    """`KILLS` kills, each once the replica has been up `stable_after` (a first crash, not a
    crash loop); sessions are opened once, before the first kill."""
    admin_url = targets[0].admin_url
    assert admin_url is not None
    headers = dict(targets[0].headers)
    stable_after = McpConfig().stable_after + 0.5
    kills = []
    async with contextlib.AsyncExitStack() as stack:
        calls = {t.name: await stack.enter_async_context(connect(t)) for t in targets}
        for number in range(1, KILLS + 1):
            console.print(
                f"mcp: kill -9 {number}/{KILLS} once the replica is up {stable_after:g} s…"
            )
            pid = await anyio.to_thread.run_sync(
                functools.partial(wait_healthy, admin_url, headers, up_for=stable_after)
            )
            kill = await _after_kill(calls, pid)
            kill["new_pid"] = await anyio.to_thread.run_sync(
                functools.partial(wait_healthy, admin_url, headers)
            )
            kills.append(kill)
    return kills


def _measure(skipped: dict[str, str]) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        targets = [DIRECT]
        doors = stack.enter_context(_optional("swarmdeck", skipped, swarmdeck_targets))
        if doors is not None:
            targets.extend(doors)
        proxy = stack.enter_context(_optional("mcp-proxy", skipped, mcp_proxy))
        if proxy is not None:
            targets.extend(proxy)
        targets = _reachable(targets, skipped)
        if DIRECT not in targets:
            raise RuntimeError(f"the direct stdio server does not answer: {skipped['direct']}")
        console.print(f"mcp: {SEQUENTIAL} sequential calls per target, in {ROUNDS} blocks…")
        latency = uvloop.run(_sequential(targets))
        throughput: dict[str, Any] = {}
        for target in targets:
            console.print(f"mcp: {target.name}, {CLIENTS} clients for {DURATION_S:g} s…")
            try:
                throughput[target.name] = uvloop.run(_load(target))
            except Exception as exc:  # the bench reports on what it could run
                skipped[f"{target.name} c{CLIENTS}"] = _describe(exc)
        served = [t for t in targets if t.name.startswith("swarmdeck")]
        recovery = uvloop.run(_recovery(served)) if served else []
    direct = latency["direct"]["latency_ms"]
    for name, row in latency.items():
        if name != "direct":
            row["added_ms"] = {
                cut: row["latency_ms"][cut] - direct[cut] for cut in ("p50", "p90", "p99")
            }
    return {
        "concurrency_1": latency,
        f"concurrency_{CLIENTS}": throughput,
        "recovery_after_kill": recovery,
    }


PEERS = {
    "swarmdeck /mcp": "mcp-proxy",
    "swarmdeck /mcp 2026": "mcp-proxy 2026",
    "swarmdeck REST": "mcp-proxy",
}
"""Each SwarmDeck door against mcp-proxy spoken to the same way (REST: its nearest)."""


def _ratios(figures: dict[str, Any]) -> dict[str, Any]:
    """SwarmDeck's doors against mcp-proxy: p50, added p50 and calls/s."""
    c1, cn = figures["concurrency_1"], figures[f"concurrency_{CLIENTS}"]
    out: dict[str, Any] = {}
    for name, peer in PEERS.items():
        if peer not in c1:
            peer = "mcp-proxy"  # its venv's SDK may not speak 2026-07-28
        if name not in c1 or peer not in c1:
            continue
        ratios: dict[str, float | None] = {}
        peer_added = c1[peer]["added_ms"]["p50"]
        ratios["added_p50"] = c1[name]["added_ms"]["p50"] / peer_added if peer_added > 0 else None
        ratios["p50"] = c1[name]["latency_ms"]["p50"] / c1[peer]["latency_ms"]["p50"]
        if name in cn and peer in cn and cn[peer]["calls_per_s"]:
            ratios["calls_per_s"] = cn[name]["calls_per_s"] / cn[peer]["calls_per_s"]
        out[f"{name} vs {peer}"] = ratios
    return out


def _targets_met(figures: dict[str, Any]) -> dict[str, Any]:
    c1 = figures["concurrency_1"]
    doors = [name for name in PEERS if name in c1]
    door = min(doors, key=lambda name: c1[name]["added_ms"]["p50"]) if doors else "swarmdeck /mcp"
    times = [kill["doors"].get(door, {}).get("seconds") for kill in figures["recovery_after_kill"]]
    return {
        "door": door,
        "added_p50_le_1ms": c1[door]["added_ms"]["p50"] <= TARGET_ADDED_P50_MS
        if door in c1
        else None,
        "recovery_lt_5s": all(t is not None and t < TARGET_RECOVERY_S for t in times)
        if times
        else None,
    }


def _nan(row: dict[str, Any] | None, *keys: str) -> float:
    value: Any = row
    for key in keys:
        if not isinstance(value, dict) or key not in value or value[key] is None:
            return float("nan")
        value = value[key]
    return float(value)


def _us(value: float | None) -> str:
    # Microseconds, or calls/s: whole numbers are plenty.
    return "n/a" if value is None else f"{value:.0f}"


def _count(n: int) -> str:
    return f"[green]{n}[/]" if n == 0 else f"[red]{n}[/]"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _latency_table(figures: dict[str, Any], ratios: dict[str, Any]) -> Table:
    table = Table(
        title="MCP tools/call (mcp-server-time get_current_time): direct over stdio vs "
        "through SwarmDeck vs through mcp-proxy",
        caption=f"Milliseconds. c1: {SEQUENTIAL} calls per target after {WARMUP} warm-up, "
        f"one session each, the targets taking turns in {ROUNDS} blocks; + = added: the "
        f"target's percentile minus direct's. c{CLIENTS}: {CLIENTS} clients, each its own "
        f"session, calling for {DURATION_S:g} s (direct: each client its own stdio server). "
        "Server CPU: user+system time per call of the processes behind the target (bridge + "
        "upstream; direct: the upstream alone); client CPU: the bench's own. Ratio rows: "
        "SwarmDeck / mcp-proxy (p50, added p50, calls/s).",
    )
    columns = (
        "target", "p50", "p99", "+p50", "+p99", f"calls/s c{CLIENTS}", f"p50 c{CLIENTS}",
        "errors", "server CPU µs c1", f"server CPU µs c{CLIENTS}", "client CPU µs c1",
    )  # fmt: skip
    for column in columns:
        table.add_column(
            column, justify="left" if column == "target" else "right", no_wrap=column == "target"
        )
    c1, cn = figures["concurrency_1"], figures[f"concurrency_{CLIENTS}"]
    for name, row in c1.items():
        heavy = cn.get(name, {})
        added = row.get("added_ms", {})
        table.add_row(
            name,
            ms(_nan(row, "latency_ms", "p50")), ms(_nan(row, "latency_ms", "p99")),
            ms(added.get("p50", float("nan"))), ms(added.get("p99", float("nan"))),
            _us(heavy.get("calls_per_s")), ms(_nan(heavy, "latency_ms", "p50")),
            _count(row["errors"] + heavy.get("errors", 0)),
            _us(row["server_cpu_us_per_call"]), _us(heavy.get("server_cpu_us_per_call")),
            _us(row["client_cpu_us_per_call"]),
        )  # fmt: skip
    for name, row in ratios.items():
        table.add_row(
            name, _ratio(row.get("p50")), "", _ratio(row.get("added_p50")), "",
            _ratio(row.get("calls_per_s")), "", "", "", "", "",
        )  # fmt: skip
    return table


def _recovery_table(kills: list[dict[str, Any]]) -> Table:
    table = Table(
        title="Recovery after kill -9 of SwarmDeck's mcp-server-time replica",
        caption="Seconds from SIGKILL until a call through the door succeeds again, on a "
        f"session opened before the kill, retrying every {POLL_S * 1000:.0f} ms after a "
        f"failure; target < {TARGET_RECOVERY_S:g} s.",
    )
    for column in ("kill", "pid killed → new", "door", "seconds", "failed calls", "first error"):
        table.add_column(
            column,
            justify="right" if column in ("seconds", "failed calls") else "left",
            no_wrap=True,
            overflow="ellipsis",
        )
    for number, kill in enumerate(kills, 1):
        for door, row in sorted(kill["doors"].items()):
            seconds = row["seconds"]
            shown = (
                "[red]not back[/]"
                if seconds is None
                else f"[{'green' if seconds < TARGET_RECOVERY_S else 'red'}]{seconds:.2f}[/]"
            )
            first = (row["first_error"] or "").removeprefix("CallFailed: ")
            table.add_row(
                str(number), f"{kill['killed_pid']} → {kill.get('new_pid')}", door, shown,
                str(row["failed_calls"]), escape(first[:60]),
            )  # fmt: skip
    return table


def run() -> None:
    """Measure the bridge's overhead and recovery, print the tables, write the JSON."""
    load_at_start = load_check(NAME)
    skipped: dict[str, str] = {}
    figures = _measure(skipped)
    ratios = _ratios(figures)
    console.print(_latency_table(figures, ratios))
    if figures["recovery_after_kill"]:
        console.print(_recovery_table(figures["recovery_after_kill"]))
    for name, reason in skipped.items():
        console.print(f"[yellow]{name}: not measured: {reason}[/]")
    path = write_result(
        NAME,
        {
            "tool": "mcp-server-time get_current_time {timezone: UTC}",
            "server_command": [os.path.basename(SERVER_COMMAND[0]), *SERVER_COMMAND[1:]],
            "client": "official mcp SDK (ClientSession over stdio / streamable HTTP); "
            "httpx2 for REST",
            "swarmdeck": "swarmdeck serve, embedded, one uvicorn process, one replica",
            "mcp_proxy": {
                "version": venv_version("mcp_proxy"),
                "mcp_sdk": venv_version("mcp"),
                "mode": "stateful streamable HTTP, one stdio server for all sessions",
            },
            **figures,
            "ratios_vs_mcp_proxy": ratios,
            "targets": {
                "added_p50_ms_max": TARGET_ADDED_P50_MS,
                "recovery_s_max": TARGET_RECOVERY_S,
                "met": _targets_met(figures),
            },
            "not_measured": skipped,
            "load_average_at_start": load_at_start,
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    run()
