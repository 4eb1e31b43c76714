"""The processes the gateway bench measures: the fake upstream, SwarmDeck, the LiteLLM proxy.

Each runs in its own process on loopback and is stopped when its block ends. LiteLLM is
installed from PyPI into a venv of its own under the user's cache directory, kept
between runs; it is never a dependency of SwarmDeck.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import yaml

from bench._report import console
from bench._server import REDIS_URL, ServerError, _drop_redis_keys, _free_port, _stop, _tail

HOST = "127.0.0.1"
UPSTREAM_KEY = "sk-bench-upstream"
UPSTREAM_MODEL = "gpt-4o-mini"
ALIAS = "bench-model"
PRICE = {"input_per_mtok": 0.15, "output_per_mtok": 0.6}
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LITELLM_SPEC = "litellm[proxy]"
LITELLM_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "swarmdeck-bench/litellm-venv"
)
START_TIMEOUT = 90.0  # LiteLLM imports for a long time on a busy machine
# No phoning home from the LiteLLM proxy: local cost map, no UI, no docs, quiet logs.
LITELLM_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOG": "ERROR",
    "DISABLE_ADMIN_UI": "True",
    "NO_DOCS": "True",
    "NO_REDOC": "True",
    "DISABLE_SCHEMA_UPDATE": "True",
    "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
    "LITELLM_TELEMETRY_DISABLED": "True",
}


@dataclass(frozen=True)
class Target:
    """Somewhere to send OpenAI-format calls: `base_url` ends in `/v1`."""

    name: str
    base_url: str
    model: str
    headers: dict[str, str]
    pids: list[int] = field(default_factory=list)
    admin_url: str | None = None  # SwarmDeck's own API, for /api/costs/summary
    replicas: list[str] = field(default_factory=list)  # every replica's base URL

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the target's processes and their children; None off Linux."""
        total = 0.0
        try:
            for pid in self.pids:
                for each in _tree(pid):
                    fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
                    total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return None
        return total / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
    return pids


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as log_file:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops it itself
        )


