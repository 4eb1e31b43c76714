"""`TemporalService` in its three shapes, and the runtime and `/readyz` that carry it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.client import Client

from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.bus import create_bus
from swarmdeck.core.errors import Unavailable
from swarmdeck.core.processes import group_alive
from swarmdeck.core.status import StatusBoard
from swarmdeck.workflows import TemporalService
from tests.api.conftest import free_port, serving

from . import activities
from .conftest import unique
from .flows import Greet

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def settle(service: TemporalService) -> str | None:
    """`check()` once the service has had its chance to connect (bounded)."""
    async with asyncio.timeout(30):
        await service.wait_ready()
    return await service.check()


async def test_embedded_starts_the_dev_server_and_runs_registered_workflows(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, temporal_task_queue=unique("queue"))
    service = TemporalService(settings)  # no address: embedded, worker in-process
    service.register(workflows=[Greet], activities=[activities.greet])
    await service.start()
    try:
        assert await settle(service) is None
        assert service.dev_server is not None
        pid = service.dev_server.pid
        assert pid is not None
        assert service.address == service.dev_server.address
        result = await service.client.execute_workflow(
            Greet.run, "embedded", id=unique("greet"), task_queue=settings.temporal_task_queue
        )
        assert result == "hello, embedded"
        assert service.worker_running
        assert "worker on task queue" in service.describe()
    finally:
        await service.stop()
    assert not group_alive(pid)
    assert not service.worker_running
    with pytest.raises(Unavailable):
        _ = service.client


async def test_scaled_connects_to_the_address_and_runs_no_worker_by_default(
    temporal_settings: Settings, client: Client
) -> None:
    service = TemporalService(temporal_settings)
    service.register(workflows=[Greet], activities=[activities.greet])
    await service.start()
    try:
        assert await settle(service) is None
        assert service.dev_server is None
        assert service.address == temporal_settings.temporal_address
        assert not service.worker_running
        assert "no worker in this process" in service.describe()
    finally:
        await service.stop()


async def test_an_unreachable_cluster_is_reported_and_retried(tmp_path: Path) -> None:
    board = StatusBoard(create_bus(None))
    settings = Settings(data_dir=tmp_path, temporal_address=f"127.0.0.1:{free_port()}")
    service = TemporalService(settings, status=board)
    await service.start()
    try:
        for _ in range(100):
            component = board.get("workflows")
            if component is not None and component.status == "down":
                break
            await asyncio.sleep(0.05)
        assert component is not None
        assert (component.status, component.detail) == ("down", await service.check())
        assert component.detail is not None
        assert "127.0.0.1" in component.detail
        with pytest.raises(Unavailable, match="not available yet"):
            _ = service.client
    finally:
        await service.stop()


async def test_turned_off_nothing_starts_and_callers_get_a_clear_refusal(tmp_path: Path) -> None:
    service = TemporalService(Settings(data_dir=tmp_path, temporal_enabled=False))
    await service.start()
    assert service.dev_server is None
    with pytest.raises(Unavailable, match="SWARMDECK_TEMPORAL_ENABLED=false"):
        _ = service.client
    await service.stop()
    assert not (tmp_path / "temporal").exists()


async def test_registering_after_start_is_refused(temporal_settings: Settings) -> None:
    service = TemporalService(temporal_settings)
    await service.start()
    try:
        with pytest.raises(RuntimeError, match=r"before TemporalService\.start"):
            service.register(workflows=[Greet])
    finally:
        await service.stop()


async def test_readyz_and_the_status_page_carry_the_embedded_workflows(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        host="127.0.0.1",
        port=free_port(),
        admin_token=SecretStr("sdt-test-workflows"),
        temporal_ui=True,
    )
    async with serving(settings, FileConfig()) as server, server.admin() as admin:
        for _ in range(300):  # the dev server starts in the background
            ready = await admin.get("/readyz")
            if ready.status_code == 200:
                break
            assert ready.json()["checks"]["workflows"] is not None
            await asyncio.sleep(0.05)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {
            "database": None,
            "event-bus": None,
            "counters": None,
            "workflows": None,
        }
        status = (await admin.get("/api/system/status")).json()
        components = {c["name"]: c for c in status["components"]}
        assert components["workflows"]["status"] == "ok"
        assert "dev server 127.0.0.1:" in components["workflows"]["detail"]
        assert status["temporal_ui"].startswith("http://127.0.0.1:")
        pid = int((tmp_path / "data" / "temporal" / "dev.pid").read_text())
        assert group_alive(pid)
    assert not group_alive(pid)  # the server's shutdown took the dev server with it
    assert not os.path.exists(tmp_path / "data" / "temporal" / "dev.pid")
