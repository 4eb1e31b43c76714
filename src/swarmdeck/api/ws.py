"""The control WebSocket: commands with results, topic subscriptions with live events.

In:  `{"id", "type": "command", "command", "args"}`, `{"id", "type": "subscribe"|"unsubscribe", "topics"}`
Out: `{"id", "result"}` or `{"id", "error": {"type", "message", "details"}}`, and
     `{"type": "event", "event": {...}}` for subscribed topics.
Every command declares a permission, checked exactly as HTTP routes are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from swarmdeck.api.deps import caller_of, get_runtime, require
from swarmdeck.api.errors import error_body
from swarmdeck.api.events import PublishRequest, parse_topics, publish_as
from swarmdeck.core.auth import Caller, Permission, Principal
from swarmdeck.core.bus import Follower
from swarmdeck.core.errors import InvalidInput, NotFound, PermissionDenied, SwarmDeckError
from swarmdeck.runtime import Runtime

router = APIRouter(tags=["events"])

Handler = Callable[[Runtime, Caller, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    name: str
    permission: Permission
    handler: Handler
    any_scope: bool = False
    """The handler checks the exact scope (a tool, a server); here any scope will do."""


COMMANDS: dict[str, Command] = {}


def command(
    name: str, resource: str, action: str, scope: str | None = None, *, any_scope: bool = False
) -> Callable[[Handler], Handler]:
    """Register a WebSocket command and the permission it needs."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(
            name, Permission(resource, action, scope), handler, any_scope=any_scope
        )
        return handler

    return register


@command("ping", "dashboard", "read")
async def _ping(runtime: Runtime, caller: Caller, args: dict[str, Any]) -> Any:
    return {"pong": True, "echo": args.get("echo")}


@command("system.status", "dashboard", "read")
async def _status(runtime: Runtime, caller: Caller, args: dict[str, Any]) -> Any:
    return {"components": [c.to_dict() for c in runtime.status.snapshot()], "mode": runtime.mode}


@command("events.publish", "dashboard", "write")
async def _publish(runtime: Runtime, caller: Caller, args: dict[str, Any]) -> Any:
    try:
        body = PublishRequest.model_validate(args)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid event", details=json.loads(exc.json(include_url=False))
        ) from None
    return (await publish_as(runtime, caller, body)).to_dict()


class Message(BaseModel):
    id: str | int | None = None
    type: str = Field(pattern="^(command|subscribe|unsubscribe)$")
    command: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    topics: list[str] = Field(default_factory=list)


class _Connection:
    """One client's socket: serialised sends, its commands, its subscription."""

    def __init__(self, websocket: WebSocket, runtime: Runtime, caller: Caller) -> None:
        self.websocket = websocket
        self.runtime = runtime
        self.caller = caller
        self.principal = caller.principal
        self.topics: set[str] = set()
        self._send_lock = asyncio.Lock()
        self._follower: Follower | None = None
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_event_id: str | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(payload, default=str))

    async def reply_error(self, message_id: Any, exc: SwarmDeckError) -> None:
        await self.send({"id": message_id, **error_body(exc.type, exc.message, exc.details)})

    async def handle(self, raw: str) -> None:
        try:
            message = Message.model_validate_json(raw)
        except ValidationError as exc:
            kind = (
                "malformed_json"
                if any(e["type"] == "json_invalid" for e in exc.errors())
                else "invalid_input"
            )
            message_id = _best_effort_id(raw)
            await self.send(
                {
                    "id": message_id,
                    **error_body(kind, "invalid message", json.loads(exc.json(include_url=False))),
                }
            )
            return
        if message.type == "command":
            task = asyncio.create_task(self._run(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            try:
                await self._change_topics(message)
            except SwarmDeckError as exc:
                await self.reply_error(message.id, exc)

    async def _run(self, message: Message) -> None:
        try:
            found = COMMANDS.get(message.command or "")
            if found is None:
                raise NotFound(
                    f"unknown command {message.command!r}", details={"commands": sorted(COMMANDS)}
                )
            try:
                if found.any_scope:
                    self.runtime.auth.authorize_any_scope(self.principal, found.permission)
                else:
                    self.runtime.auth.authorize(self.principal, found.permission)
            except PermissionDenied as exc:
                await self.runtime.audit.record(
                    self.caller.actor,
                    "access.denied",
                    resource_type=found.permission.resource,
                    resource_id=f"ws:{found.name}",
                    result="denied",
                    details={"reason": exc.message, "needed": str(found.permission)},
                )
                raise
            result = await found.handler(self.runtime, self.caller, message.args)
            await self.send({"id": message.id, "result": result})
        except SwarmDeckError as exc:
            await self.reply_error(message.id, exc)

    async def _change_topics(self, message: Message) -> None:
        requested = (
            parse_topics(self.runtime, self.principal, ",".join(message.topics)) or frozenset()
        )
        if message.type == "subscribe":
            self.topics |= requested
        else:
            self.topics -= requested
        await self._resubscribe()
        await self.send({"id": message.id, "result": {"topics": sorted(self.topics)}})

    async def _resubscribe(self) -> None:
        await self._stop_pump()
        if self.topics:
            # Subscribed before the reply goes out, resuming after the last event sent, so
            # a topic change loses nothing.
            self._follower = Follower(
                self.runtime.bus, self.topics, last_event_id=self._last_event_id
            )
            await self._follower.start()
            self._pump = asyncio.create_task(self._forward(self._follower))

    async def _forward(self, follower: Follower) -> None:
        async for event in follower.events():
            await self.send({"type": "event", "event": event.to_dict()})
            self._last_event_id = event.id

    async def _stop_pump(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await self._pump
            self._pump = None
        if self._follower is not None:
            await self._follower.close()
            self._follower = None

    async def close(self) -> None:
        await self._stop_pump()
        for task in list(self._tasks):
            task.cancel()


def _best_effort_id(raw: str) -> Any:
    with contextlib.suppress(ValueError, AttributeError):
        return json.loads(raw).get("id")
    return None


@router.websocket("/api/ws")
async def control_socket(
    websocket: WebSocket, principal: Principal = require("dashboard", "read")
) -> None:
    """The dashboard's control channel."""
    await websocket.accept()
    connection = _Connection(websocket, get_runtime(websocket), caller_of(websocket, principal))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:  # binary frames: accept UTF-8 JSON there too
                text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
            await connection.handle(text)
    except WebSocketDisconnect:
        pass
    finally:
        await connection.close()
