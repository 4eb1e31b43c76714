"""Server-Sent Events: live delivery, topics and their permissions, resume, heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent, aconnect_sse

from swarmdeck.config import EventsConfig, FileConfig

from .conftest import Server

_readers: dict[int, AsyncIterator[ServerSentEvent]] = {}


async def next_data(source: EventSource, timeout: float = 5.0) -> dict[str, Any]:
    """The next event message on a stream (heartbeats skipped), within `timeout`."""
    frames = _readers.setdefault(id(source), source.aiter_sse())

    async def first() -> dict[str, Any]:
        async for sse in frames:
            if sse.data:
                data: dict[str, Any] = json.loads(sse.data)
                assert sse.id == data["id"]
                return data
        raise AssertionError("stream ended")

    return await asyncio.wait_for(first(), timeout)


async def wait_for_subscribers(server: Server) -> None:
    # The stream is subscribed once its response headers arrive; give the server a beat.
    await asyncio.sleep(0.05)


async def test_published_event_reaches_an_sse_client_quickly(server: Server) -> None:
    async with (
        server.admin() as client,
        aconnect_sse(client, "GET", "/api/events?topics=demo") as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        await wait_for_subscribers(server)
        started = time.perf_counter()
        sent = (
            await client.post(
                "/api/events", json={"topic": "demo", "type": "hello", "data": {"n": 1}}
            )
        ).json()
        got = await next_data(source)
        elapsed = time.perf_counter() - started
    assert got == sent
    assert got["data"] == {"n": 1}
    assert elapsed < 1.0


async def test_stream_filters_topics(server: Server) -> None:
    async with (
        server.admin() as client,
        aconnect_sse(client, "GET", "/api/events?topics=wanted") as source,
    ):
        await wait_for_subscribers(server)
        await client.post("/api/events", json={"topic": "other", "type": "x"})
        await client.post("/api/events", json={"topic": "wanted", "type": "y"})
        got = await next_data(source)
    assert (got["topic"], got["type"]) == ("wanted", "y")


async def test_last_event_id_resumes_without_loss(server: Server) -> None:
    async with server.admin() as client:
        first = (
            await client.post("/api/events", json={"topic": "jobs", "type": "t", "data": 1})
        ).json()
        for n in (2, 3):
            await client.post("/api/events", json={"topic": "jobs", "type": "t", "data": n})
        async with aconnect_sse(
            client, "GET", "/api/events?topics=jobs", headers={"last-event-id": first["id"]}
        ) as source:
            assert (await next_data(source))["data"] == 2
            assert (await next_data(source))["data"] == 3


@pytest.fixture
def file_config() -> FileConfig:
    return FileConfig(events=EventsConfig(heartbeat_seconds=0.2))


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_idle_stream_gets_heartbeats(server: Server) -> None:
    async with server.admin() as client, client.stream("GET", "/api/events") as response:
        chunks = []

        async def read() -> None:
            async for chunk in response.aiter_text():
                chunks.append(chunk)
                if "ping" in "".join(chunks):
                    return

        await asyncio.wait_for(read(), 3)
    assert "ping" in "".join(chunks)


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_topic_permissions_are_checked(server: Server) -> None:
    async with server.as_role("viewer") as client:
        denied = await client.get("/api/events?topics=runs")
        assert denied.status_code == 403
        assert denied.json()["error"]["details"] == {"topic": "runs"}
        bad = await client.get("/api/events?topics=Bad%20Topic")
        assert bad.status_code == 422


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_unfiltered_stream_hides_topics_the_caller_may_not_read(server: Server) -> None:
    async with (
        server.as_role("viewer") as viewer,
        server.admin() as admin,
        aconnect_sse(viewer, "GET", "/api/events") as source,
    ):
        await wait_for_subscribers(server)
        await admin.post("/api/events", json={"topic": "runs", "type": "secret-run"})
        await admin.post("/api/events", json={"topic": "system", "type": "visible"})
        got = await next_data(source)
    assert got["type"] == "visible"


async def test_recent_events_for_first_paint(server: Server) -> None:
    async with server.admin() as client:
        for n in range(3):
            await client.post("/api/events", json={"topic": "feed", "type": "t", "data": n})
        recent = (await client.get("/api/events/recent?topics=feed&limit=2")).json()
    assert [e["data"] for e in recent] == [1, 2]


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_streams_end_when_the_server_stops(
    server_settings: Any, file_config: FileConfig
) -> None:
    from .conftest import start_server

    uv, task = await start_server(server_settings, file_config)
    token = server_settings.admin_token.get_secret_value()
    async with (
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{server_settings.port}",
            headers={"authorization": f"Bearer {token}"},
        ) as client,
        aconnect_sse(client, "GET", "/api/events") as source,
    ):
        started = time.perf_counter()
        uv.should_exit = True
        with contextlib.suppress(httpx.RemoteProtocolError, httpx.ReadError):
            async for _ in source.aiter_sse():
                pass
    await asyncio.wait_for(task, 10)
    assert time.perf_counter() - started < 10
