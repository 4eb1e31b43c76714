"""Publish → SSE client latency, for each bus implementation and subscriber count.

One client process (this one) holds N SSE connections to a server in another process and
publishes events with `POST /api/events`, each carrying `time.monotonic_ns()` taken right
before the POST; each client stamps the moment it reads the event. CLOCK_MONOTONIC is
system-wide on Linux, so the two stamps compare across processes. The figure therefore
includes the HTTP POST that publishes, the bus, the SSE write and the client's read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import uvloop
from rich.table import Table

from bench._report import console, load_check, ms, percentiles, write_result
from bench._server import REDIS_URL, Bus, Server, redis_available, running_server

NAME = "sse_latency"
BUSES: tuple[Bus, ...] = ("memory", "redis")
SUBSCRIBERS = (1, 100)
EVENTS = 200
INTERVAL_S = 0.015
TARGET_P99_MS = 50.0
TOPIC = "bench"
RUN_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 5.0
NOTE = (
    "latency = monotonic stamp taken right before the publishing HTTP POST is sent -> "
    "event read by the SSE client; it includes the POST itself"
)


@dataclass
class _Subscriber:
    """One SSE connection's view: when each measured event arrived."""

    expected: int
    samples: list[tuple[int, int, float]] = field(default_factory=list)  # recv ns, sent ns, ts
    warm: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def on_event(self, received_ns: int, payload: bytes) -> None:
        event = json.loads(payload)
        if event["type"] == "tick":
            self.samples.append((received_ns, event["data"]["sent_ns"], event["ts"]))
            if len(self.samples) >= self.expected:
                self.done.set()
        elif event["type"] == "warmup":
            self.warm.set()


async def _read_stream(response: aiohttp.ClientResponse, subscriber: _Subscriber) -> None:
    """A minimal SSE parser: `data:` lines accumulate, a blank line dispatches the event."""
    data: list[bytes] = []
    async for raw in response.content:
        line = raw.rstrip(b"\r\n")
        if not line:
            if data:
                subscriber.on_event(time.monotonic_ns(), b"\n".join(data))
                data = []
        elif line.startswith(b":"):
            continue  # heartbeat
        else:
            name, _, value = line.partition(b":")
            if name == b"data":
                data.append(value.removeprefix(b" "))


@dataclass
class _Publisher:
    session: aiohttp.ClientSession
    server: Server
    round_trips_ns: list[int] = field(default_factory=list)
    failures: int = 0

    async def publish(self, type_: str, seq: int) -> None:
        """POST one event stamped with the send time; count anything but 202 as a failure."""
        sent_ns = time.monotonic_ns()
        body = json.dumps({"topic": TOPIC, "type": type_, "data": {"seq": seq, "sent_ns": sent_ns}})
        async with self.session.post(
            f"{self.server.url}/api/events",
            data=body.encode(),
            headers={**self.server.headers, "Content-Type": "application/json"},
        ) as response:
            await response.read()
            if response.status != 202:
                self.failures += 1
        if type_ == "tick":
            self.round_trips_ns.append(time.monotonic_ns() - sent_ns)


async def _subscribe(
    session: aiohttp.ClientSession, server: Server, subscriber: _Subscriber
) -> asyncio.Task[None]:
    response = await session.get(
        f"{server.url}/api/events",
        params={"topics": TOPIC},
        headers={**server.headers, "Accept": "text/event-stream"},
    )
    if response.status != 200:
        text = await response.text()
        response.release()
        raise RuntimeError(f"SSE subscribe answered {response.status}: {text[:200]}")
    return asyncio.create_task(_read_stream(response, subscriber))


async def _warm_up(publisher: _Publisher, subscribers: list[_Subscriber]) -> None:
    """Publish until every client has seen an event, then a few more to warm the paths."""
    deadline = time.monotonic() + 10.0
    while not all(s.warm.is_set() for s in subscribers):
        if time.monotonic() > deadline:
            raise RuntimeError("not every SSE client received a warm-up event within 10 s")
        await publisher.publish("warmup", -1)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.2):
                await asyncio.gather(*(s.warm.wait() for s in subscribers))
    for _ in range(20):
        await publisher.publish("warmup", -1)
        await asyncio.sleep(INTERVAL_S)


async def _measure(server: Server, count: int) -> dict[str, Any]:
    subscribers = [_Subscriber(expected=EVENTS) for _ in range(count)]
    stream_timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=None)
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=stream_timeout
        ) as streams,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as posts,
    ):
        readers = await asyncio.gather(*(_subscribe(streams, server, s) for s in subscribers))
        publisher = _Publisher(posts, server)
        # Wall clock vs monotonic, to place the server's `ts` (time.time()) on our clock.
        wall_offset_ns = time.time_ns() - time.monotonic_ns()
        try:
            await _warm_up(publisher, subscribers)
            cpu_before = (server.cpu_seconds(), time.process_time())
            start = time.monotonic()
            for seq in range(EVENTS):
                await asyncio.sleep(max(0.0, start + seq * INTERVAL_S - time.monotonic()))
                await publisher.publish("tick", seq)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DRAIN_TIMEOUT_S):
                    await asyncio.gather(*(s.done.wait() for s in subscribers))
            cpu_after = (server.cpu_seconds(), time.process_time())
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    return {
        **_figures(subscribers, publisher, wall_offset_ns),
        "cpu_ms_per_event": {
            "server": _per_event_ms(cpu_before[0], cpu_after[0]),
            "client": _per_event_ms(cpu_before[1], cpu_after[1]),
        },
    }


