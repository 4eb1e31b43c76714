"""One error shape for every error: malformed JSON, wrong types, unknown routes, wrong methods."""

from __future__ import annotations

import httpx
import pytest

from swarmdeck.api.declarations import declared_routes
from swarmdeck.api.deps import PUBLIC
from swarmdeck.app import create_app
from swarmdeck.config import FileConfig, Settings

from .conftest import Server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

WRITE_ROUTES = sorted(
    (route.method, route.path)
    for route in declared_routes(create_app(Settings(), FileConfig()))
    if route.method in {"POST", "PUT", "PATCH"}
    # Routes that take no body (logout) have nothing to validate.
    and getattr(route.route, "body_field", None) is not None
)


def assert_error_shape(body: dict[str, object]) -> None:
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"type", "message", "details"}
    assert isinstance(error["type"], str) and isinstance(error["message"], str)


async def test_malformed_json_to_every_write_route_is_a_json_4xx(server: Server) -> None:
    assert WRITE_ROUTES
    async with server.admin() as client:
        for method, path in WRITE_ROUTES:
            for raw in (b"{", b'{"topic": ', b"\xff\xfe", b"[1, 2", b"nul"):
                response = await client.request(
                    method, path, content=raw, headers={"content-type": "application/json"}
                )
                assert 400 <= response.status_code < 500, (method, path, raw, response.text)
                assert_error_shape(response.json())


async def test_wrong_types_to_every_write_route_are_a_json_422(server: Server) -> None:
    async with server.admin() as client:
        for method, path in WRITE_ROUTES:
            for body in ([], "text", 42, {"topic": 5, "type": [], "token": {}}):
                response = await client.request(method, path, json=body)
                assert response.status_code == 422, (method, path, body, response.text)
                assert_error_shape(response.json())
                assert response.json()["error"]["type"] == "invalid_input"


async def test_malformed_json_says_so(server: Server) -> None:
    async with server.admin() as client:
        response = await client.post(
            "/api/events", content=b"{", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "malformed_json"


async def test_validation_error_names_the_field(server: Server) -> None:
    async with server.admin() as client:
        response = await client.post("/api/events", json={"topic": "Not A Topic!", "type": "x"})
    assert response.status_code == 422
    assert "topic" in response.json()["error"]["message"]


async def test_unknown_api_route_is_a_json_404(server: Server) -> None:
    async with server.admin() as client:
        response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert_error_shape(response.json())
    assert response.json()["error"]["type"] == "not_found"


async def test_method_mismatch_is_a_json_405(server: Server) -> None:
    async with server.admin() as client:
        response = await client.delete("/api/me")
    assert response.status_code == 405
    assert response.json()["error"]["type"] == "method_not_allowed"


async def test_unexpected_errors_are_a_json_500_with_a_request_id(server: Server) -> None:
    app = create_app(server.settings, FileConfig())

    async def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/boom", boom, dependencies=[PUBLIC])
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the UI's catch-all
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"type": "internal_error", "message": "internal server error", "details": None}
    }
    assert "secret internals" not in response.text
    assert response.headers["x-request-id"]
