"""The control WebSocket: commands, errors, subscriptions, and the same auth as HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from swarmdeck.api.ws import _Connection
from swarmdeck.config import EventsConfig, FileConfig, Settings
from swarmdeck.core.auth import Caller
from swarmdeck.runtime import Runtime

from .conftest import Server


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/api/ws"


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def reply_to(ws: ClientConnection, message_id: str) -> dict[str, Any]:
    while True:
        message = await receive(ws)
        if message.get("id") == message_id:
            return message


async def test_command_gets_a_result_with_its_id(server: Server) -> None:
    async with connect(
        ws_url(server), additional_headers={"authorization": f"Bearer {server.token}"}
    ) as ws:
        await ws.send(
            json.dumps({"id": "1", "type": "command", "command": "ping", "args": {"echo": 7}})
        )
        assert await reply_to(ws, "1") == {"id": "1", "result": {"pong": True, "echo": 7}}
        await ws.send(
            json.dumps({"id": "2", "type": "command", "command": "system.status", "args": {}})
        )
        status = await reply_to(ws, "2")
        assert {c["name"] for c in status["result"]["components"]} >= {"database", "event-bus"}


async def test_subscribed_topics_stream_events(server: Server) -> None:
    async with connect(
        ws_url(server), additional_headers={"authorization": f"Bearer {server.token}"}
    ) as ws:
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "topics": ["demo"]}))
        assert (await reply_to(ws, "s"))["result"] == {"topics": ["demo"]}
        async with server.admin() as client:
            await client.post("/api/events", json={"topic": "ignored", "type": "x"})
            sent = (
                await client.post(
                    "/api/events", json={"topic": "demo", "type": "hello", "data": [1]}
                )
            ).json()
        message = await receive(ws)
        assert message == {"type": "event", "event": sent}
        await ws.send(json.dumps({"id": "u", "type": "unsubscribe", "topics": ["demo"]}))
        assert (await reply_to(ws, "u"))["result"] == {"topics": []}


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_bad_messages_get_errors_and_the_socket_stays_open(server: Server) -> None:
    async with connect(
        ws_url(server), additional_headers={"authorization": f"Bearer {server.token}"}
    ) as ws:
        await ws.send("{not json")
        assert (await receive(ws))["error"]["type"] == "malformed_json"
        await ws.send(json.dumps({"id": "a", "type": "dance"}))
        assert (await reply_to(ws, "a"))["error"]["type"] == "invalid_input"
        await ws.send(json.dumps({"id": "b", "type": "command", "command": "no.such"}))
        assert (await reply_to(ws, "b"))["error"]["type"] == "not_found"
        await ws.send(
            json.dumps(
                {"id": "c", "type": "command", "command": "events.publish", "args": {"topic": 1}}
            )
        )
        assert (await reply_to(ws, "c"))["error"]["type"] == "invalid_input"
        await ws.send(json.dumps({"id": "d", "type": "subscribe", "topics": ["Bad Topic"]}))
        assert (await reply_to(ws, "d"))["error"]["type"] == "invalid_input"
        await ws.send(json.dumps({"id": "e", "type": "command", "command": "ping"}))
        assert (await reply_to(ws, "e"))["result"]["pong"] is True


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_commands_check_permissions_like_http(server: Server) -> None:
    cookie, _ = await server.session_cookie("viewer")
    headers = {"cookie": f"swarmdeck_session={cookie}", "origin": server.url}
    async with connect(ws_url(server), additional_headers=headers) as ws:
        await ws.send(
            json.dumps(
                {
                    "id": "p",
                    "type": "command",
                    "command": "events.publish",
                    "args": {"topic": "t", "type": "x"},
                }
            )
        )
        assert (await reply_to(ws, "p"))["error"]["type"] == "permission_denied"
        await ws.send(json.dumps({"id": "c", "type": "subscribe", "topics": ["runs"]}))
        assert (await reply_to(ws, "c"))["error"]["type"] == "permission_denied"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_handshake_without_credentials_is_refused(server: Server) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with connect(ws_url(server)):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_cross_origin_cookie_handshake_is_refused(server: Server) -> None:
    cookie, _ = await server.session_cookie("admin")
    headers = {"cookie": f"swarmdeck_session={cookie}", "origin": "http://evil.example"}
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with connect(ws_url(server), additional_headers=headers):
            pass


class _SlowSocket:
    """A socket whose sends wait at a gate, like a client on a slow link."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        self.sent.append(json.loads(text))


async def test_a_lagging_socket_resumes_from_the_buffer_without_loss(tmp_path: Path) -> None:
    config = FileConfig(events=EventsConfig(subscriber_queue=10))
    runtime = Runtime.build(Settings(data_dir=tmp_path), config)
    socket = _SlowSocket()
    connection = _Connection(socket, runtime, Caller.cli())  # type: ignore[arg-type]
    await connection.handle(json.dumps({"id": "s", "type": "subscribe", "topics": ["t"]}))
    socket.gate.clear()
    for n in range(30):  # three times what the queue holds, while the socket is stuck
        await runtime.bus.publish("t", "tick", n)
        await asyncio.sleep(0)
    socket.gate.set()
    for _ in range(200):
        if len([m for m in socket.sent if m.get("type") == "event"]) == 30:
            break
        await asyncio.sleep(0.01)
    await connection.close()
    events = [m["event"]["data"] for m in socket.sent if m.get("type") == "event"]
    assert events == list(range(30))
