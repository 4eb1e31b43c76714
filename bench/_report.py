"""Shared reporting: percentiles, machine facts, rich tables and the JSON result files."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# Rich wraps tables to 80 columns when stdout is not a terminal (make, CI logs); give it room.
console = Console() if Console().is_terminal else Console(width=140)


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max of `samples` (inclusive interpolation), plus the count."""
    if not samples:
        return {
            "count": 0,
            "p50": float("nan"),
            "p90": float("nan"),
            "p99": float("nan"),
            "max": float("nan"),
        }
    if len(samples) == 1:
        only = float(samples[0])
        return {"count": 1, "p50": only, "p90": only, "p99": only, "max": only}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "count": len(samples),
        "p50": cuts[49],
        "p90": cuts[89],
        "p99": cuts[98],
        "max": max(samples),
    }


def ms(value: float) -> str:
    """A duration in milliseconds for a table cell."""
    return "n/a" if value != value else f"{value:.2f}"  # NaN != NaN


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare two result files."""
    try:
        version: str | None = metadata.version("swarmdeck")
    except metadata.PackageNotFoundError:
        version = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_average": list(os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "swarmdeck": version,
    }


def load_check(name: str) -> list[float]:
    """The load averages now, with a warning when other work already fills the cores."""
    load = list(os.getloadavg())
    cpus = os.cpu_count() or 1
    if load[0] > cpus / 2:
        console.print(
            f"[yellow]{name}: load average {load[0]:.1f} on {cpus} CPUs before the run; "
            "latency figures will be noisy (CPU per request less so)[/]"
        )
    return load


def _clean(value: Any) -> Any:
    # JSON has no NaN (an empty sample set is reported as null); µs resolution is plenty.
    if isinstance(value, float):
        return None if value != value else round(value, 3)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` with the machine facts and `figures`."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = _clean({"benchmark": name, "machine": machine(), **figures})
    path.write_text(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")
    return path