def _wait_http(process: subprocess.Popen[bytes], url: str, log: Path, ok: set[int]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(f"{url}: exited with {process.returncode}:\n{_tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(url).status_code in ok:
                    return
            time.sleep(0.2)
    raise ServerError(f"{url}: not ready after {START_TIMEOUT:.0f} s:\n{_tail(log)}")


def _stop_noting_death(process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    # A server that died during the run says why before its log is deleted.
    if process.poll() is not None:
        console.print(f"[red]{name} exited with {process.returncode} during the run:[/]")
        console.print(_tail(log), markup=False, highlight=False)
    _stop(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    # LiteLLM and uvicorn may fork; their session is theirs alone (start_new_session).
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    _stop(process)


@contextlib.contextmanager
def fake_upstream(latency: float = 0.0, processes: int = 1) -> Iterator[Target]:
    """The fake provider (`swarmdeck.testing.fake_provider`) as its own process."""
    command = [
        sys.executable, "-m", "swarmdeck.testing.fake_provider", "--host", HOST, "--port", "0",
        "--key", UPSTREAM_KEY, "--latency", str(latency), "--processes", str(processes),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        match = re.match(r"listening on (http://\S+)", line)
        if match is None:
            raise ServerError(f"fake provider did not start: {line!r}")
        yield Target(
            name="direct",
            base_url=f"{match[1]}/v1",
            model=UPSTREAM_MODEL,
            headers={"Authorization": f"Bearer {UPSTREAM_KEY}"},
            pids=[process.pid],
        )
    finally:
        _stop(process)
        if process.stdout is not None:
            process.stdout.close()


def swarmdeck_config(
    upstream: Target, *, limit_per_hour: float = 1_000_000, price: dict[str, float] = PRICE
) -> dict[str, Any]:
    """The YAML the bench gives SwarmDeck: one alias on the fake, caches off."""
    return {
        "providers": {
            "fake": {"type": "openai", "base_url": upstream.base_url, "api_key": UPSTREAM_KEY}
        },
        "models": [
            {
                "name": ALIAS,
                "deployments": [{"provider": "fake", "model": UPSTREAM_MODEL}],
                "price": price,
            }
        ],
        "budgets": {"global": {"limit_per_hour": limit_per_hour}},
        "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
    }


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"swarmdeck_bench_{secrets.token_hex(6)}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def swarmdeck(
    config: dict[str, Any], *, scaled: bool = False, replicas: int = 1
) -> Iterator[Target]:
    """`swarmdeck serve` with `config`: embedded, or scaled (Redis + a fresh PostgreSQL)."""
    token = secrets.token_urlsafe(32)
    prefix = f"bench-gw-{secrets.token_hex(6)}"
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="swarmdeck-gw-")))
        (tmp / "swarmdeck.yaml").write_text(yaml.safe_dump(config))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env |= {
            "SWARMDECK_DATA_DIR": str(tmp / "data"),
            "SWARMDECK_CONFIG": str(tmp / "swarmdeck.yaml"),
            "SWARMDECK_ADMIN_TOKEN": token,
            "SWARMDECK_LOG_LEVEL": "WARNING",
        }
        if scaled:
            env |= {
                "SWARMDECK_REDIS_URL": REDIS_URL,
                "SWARMDECK_REDIS_PREFIX": prefix,
                "SWARMDECK_DATABASE_URL": stack.enter_context(pg_database()),
                "SWARMDECK_SECRET_KEY": secrets.token_urlsafe(32),
            }
            stack.callback(_drop_redis_keys, prefix)
        # `swarmdeck serve` through the interpreter rather than the script, so that a
        # `pkill -f "swarmdeck serve"` meant for a developer's own server spares the bench's.
        launcher = [sys.executable, "-c", "from swarmdeck.cli import main; main()"]
        urls, pids = [], []
        for replica in range(replicas):  # one after the other: migrations run once
            port = _free_port()
            url = f"http://{HOST}:{port}"
            log = tmp / f"server-{replica}.log"
            command = [*launcher, "serve", "--host", HOST, "--port", str(port)]
            process = _spawn(command, env, log)
            stack.callback(_stop_noting_death, process, f"swarmdeck replica {replica}", log)
            _wait_http(process, f"{url}/readyz", log, {200})
            urls.append(url)
            pids.append(process.pid)
        yield Target(
            name="swarmdeck" + (" (scaled)" if scaled else ""),
            base_url=f"{urls[0]}/v1",
            model=ALIAS,
            headers={"Authorization": f"Bearer {token}", "x-swarmdeck-cache": "off"},
            pids=pids,
            admin_url=urls[0],
            replicas=[f"{url}/v1" for url in urls],
        )


def ensure_litellm() -> Path:
    """The `litellm` executable in the bench's own venv, installing it from PyPI the first time."""
    executable = LITELLM_VENV / "bin" / "litellm"
    if executable.exists():
        return executable
    console.print(f"gateway: installing {LITELLM_SPEC} into {LITELLM_VENV} (once)…")
    LITELLM_VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
    pip = [str(LITELLM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, LITELLM_SPEC], check=True, timeout=1200)
    return executable


def litellm_version() -> str | None:
    """The installed LiteLLM version, read from its venv's metadata."""
    found = sorted(LITELLM_VENV.glob("lib/python*/site-packages/litellm-*.dist-info"))
    return found[-1].name.removeprefix("litellm-").removesuffix(".dist-info") if found else None


@contextlib.contextmanager
def litellm(upstream: Target) -> Iterator[Target]:
    """The LiteLLM proxy, one worker like SwarmDeck, with one alias on the fake.

    Its defaults otherwise; its opt-in native path (`LITELLM_RUST=true`) was no faster here.
    """
    executable = ensure_litellm()
    master_key = f"sk-{secrets.token_hex(16)}"
    config = {
        "model_list": [
            {
                "model_name": ALIAS,
                "litellm_params": {
                    "model": f"openai/{UPSTREAM_MODEL}",
                    "api_base": upstream.base_url,
                    "api_key": UPSTREAM_KEY,
                },
            }
        ],
        "general_settings": {"master_key": master_key},
        "litellm_settings": {"drop_params": True},
    }
    with tempfile.TemporaryDirectory(prefix="litellm-bench-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        port = _free_port()
        url = f"http://{HOST}:{port}"
        log = Path(tmp) / "litellm.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "OPENAI_"))}
        env |= LITELLM_ENV
        command = [
            str(executable), "--config", str(path), "--host", HOST, "--port", str(port),
            "--num_workers", "1",
        ]  # fmt: skip
        process = _spawn(command, env, log)
        try:
            _wait_http(process, f"{url}/health/liveliness", log, {200})
            yield Target(
                name="litellm",
                base_url=f"{url}/v1",
                model=ALIAS,
                headers={"Authorization": f"Bearer {master_key}"},
                pids=[process.pid],
            )
        finally:
            if process.poll() is not None:
                _stop_noting_death(process, "litellm", log)
            _stop_group(process)
