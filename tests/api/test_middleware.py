"""RequestContextMiddleware: request ids, HTTP metrics by route template, the access log."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message

from swarmdeck import __version__
from swarmdeck.api.middleware import RequestContextMiddleware
from swarmdeck.core.logs import JsonFormatter, current_request_id
from swarmdeck.core.telemetry import configure_telemetry, render_prometheus

DURATION = "http_server_request_duration_seconds"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def telemetry() -> None:
    configure_telemetry(service_version=__version__, otlp_endpoint=None)


def build_app() -> FastAPI:
    app = FastAPI()  # native metrics on by default; the middleware must switch them off

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, object]:
        return {"item_id": item_id, "request_id": current_request_id()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaboom")

    users = APIRouter()

    @users.get("/{name}")
    async def read_user(name: str) -> dict[str, str]:
        return {"name": name}

    app.include_router(users, prefix="/api/users")

    async def message(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.path_params["topic"])

    app.mount("/mcp", Starlette(routes=[Route("/messages/{topic}", message)]))

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"request_id": current_request_id()})
        await websocket.close()

    return app


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(RequestContextMiddleware(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(build_app()) as client:
        yield client


def exposition() -> str:
    body, content_type = render_prometheus()
    assert content_type.startswith("text/plain")
    return body.decode()


def request_count(route: str, status: int, method: str = "GET") -> float:
    """How many requests the middleware's histogram counted for these labels so far."""
    for family in text_string_to_metric_families(exposition()):
        if family.name != DURATION:
            continue
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == f"{DURATION}_count"
                and labels.get("otel_scope_name") == "swarmdeck"
                and labels["http_route"] == route
                and labels["http_response_status_code"] == str(status)
                and labels["http_request_method"] == method
            ):
                return sample.value
    return 0.0


