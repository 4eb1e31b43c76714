"""`kill -9` the whole embedded `swarmdeck up` (API, worker and, with it, its Temporal dev
server child) in the middle of a run; start it again on the same data dir: the run
completes, and the turns that had completed are not taken again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from swarmdeck.testing import FakeProvider, Fault
from tests.mcp.conftest import process_gone
from tests.swarms.conftest import FAKE_KEY, PRICE, eventually
from tests.swarms.test_durability import THREE, upstream_models
from tests.test_up import free_port

pytestmark = pytest.mark.slow

SWARMDECK = str(Path(sys.executable).with_name("swarmdeck"))
TOKEN = "sdt-durability-" + "x" * 24


class Deck:
    """`swarmdeck up` in a process of its own, on `data_dir` and `port`."""

    def __init__(self, data_dir: Path, config: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env |= {
            "SWARMDECK_DATA_DIR": str(data_dir),
            "SWARMDECK_CONFIG": str(config),
            "SWARMDECK_ADMIN_TOKEN": TOKEN,
        }
        self.url = f"http://127.0.0.1:{port}"
        self.log = data_dir.parent / f"up-{port}.log"
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [SWARMDECK, "up", "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

    async def ready(self) -> None:
        """`/readyz` answers 200: storage, and the embedded Temporal dev server, are up."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            for _ in range(600):
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"not ready:\n{self.log.read_text()[-3000:]}")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=10
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def run_of(deck: Deck, run_id: str) -> dict[str, Any]:
    async with deck.client() as client:
        response = await client.get(f"/api/runs/{run_id}")
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


async def test_a_run_survives_kill_9_of_swarmdeck_up_without_repeating_turns(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    config = tmp_path / "swarmdeck.yaml"
    async with FakeProvider(api_key=FAKE_KEY) as fake:
        config.write_text(
            yaml.safe_dump(
                {
                    "providers": {
                        "oai": {"type": "openai", "base_url": f"{fake.url}/v1", "api_key": FAKE_KEY}
                    },
                    "models": [
                        {
                            "name": n,
                            "deployments": [{"provider": "oai", "model": m}],
                            "price": PRICE,
                        }
                        for n, m in (("gpt", "gpt-4o"), ("slow", "slow-model"))
                    ],
                    "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
                    "swarms": {"three": THREE},
                }
            )
        )
        first = Deck(data_dir, config, free_port())
        try:
            await first.ready()
            # The second agent's model call hangs at the provider: everything dies during it.
            fake.fault(Fault(delay=20, model="slow-model"))
            async with first.client() as client:
                started = await client.post("/api/swarms/three/runs", json={"task": "relay"})
            assert started.status_code in (200, 201, 202), started.text
            run_id = started.json()["id"]
            await eventually(lambda: "slow-model" in upstream_models(fake.requests), within=30)
            assert [s["instance"] for s in (await run_of(first, run_id))["steps"]] == ["one"]
            dev_server = int((data_dir / "temporal" / "dev.pid").read_text().split()[0])
        finally:
            first.kill()
        # The dev server goes with the process that started it.
        await eventually(lambda: process_gone(dev_server), within=10)

        second = Deck(data_dir, config, free_port())
        try:
            await second.ready()

            async def finished() -> dict[str, Any] | None:
                run = await run_of(second, run_id)
                return run if run["status"] != "running" else None

            run = await eventually(finished, within=90)
        finally:
            second.process.send_signal(signal.SIGTERM)
            second.process.wait(timeout=30)
        models = upstream_models(fake.requests)
    assert run["status"] == "completed", run.get("error")
    assert [step["instance"] for step in run["steps"]] == ["one", "two", "three"]
    # `one` and `three` were called once each; `two` twice: the killed attempt, its retry.
    assert models.count("gpt-4o") == 2
    assert models.count("slow-model") == 2
