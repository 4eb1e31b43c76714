"""A swarm worker in a process of its own, for tests that kill it: `python worker_process.py
<temporal address> <task queue> <SwarmDeck URL> <data dir>`. Prints `ready` once polling."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from swarmdeck.config import Settings
from swarmdeck.core.bus import create_bus
from swarmdeck.core.db import Database
from swarmdeck.workflows.agent_activities import AgentActivities
from swarmdeck.workflows.swarm_run import SwarmRunWorkflow


async def main(address: str, task_queue: str, api_url: str, data_dir: str) -> None:
    settings = Settings(data_dir=Path(data_dir))  # the server's: same database, same key
    db = Database(settings.effective_database_url())
    bus = create_bus(None)
    await bus.start()
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    activities = AgentActivities(db=db, bus=bus, settings=settings, api_url=api_url)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[SwarmRunWorkflow],
        activities=activities.all(),
    ):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