@pytest.mark.parametrize("sent", ["trace-Abc_1.2-3", "x" * 128])
async def test_a_sane_client_request_id_is_echoed(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get("/items/1", headers={"x-request-id": sent})
    assert response.headers["x-request-id"] == sent
    assert response.json()["request_id"] == sent


@pytest.mark.parametrize(
    "sent", [None, b"", b"has space", b"semi;colon", "é".encode(), b"<script>", b"x" * 129]
)
async def test_a_missing_or_insane_request_id_is_replaced(
    client: httpx.AsyncClient, sent: bytes | None
) -> None:
    headers = {} if sent is None else {"x-request-id": sent}
    response = await client.get("/items/1", headers=headers)
    generated = response.headers["x-request-id"]
    assert HEX_ID.fullmatch(generated)
    assert response.json()["request_id"] == generated


async def test_each_request_gets_its_own_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/items/1")
    second = await client.get("/items/1")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_duration_is_recorded_by_route_template_not_raw_path(
    client: httpx.AsyncClient,
) -> None:
    before = request_count("/items/{item_id}", 200)
    for item in (11, 12, 13):
        assert (await client.get(f"/items/{item}")).status_code == 200
    assert request_count("/items/{item_id}", 200) == before + 3
    text = exposition()
    assert f"{DURATION}_bucket{{" in text
    assert 'http_route="/items/{item_id}"' in text
    assert "/items/11" not in text


async def test_unmatched_urls_share_one_series(client: httpx.AsyncClient) -> None:
    before = request_count("<unmatched>", 404)
    for path in ("/no/such/page", "/another-missing-9f8e7d", "/items"):
        assert (await client.get(path)).status_code == 404
    assert request_count("<unmatched>", 404) == before + 3
    assert "another-missing-9f8e7d" not in exposition()


async def test_a_request_that_raises_is_counted_as_500(client: httpx.AsyncClient) -> None:
    before = request_count("/boom", 500)
    response = await client.get("/boom", headers={"x-request-id": "failing-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "failing-1"
    assert request_count("/boom", 500) == before + 1
    assert 'error_type="RuntimeError"' in exposition()


async def test_added_with_add_middleware_a_raising_request_is_counted_and_logged_with_its_id(
    access_log: io.StringIO,
) -> None:
    app = FastAPI()
    errors = logging.getLogger("test.errors")

    @app.get("/fail/{n}")
    async def fail(n: int) -> None:
        raise LookupError(n)

    async def unexpected(request: Request, exc: Exception) -> PlainTextResponse:
        errors.error("unhandled error")
        return PlainTextResponse("internal error", 500)

    app.add_exception_handler(Exception, unexpected)
    app.add_middleware(RequestContextMiddleware)  # inside Starlette's error middleware
    errors.addHandler(logging.getLogger("swarmdeck.access").handlers[-1])
    try:
        before = request_count("/fail/{n}", 500)
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/fail/3", headers={"x-request-id": "inner-1"})
    finally:
        errors.handlers.clear()
    assert (response.status_code, response.text) == (500, "internal error")
    assert request_count("/fail/{n}", 500) == before + 1
    access, error = (json.loads(line) for line in access_log.getvalue().splitlines())
    assert (access["route"], access["status"], access["request_id"]) == (
        "/fail/{n}",
        500,
        "inner-1",
    )
    assert (error["msg"], error["request_id"]) == ("unhandled error", "inner-1")


async def test_an_exception_escaping_a_bare_app_is_counted_as_500() -> None:
    async def bare(scope: object, receive: object, send: object) -> None:
        raise ValueError("no response at all")

    middleware = RequestContextMiddleware(bare)
    before = request_count("<unmatched>", 500, "POST")
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "root_path": ""}

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        raise AssertionError("nothing should be sent")

    with pytest.raises(ValueError, match="no response at all"):
        await middleware(scope, receive, send)
    assert request_count("<unmatched>", 500, "POST") == before + 1


async def test_included_router_and_mounted_app_routes_keep_their_full_template(
    client: httpx.AsyncClient,
) -> None:
    users_before = request_count("/api/users/{name}", 200)
    mcp_before = request_count("/mcp/messages/{topic}", 200)
    assert (await client.get("/api/users/ada")).json() == {"name": "ada"}
    assert (await client.get("/mcp/messages/news")).text == "news"
    assert request_count("/api/users/{name}", 200) == users_before + 1
    assert request_count("/mcp/messages/{topic}", 200) == mcp_before + 1


async def test_unknown_methods_are_reported_as_other(client: httpx.AsyncClient) -> None:
    before = request_count("/items/{item_id}", 405, "_OTHER")
    assert (await client.request("BREW", "/items/1")).status_code == 405
    assert request_count("/items/{item_id}", 405, "_OTHER") == before + 1


async def test_request_counter_and_exposition_stay_valid_alongside_fastapi(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/items/5")
    text = exposition()
    assert "swarmdeck_http_server_requests_total{" in text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    scopes = {sample.labels.get("otel_scope_name") for sample in families[DURATION].samples}
    assert scopes == {"swarmdeck"}  # FastAPI's duplicate histogram is switched off


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("swarmdeck.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_each_request_writes_one_access_line(
    client: httpx.AsyncClient, access_log: io.StringIO
) -> None:
    await client.get("/items/7", headers={"x-request-id": "access-1"})
    (line,) = access_log.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "INFO"
    assert record["request_id"] == "access-1"
    assert (record["method"], record["route"], record["status"]) == ("GET", "/items/{item_id}", 200)
    assert isinstance(record["duration_ms"], float)
    assert record["msg"].startswith("GET /items/{item_id} 200 ")


async def test_websockets_get_a_request_id() -> None:
    middleware = RequestContextMiddleware(build_app())
    scope = {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"x-request-id", b"ws-1")],
        "subprotocols": [],
    }
    incoming = iter([{"type": "websocket.connect"}])
    sent: list[Message] = []

    async def receive() -> Message:
        return next(incoming, {"type": "websocket.disconnect", "code": 1000})

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    accept, data, close = sent
    assert accept["type"] == "websocket.accept"
    assert (b"x-request-id", b"ws-1") in accept["headers"]
    assert json.loads(data["text"]) == {"request_id": "ws-1"}
    assert close["type"] == "websocket.close"


async def test_lifespan_passes_through() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    middleware = RequestContextMiddleware(FastAPI(lifespan=lifespan))
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        sent.append(message["type"])

    await middleware({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert events == ["startup", "shutdown"]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
