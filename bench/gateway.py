"""The LLM gateway against the same fast fake upstream: direct, through SwarmDeck, through
the LiteLLM proxy, in one run; then the 200-way budget race.

(a) Concurrency 1: plain calls and streamed calls (time to first content token), the
targets taking turns in blocks; added latency is the target's percentile minus the
direct one. (b) Concurrency 64 for ~10 s per target: requests/s and errors (`wrk`, or the
aiohttp load generator in its own process). (c) The race: a tiny hourly limit, 200 calls
fired at once, and how far total spend (`/api/costs/summary`, and the usage the clients
received priced at list) ends above the limit, on the in-process counters and on Redis
with two replicas sharing PostgreSQL.

SwarmDeck and LiteLLM each run as one server process; the fake upstream, the load
generator and the bench are processes of their own on the same (2-core) machine.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Literal

import httpx
import uvloop
from rich.table import Table

from bench import _gateway_load as load
from bench._gateway_targets import (
    ALIAS,
    Target,
    fake_upstream,
    litellm,
    litellm_version,
    swarmdeck,
    swarmdeck_config,
)
from bench._report import console, load_check, ms, write_result
from bench._server import redis_available

NAME = "gateway"
SEQUENTIAL = 1000
WARMUP = 100
CONNECTIONS = 64
DURATION_S = 10.0
RACE_CALLS = 200
RACE_MAX_TOKENS = 20
RACE_UPSTREAM_LATENCY_S = 0.05  # every call in flight at once
RACE_PRICE = {"input_per_mtok": 100.0, "output_per_mtok": 400.0}  # so one call is ~1/100 $
RACE_LIMIT_USD = Decimal("0.1")
RACE_MAX_WAVES = 40  # then waves of 200 more until the limit refuses a whole wave
TARGET_ADDED_P50_MS = 1.0
TARGET_RPS_RATIO = 3.0
LoadGen = Literal["auto", "wrk", "aiohttp"]


def _probe(target: Target) -> str | None:
    """None when a plain and a streamed call come back as the fake answers; else why not."""
    url = f"{target.base_url}/chat/completions"
    headers = {**target.headers, "Content-Type": "application/json"}
    try:
        with httpx.Client(timeout=10) as client:
            plain = client.post(url, headers=headers, json=load.chat_body(target.model))
            if plain.status_code != 200:
                return f"plain call: HTTP {plain.status_code} {plain.text[:200]}"
            content = plain.json()["choices"][0]["message"]["content"]
            if not content.startswith("echo: "):
                return f"plain call: unexpected answer {content!r}"
            body = load.chat_body(target.model, stream=True)
            with client.stream("POST", url, headers=headers, json=body) as streamed:
                text = streamed.read().decode()
            if streamed.status_code != 200 or "data: [DONE]" not in text:
                return f"streamed call: HTTP {streamed.status_code} {text[:200]}"
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@contextlib.contextmanager
def _optional(
    name: str, skipped: dict[str, str], factory: Callable[[], AbstractContextManager[Target]]
) -> Iterator[Target | None]:
    """Start a target and check it answers; when it does not, note why and go on without it."""
    with contextlib.ExitStack() as stack:
        target: Target | None = None
        try:
            target = stack.enter_context(factory())
        except Exception as exc:  # the bench reports on what it could start
            skipped[name] = f"{type(exc).__name__}: {str(exc)[-800:]}"
        if target is not None and (reason := _probe(target)) is not None:
            skipped[name] = reason
            target = None
            stack.close()
        if name in skipped:
            console.print(f"[yellow]gateway: {name} skipped: {skipped[name]}[/]")
        yield target


def _added(result: dict[str, Any], direct: dict[str, Any], key: str, cut: str) -> float:
    return float(result[key][cut] - direct[key][cut])


def _overhead(loadgen: LoadGen, skipped: dict[str, str]) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(fake_upstream())
        targets = [upstream]
        for name, factory in (
            ("swarmdeck", lambda: swarmdeck(swarmdeck_config(upstream))),
            ("litellm", lambda: litellm(upstream)),
        ):
            target = stack.enter_context(_optional(name, skipped, factory))
            if target is not None:
                targets.append(target)
        console.print(f"gateway: {SEQUENTIAL} sequential plain + streamed calls per target…")
        latency = uvloop.run(load.sequential(targets, SEQUENTIAL, WARMUP))
        throughput = {}
        for target in targets:
            console.print(
                f"gateway: {target.name}, {CONNECTIONS} connections for {DURATION_S:g} s…"
            )
            throughput[target.name] = load.throughput(target, CONNECTIONS, DURATION_S, loadgen)
    direct = latency["direct"]
    for name, row in latency.items():
        if name != "direct":
            row["added_ms"] = {
                f"plain_{cut}": _added(row, direct, "plain_ms", cut) for cut in ("p50", "p99")
            } | {f"ttft_{cut}": _added(row, direct, "ttft_ms", cut) for cut in ("p50", "p99")}
    return {"concurrency_1": latency, f"concurrency_{CONNECTIONS}": throughput}


def _usd(usage: dict[str, Any]) -> Decimal:
    return (
        Decimal(usage["prompt_tokens"]) * Decimal(str(RACE_PRICE["input_per_mtok"]))
        + Decimal(usage["completion_tokens"]) * Decimal(str(RACE_PRICE["output_per_mtok"]))
    ) / Decimal(1_000_000)


def _race(scaled: bool) -> dict[str, Any]:
    replicas = 2 if scaled else 1
    waves: list[dict[str, Any]] = []
    with fake_upstream(latency=RACE_UPSTREAM_LATENCY_S) as upstream:
        config = swarmdeck_config(upstream, limit_per_hour=float(RACE_LIMIT_USD), price=RACE_PRICE)
        with swarmdeck(config, scaled=scaled, replicas=replicas) as target:
            spent = Decimal(0)
            for wave in range(RACE_MAX_WAVES):
                statuses, usages, refusals = uvloop.run(
                    load.race(
                        target, RACE_CALLS, max_tokens=RACE_MAX_TOKENS, first=wave * RACE_CALLS
                    )
                )
                spent += sum((_usd(u) for u in usages), Decimal(0))
                summary = uvloop.run(load.spend(target, spent))
                budget = uvloop.run(load.global_budget(target))
                waves.append(_wave(statuses, refusals, spent, summary) | {"budget": budget})
                if statuses[200] == 0:
                    break
    # One call's worst case: the longest race prompt's input plus max_tokens of output.
    prompt = f"race call {RACE_CALLS * RACE_MAX_WAVES} please answer"
    worst_usd = _usd(
        {"prompt_tokens": len(prompt.split()) + 3, "completion_tokens": RACE_MAX_TOKENS}
    )
    first, last = waves[0], waves[-1]
    return {
        "mode": "redis, 2 replicas" if scaled else "in-process",
        "setup": "scaled: 2 replicas, Redis counters, one PostgreSQL"
        if scaled
        else "embedded: one process, in-process counters, SQLite",
        "calls_per_wave": RACE_CALLS,
        "limit_usd": RACE_LIMIT_USD,
        "worst_case_call_usd": worst_usd,
        "first_wave": first | _overshoot(first, worst_usd),
        "until_refused": {
            **last,
            "waves": len(waves),
            "admitted": sum(w["statuses"].get(200, 0) for w in waves),
            "statuses": dict(sum((Counter(w["statuses"]) for w in waves), Counter[int]())),
            **_overshoot(last, worst_usd),
        },
        "waves": waves,
    }


def _wave(
    statuses: Counter[int], refusals: list[dict[str, Any]], spent: Decimal, summary: dict[str, Any]
) -> dict[str, Any]:
    total = summary.get("total_usd")
    return {
        "statuses": dict(statuses),
        "refusal_types": sorted({str((r.get("error") or {}).get("type")) for r in refusals}),
        "spend_from_usage_usd": spent,
        "spend_from_ledger_usd": None if total is None else Decimal(str(total)),
    }


def _overshoot(wave: dict[str, Any], worst_usd: Decimal) -> dict[str, Any]:
    ledger = wave["spend_from_ledger_usd"]
    spent = (
        wave["spend_from_usage_usd"]
        if ledger is None
        else max(ledger, wave["spend_from_usage_usd"])
    )
    overshoot = spent - RACE_LIMIT_USD
    return {
        "overshoot_usd": overshoot,
        "overshoot_in_worst_case_calls": overshoot / worst_usd,
        "within_one_worst_case": overshoot <= worst_usd,
        "reserved_after_usd": (wave.get("budget") or {}).get("reserved_usd"),
    }


def _races(skipped: dict[str, str]) -> list[dict[str, Any]]:
    results = []
    for scaled in (False, True):
        name = "race scaled" if scaled else "race embedded"
        if scaled and not redis_available():
            skipped[name] = "Redis does not answer on 127.0.0.1:6379"
            continue
        console.print(f"gateway: {name}, {RACE_CALLS} calls against ${RACE_LIMIT_USD}/hour…")
        try:
            results.append(_race(scaled))
        except Exception as exc:  # the bench reports on what it could run
            skipped[name] = f"{type(exc).__name__}: {str(exc)[-800:]}"
            console.print(f"[yellow]gateway: {name} failed: {skipped[name]}[/]")
    return results


def _nan(row: dict[str, Any] | None, *keys: str) -> float:
    value: Any = row
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return float("nan")
        value = value[key]
    return float(value)


def _overhead_table(figures: dict[str, Any], ratios: dict[str, Any]) -> Table:
    table = Table(
        title="LLM gateway: direct to the fake upstream vs through SwarmDeck vs through LiteLLM",
        caption=f"Milliseconds. c=1: {SEQUENTIAL} plain + {SEQUENTIAL} streamed calls per "
        f"target after {WARMUP} warm-up, the targets taking turns in blocks; p50/p99 of plain "
        "calls, TTFT = time to "
        "the first content token of a streamed call; + = added: the target's percentile "
        "minus the direct one. "
        f"c={CONNECTIONS}: plain calls for {DURATION_S:g} s. CPU: the "
        "target process's user+system time per call (c1: plain and streamed alike).",
    )
    columns = (
        "target", "p50", "p99", "+p50", "+p99", "TTFT p50", "TTFT p99", "+TTFT p50",
        f"req/s c{CONNECTIONS}", f"p50 c{CONNECTIONS}", "non-2xx", "errors", "CPU µs c1",
        f"CPU µs c{CONNECTIONS}",
    )  # fmt: skip
    for column in columns:
        table.add_column(
            column, justify="left" if column == "target" else "right", no_wrap=column == "target"
        )
    c1 = figures["concurrency_1"]
    cn = figures[f"concurrency_{CONNECTIONS}"]
    for name, row in c1.items():
        heavy = cn.get(name, {})
        added = row.get("added_ms", {})
        errors = heavy.get("errors", 0) + row["errors"]
        non_2xx = heavy.get("non_2xx", 0) + row["non_2xx"] + row["incomplete_streams"]
        cpu = heavy.get("server_cpu_us_per_request")
        table.add_row(
            name,
            ms(_nan(row, "plain_ms", "p50")), ms(_nan(row, "plain_ms", "p99")),
            ms(added.get("plain_p50", float("nan"))), ms(added.get("plain_p99", float("nan"))),
            ms(_nan(row, "ttft_ms", "p50")), ms(_nan(row, "ttft_ms", "p99")),
            ms(added.get("ttft_p50", float("nan"))),
            f"{heavy.get('requests_per_s', float('nan')):.0f}",
            ms(_nan(heavy, "latency_ms", "p50")),
            _count(non_2xx), _count(errors), _us(row["server_cpu_us_per_call"]), _us(cpu),
        )  # fmt: skip
    if ratios.get("swarmdeck_vs_litellm_rps") is not None:
        table.add_row(
            "SwarmDeck/LiteLLM", "", "",
            _ratio(ratios.get("swarmdeck_vs_litellm_added_p50")), "", "", "", "",
            f"{ratios['swarmdeck_vs_litellm_rps']:.1f}x", "", "", "", "", "",
        )  # fmt: skip
    return table


def _race_table(races: list[dict[str, Any]]) -> Table:
    table = Table(
        title=f"Budget race: {RACE_CALLS} calls at once against a ${RACE_LIMIT_USD}/hour limit",
        caption=f"The upstream answers after {RACE_UPSTREAM_LATENCY_S * 1000:.0f} ms so every "
        f"call of a wave is in flight at once; max_tokens {RACE_MAX_TOKENS}, price "
        f"${RACE_PRICE['input_per_mtok']:g}/${RACE_PRICE['output_per_mtok']:g} per Mtok. "
        "First wave: the 200-way race; N waves: more waves of 200 until one is refused "
        f"whole (at most {RACE_MAX_WAVES}). Spent: the larger of the ledger total (/api/costs/summary) and the usage the "
        "clients received, priced at list. Overshoot = spent - limit; the bound is one "
        "call's worst case. Reserved after: the global budget's reservations once the wave "
        "is answered (GET /api/budgets); anything but 0 is a leak.",
    )
    for column in (
        "counters", "phase", "admitted", "429", "other", "spent $ ledger",
        "spent $ usage", "overshoot $", "worst case $", "within bound", "reserved after $",
    ):  # fmt: skip
        table.add_column(
            column,
            justify="left" if column in ("counters", "phase") else "right",
            no_wrap=column in ("counters", "phase"),
        )
    for race in races:
        for phase, row, admitted in (
            ("first wave", race["first_wave"], race["first_wave"]["statuses"].get(200, 0)),
            (
                f"{race['until_refused']['waves']} waves",
                race["until_refused"],
                race["until_refused"]["admitted"],
            ),
        ):
            statuses = row["statuses"]
            other = sum(n for status, n in statuses.items() if status not in (200, 429))
            ledger = row["spend_from_ledger_usd"]
            table.add_row(
                race["mode"], phase, str(admitted), str(statuses.get(429, 0)), _count(other),
                "n/a" if ledger is None else f"{ledger:.6f}", f"{row['spend_from_usage_usd']:.6f}",
                f"{row['overshoot_usd']:+.6f}", f"{race['worst_case_call_usd']:.6f}",
                "[green]yes[/]" if row["within_one_worst_case"] else "[red]NO[/]",
                str(row["reserved_after_usd"]),
            )  # fmt: skip
    return table


def _us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _count(n: int) -> str:
    return f"[green]{n}[/]" if n == 0 else f"[red]{n}[/]"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _ratios(figures: dict[str, Any]) -> dict[str, Any]:
    c1 = figures["concurrency_1"]
    cn = figures[f"concurrency_{CONNECTIONS}"]
    out: dict[str, Any] = {}
    if "swarmdeck" in cn and "litellm" in cn and cn["litellm"]["requests_per_s"]:
        out["swarmdeck_vs_litellm_rps"] = (
            cn["swarmdeck"]["requests_per_s"] / cn["litellm"]["requests_per_s"]
        )
    if "swarmdeck" in c1 and "litellm" in c1:
        sd, lt = c1["swarmdeck"]["added_ms"]["plain_p50"], c1["litellm"]["added_ms"]["plain_p50"]
        out["swarmdeck_vs_litellm_added_p50"] = sd / lt if lt > 0 else None
    return out


def _targets_met(figures: dict[str, Any], ratios: dict[str, Any]) -> dict[str, bool | None]:
    sd1 = figures["concurrency_1"].get("swarmdeck")
    sdn = figures[f"concurrency_{CONNECTIONS}"].get("swarmdeck")
    if sd1 is None or sdn is None:
        return {"added_p50_le_1ms": None, "rps_ge_3x_litellm": None, "no_errors": None}
    rps_ratio = ratios.get("swarmdeck_vs_litellm_rps")
    return {
        "added_p50_le_1ms": sd1["added_ms"]["plain_p50"] <= TARGET_ADDED_P50_MS,
        "rps_ge_3x_litellm": None if rps_ratio is None else rps_ratio >= TARGET_RPS_RATIO,
        "no_errors": sdn["errors"]
        + sdn["non_2xx"]
        + sd1["non_2xx"]
        + sd1["errors"]
        + sd1["incomplete_streams"]
        == 0,
    }


def run(loadgen: LoadGen = "auto", *, race: bool = True) -> None:
    """Measure the gateway's overhead and the budget race, print the tables, write the JSON."""
    load_at_start = load_check(NAME)
    skipped: dict[str, str] = {}
    figures = _overhead(loadgen, skipped)
    ratios = _ratios(figures)
    console.print(_overhead_table(figures, ratios))
    races = _races(skipped) if race else []
    if races:
        console.print(_race_table(races))
    for name, reason in skipped.items():
        console.print(f"[yellow]{name}: not measured: {reason}[/]")
    path = write_result(
        NAME,
        {
            "upstream": "swarmdeck.testing.fake_provider, one process, answers at once",
            "swarmdeck": "swarmdeck serve, embedded, one uvicorn process, cache off per request",
            "litellm": {"version": litellm_version(), "workers": 1},
            "alias": ALIAS,
            **figures,
            "ratios": ratios,
            "targets": {
                "added_p50_ms_max": TARGET_ADDED_P50_MS,
                "rps_ratio_min": TARGET_RPS_RATIO,
                "met": _targets_met(figures, ratios),
            },
            "budget_race": races,
            "not_measured": skipped,
            "load_average_at_start": load_at_start,
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    run()