def _per_event_ms(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else (after - before) / EVENTS * 1e3


def _figures(
    subscribers: list[_Subscriber], publisher: _Publisher, wall_offset_ns: int
) -> dict[str, Any]:
    latency = [(recv - sent) / 1e6 for s in subscribers for recv, sent, _ in s.samples]
    bus_to_client = [
        (recv - (ts * 1e9 - wall_offset_ns)) / 1e6 for s in subscribers for recv, _, ts in s.samples
    ]
    # One send→bus figure per event: the first subscriber that saw it is enough.
    post_to_bus = {
        sent: (ts * 1e9 - wall_offset_ns - sent) / 1e6
        for s in subscribers
        for _, sent, ts in s.samples
    }
    figures = percentiles(latency)
    lost = EVENTS * len(subscribers) - len(latency)
    return {
        "samples": len(latency),
        "lost": lost,
        "publish_failures": publisher.failures,
        "latency_ms": figures,
        # A lost event has no latency to count, so it fails the target outright.
        "meets_target": figures["p99"] <= TARGET_P99_MS and lost == 0 and not publisher.failures,
        "breakdown_ms": {
            "send_to_bus_publish": percentiles(list(post_to_bus.values())),
            "bus_publish_to_client": percentiles(bus_to_client),
            "post_round_trip": percentiles([rt / 1e6 for rt in publisher.round_trips_ns]),
        },
    }


async def _bounded(server: Server, count: int) -> dict[str, Any]:
    async with asyncio.timeout(RUN_TIMEOUT_S):
        return await _measure(server, count)


def _run_one(bus: Bus, count: int) -> dict[str, Any]:
    with running_server(bus) as server:
        return {"bus": bus, "subscribers": count, **uvloop.run(_bounded(server, count))}


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(
        title=f"Publish → SSE client latency ({EVENTS} events every {INTERVAL_S * 1e3:.0f} ms)",
        caption=f"{NOTE}. Target: p99 ≤ {TARGET_P99_MS:.0f} ms.",
    )
    for column in ("bus", "subscribers", "samples", "lost"):
        table.add_column(column, justify="right" if column != "bus" else "left")
    for column in ("p50 ms", "p90 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right")
    table.add_column(f"p99 ≤ {TARGET_P99_MS:.0f} ms")
    for row in rows:
        if "skipped" in row:
            table.add_row(
                row["bus"], str(row["subscribers"]), "-", "-", "-", "-", "-", "-", "skipped"
            )
            continue
        lat = row["latency_ms"]
        table.add_row(
            row["bus"], str(row["subscribers"]), str(row["samples"]), str(row["lost"]),
            ms(lat["p50"]), ms(lat["p90"]), ms(lat["p99"]), ms(lat["max"]),
            "[green]yes[/]" if row["meets_target"] else "[red]NO[/]",
        )  # fmt: skip
    return table


def _breakdown_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(
        title="Where the time goes (p50 / p99 ms)",
        caption="send→bus: client stamp → server's event `ts` (wall clock, mapped onto "
        "monotonic); bus→client: event `ts` → client read; POST: round trip of the publish. "
        f"CPU: process CPU time over the {EVENTS} measured events, per event (client = "
        "publisher and every SSE reader); an event every "
        f"{INTERVAL_S * 1e3:.0f} ms saturates a core at {INTERVAL_S * 1e3:.0f} ms/event.",
    )
    table.add_column("bus")
    table.add_column("subscribers", justify="right")
    for column in ("send → bus", "bus → client", "POST round trip"):
        table.add_column(column, justify="right")
    for column in ("server CPU ms/event", "client CPU ms/event"):
        table.add_column(column, justify="right")
    for row in rows:
        if "skipped" in row:
            continue
        parts = row["breakdown_ms"]
        cells = [
            f"{ms(parts[key]['p50'])} / {ms(parts[key]['p99'])}"
            for key in ("send_to_bus_publish", "bus_publish_to_client", "post_round_trip")
        ]
        cpu = row["cpu_ms_per_event"]
        cpu_cells = ["n/a" if v is None else f"{v:.2f}" for v in (cpu["server"], cpu["client"])]
        table.add_row(row["bus"], str(row["subscribers"]), *cells, *cpu_cells)
    return table


def run() -> None:
    """Measure every bus and subscriber count, print the tables and write the JSON."""
    load_at_start = load_check(NAME)
    rows: list[dict[str, Any]] = []
    for bus in BUSES:
        if bus == "redis" and not redis_available():
            reason = f"Redis not reachable at {REDIS_URL}"
            rows += [{"bus": bus, "subscribers": n, "skipped": reason} for n in SUBSCRIBERS]
            console.print(f"[yellow]sse: redis rows skipped: {reason}[/]")
            continue
        for count in SUBSCRIBERS:
            console.print(f"sse: {bus} bus, {count} subscriber(s)…")
            rows.append(_run_one(bus, count))
    console.print(_table(rows))
    console.print(_breakdown_table(rows))
    path = write_result(
        NAME,
        {
            "note": NOTE,
            "method": {
                "events": EVENTS,
                "interval_ms": INTERVAL_S * 1e3,
                "client": "aiohttp on uvloop, publisher and every SSE client in one process",
                "server": "swarmdeck serve (one uvicorn process)",
            },
            "target_p99_ms": TARGET_P99_MS,
            "load_average_at_start": load_at_start,
            "runs": rows,
        },
    )
    console.print(f"wrote {path}")
