"""Kill -9 the worker in the middle of a run: another worker finishes it, and the turns
that had completed are not taken again (their model calls are not made twice)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from swarmdeck.config import Settings
from swarmdeck.testing import Fault
from swarmdeck.workflows.swarm_run import workflow_id
from tests.swarms.conftest import CLI, PRICE, DeckFactory, eventually

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

SWARMDECK = str(Path(sys.executable).with_name("swarmdeck"))
MODELS = [
    {"name": "gpt", "deployments": [{"provider": "oai", "model": "gpt-4o"}], "price": PRICE},
    {"name": "slow", "deployments": [{"provider": "oai", "model": "slow-model"}], "price": PRICE},
]
THREE = {
    "pattern": "sequential",
    "agents": [
        {"name": "one", "model": "gpt"},
        {"name": "two", "model": "slow"},
        {"name": "three", "model": "gpt"},
    ],
}


async def start_worker(settings: Settings, api_url: str) -> asyncio.subprocess.Process:
    """`swarmdeck worker`, as a scaled deployment runs it, on the server's data dir (its
    database and secret key), polling once it says so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    env |= {
        "SWARMDECK_DATA_DIR": str(settings.data_dir),
        "SWARMDECK_TEMPORAL_ADDRESS": str(settings.temporal_address),
        "SWARMDECK_TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "SWARMDECK_API_URL": api_url,
    }
    process = await asyncio.create_subprocess_exec(
        SWARMDECK, "worker", env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.startswith(b"worker connected"), line
    return process


def upstream_models(requests: list[Any]) -> list[str]:
    return [r.body["model"] for r in requests if r.path == "/v1/chat/completions"]


async def test_a_run_survives_its_worker_being_killed_without_repeating_turns(
    deck_factory: DeckFactory,
) -> None:
    async with deck_factory({"three": THREE}, models=MODELS) as deck:
        settings = deck.server.settings
        # The second agent's model call hangs at the provider: the worker dies during it.
        deck.fake.fault(Fault(delay=15, model="slow-model"))
        record = await deck.swarms.start_run(CLI, "three", "relay this", deck.client)
        first = await start_worker(settings, deck.server.url)
        try:
            await eventually(lambda: "slow-model" in upstream_models(deck.fake.requests), within=30)
            done = await deck.swarms.get_run(record.id)
            assert [step.instance for step in done.steps] == ["one"]
        finally:
            os.kill(first.pid, signal.SIGKILL)
            await first.wait()
        second = await start_worker(settings, deck.server.url)
        try:
            handle = deck.client.get_workflow_handle(workflow_id(record.id))
            await asyncio.wait_for(handle.result(), 60)
        finally:
            second.terminate()
            await second.wait()
        run = await deck.swarms.get_run(record.id)
        models = upstream_models(deck.fake.requests)
    assert run.status == "completed", run.error
    assert [step.instance for step in run.steps] == ["one", "two", "three"]
    # `one` was called once; `two` twice (the killed attempt and its retry); `three` once.
    assert models.count("gpt-4o") == 2
    assert models.count("slow-model") == 2
