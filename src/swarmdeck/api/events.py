"""Live events: Server-Sent Events out, publishing in, recent history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from swarmdeck.api.body import RequestBody
from swarmdeck.api.deps import RuntimeDep, caller_of, require
from swarmdeck.core.auth import Caller, Principal
from swarmdeck.core.bus import Event, Follower
from swarmdeck.core.errors import InvalidInput, PermissionDenied
from swarmdeck.core.topics import TOPIC_PATTERN, read_permission
from swarmdeck.runtime import Runtime

router = APIRouter(tags=["events"])

TopicName = Annotated[str, Field(pattern=TOPIC_PATTERN.pattern)]


class PublishRequest(RequestBody):
    topic: TopicName
    type: Annotated[str, Field(min_length=1, max_length=128)]
    data: Any = None


class EventOut(BaseModel):
    id: str
    topic: str
    type: str
    data: Any
    ts: float


def parse_topics(
    runtime: Runtime, principal: Principal, topics: str | None
) -> frozenset[str] | None:
    """The requested topics, each checked against the caller's permissions; None means all."""
    if topics is None or not topics.strip():
        return None
    wanted = frozenset(t.strip() for t in topics.split(",") if t.strip())
    for topic in wanted:
        if not TOPIC_PATTERN.match(topic):
            raise InvalidInput(f"invalid topic name {topic!r}", details={"topic": topic})
        if not runtime.auth.roles.allows(principal.role, read_permission(topic)):
            raise PermissionDenied(f"may not read topic {topic!r}", details={"topic": topic})
    return wanted


def may_read(runtime: Runtime, principal: Principal, topic: str) -> bool:
    return runtime.auth.roles.allows(principal.role, read_permission(topic))


@router.get(
    "/api/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "an event stream"}},
)
async def stream_events(
    runtime: RuntimeDep,
    principal: Principal = require("dashboard", "read"),
    topics: Annotated[str | None, Query(max_length=2048, description="comma-separated")] = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
    since: Annotated[
        str | None, Query(max_length=64, description="resume after this event id")
    ] = None,
) -> EventSourceResponse:
    """Stream bus events as SSE, resuming after `Last-Event-ID` from the replay buffer."""
    wanted = parse_topics(runtime, principal, topics)
    follower = Follower(runtime.bus, wanted, last_event_id=last_event_id or since)
    await follower.start()

    async def frames() -> AsyncIterator[ServerSentEvent]:
        try:
            async for event in follower.events():
                if wanted is None and not may_read(runtime, principal, event.topic):
                    continue
                yield ServerSentEvent(data=event.wire, id=event.id)
        finally:
            await follower.close()

    shutdown = anyio.Event()

    async def end_on_shutdown() -> None:
        # Ending the stream lets the response finish cleanly on SIGTERM.
        await shutdown.wait()
        await follower.close()

    return EventSourceResponse(
        frames(),
        ping=runtime.config.events.heartbeat_seconds,
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        shutdown_event=shutdown,
        shutdown_grace_period=1.0,
        data_sender_callable=end_on_shutdown,
    )


async def publish_as(runtime: Runtime, caller: Caller, body: PublishRequest) -> Event:
    """Publish on behalf of a caller; an outside publish is a change, so it is audited."""
    event = await runtime.bus.publish(body.topic, body.type, body.data)
    await runtime.audit.record(
        caller.actor,
        "event.publish",
        resource_type="dashboard",
        resource_id=event.id,
        details={"topic": body.topic, "type": body.type},
    )
    return event


@router.post("/api/events", status_code=202)
async def publish_event(
    body: PublishRequest,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("dashboard", "write"),
) -> EventOut:
    """Publish an event (announcements, integration tests, external systems)."""
    event = await publish_as(runtime, caller_of(request, principal), body)
    return EventOut(**event.to_dict())


@router.get("/api/events/recent")
async def recent_events(
    runtime: RuntimeDep,
    principal: Principal = require("dashboard", "read"),
    topics: Annotated[str | None, Query(max_length=2048)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EventOut]:
    """The newest buffered events, oldest first, for a page's first paint."""
    wanted = parse_topics(runtime, principal, topics)
    events = await runtime.bus.recent(wanted, limit=limit)
    return [EventOut(**e.to_dict()) for e in events if may_read(runtime, principal, e.topic)]
