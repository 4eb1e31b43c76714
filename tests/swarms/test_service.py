"""Swarm definitions through the service on both storage engines: config-file swarms are
read-only, API swarms persist, every change and scale is audited and announced."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth import Caller
from swarmdeck.core.bus import EventBus, create_bus
from swarmdeck.core.db import Database
from swarmdeck.core.errors import Conflict, InvalidInput, NotFound
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.swarms import SwarmConfig
from swarmdeck.swarms.service import SwarmService

CLI = Caller.cli()


def config(*agents: dict[str, Any], pattern: str = "sequential") -> SwarmConfig:
    listed = list(agents) or [{"name": "a", "model": "gpt"}, {"name": "b", "model": "gpt"}]
    return SwarmConfig.model_validate({"pattern": pattern, "agents": listed})


RESEARCH = config(
    {"name": "planner", "model": "gpt"},
    {"name": "researcher", "model": "gpt", "replicas": 2},
    pattern="parallel",
)


class Parts:
    def __init__(self, db: Database, bus: EventBus, audit: AuditLog, tmp: Path) -> None:
        self.db, self.bus, self.audit, self.tmp = db, bus, audit, tmp

    def service(self, **configured: SwarmConfig) -> SwarmService:
        return SwarmService(
            self.db,
            KeyValueStore(self.db),
            self.audit,
            self.bus,
            configured=configured,
            models=lambda: {"gpt"},
            task_queue="q",
        )

    async def actions(self, swarm: str) -> list[str]:
        records, _ = await self.audit.query(resource_type="swarm", limit=100)
        return [r.action for r in reversed(records) if r.resource_id == swarm]


@pytest.fixture
async def parts(database_url: str, tmp_path: Path) -> AsyncIterator[Parts]:
    db = Database(database_url)
    await db.migrate()
    bus = create_bus(None)
    await bus.start()
    audit = AuditLog(db, bus, secret_key=b"k" * 32, data_dir=tmp_path)
    yield Parts(db, bus, audit, tmp_path)
    await audit.aclose()
    await bus.aclose()
    await db.aclose()


async def test_config_swarms_are_listed_and_cannot_be_changed_through_the_service(
    parts: Parts,
) -> None:
    service = parts.service(research=RESEARCH)
    view = await service.get("research")
    assert (view.source, view.scale, len(view.instances)) == ("config", None, 3)
    for attempt in (
        service.create(CLI, "research", config()),
        service.update(CLI, "research", config()),
        service.delete(CLI, "research"),
    ):
        with pytest.raises(Conflict, match="config file"):
            await attempt


async def test_api_swarms_persist_and_every_change_is_audited(parts: Parts) -> None:
    subscription = await parts.bus.subscribe(["swarms"])
    service = parts.service()
    name = f"s-{uuid.uuid4().hex[:8]}"
    created = await service.create(CLI, name, config())
    assert created.source == "api" and [i.name for i in created.instances] == ["a", "b"]
    with pytest.raises(Conflict):
        await service.create(CLI, name, config())
    # Another service over the same storage (a restart, another replica) sees it.
    assert name in [v.name for v in await parts.service().list_swarms()]
    updated = await service.update(CLI, name, config({"name": "solo", "model": "gpt"}))
    assert [i.name for i in updated.instances] == ["solo"]
    await service.delete(CLI, name)
    with pytest.raises(NotFound):
        await service.get(name)
    with pytest.raises(NotFound):
        await service.delete(CLI, name)
    assert await parts.actions(name) == ["swarm.create", "swarm.update", "swarm.delete"]
    changes = [(await anext(aiter(subscription))).data["change"] for _ in range(3)]
    assert changes == ["added", "updated", "removed"]


async def test_unknown_models_are_refused(parts: Parts) -> None:
    with pytest.raises(InvalidInput, match="'claude' is not a model alias"):
        await parts.service().create(CLI, "x", config({"name": "a", "model": "claude"}))


async def test_scale_sets_later_runs_instances_and_is_audited(parts: Parts) -> None:
    service = parts.service(research=RESEARCH)
    scaled = await service.scale(CLI, "research", 5)
    assert scaled.scale == 5
    assert [i.name for i in await service.plan("research")] == ["planner"] + [
        f"researcher.{n}" for n in range(1, 5)
    ]
    with pytest.raises(InvalidInput):
        await service.scale(CLI, "research", 1)  # the planner leaves no room
    records, _ = await parts.audit.query(action="swarm.scale", with_details=True)
    assert records[0].resource_id == "research"
    assert records[0].details == {
        "from": 3,
        "to": 5,
        "instances": {"planner": 1, "researcher": 4},
    }


async def test_an_update_drops_a_scale_the_new_definition_cannot_meet(parts: Parts) -> None:
    service = parts.service()
    name = f"g-{uuid.uuid4().hex[:8]}"
    await service.create(CLI, name, config({"name": "a", "model": "gpt"}))
    await service.scale(CLI, name, 3)
    three = [{"name": n, "model": "gpt"} for n in ("a", "b", "c", "d")]
    view = await service.update(CLI, name, config(*three))
    assert view.scale is None and len(view.instances) == 4
