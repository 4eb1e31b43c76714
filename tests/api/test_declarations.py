"""Every route declares its permission; anonymous callers and under-privileged roles are refused.

The role x route matrix is generated from the declarations themselves, so a new route is
covered the moment it is added.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from swarmdeck.api.declarations import declared_routes, undeclared_plain_routes
from swarmdeck.api.deps import Authenticated, Public
from swarmdeck.app import create_app
from swarmdeck.config import FileConfig, Settings
from swarmdeck.core.auth import BUILTIN_ROLES, RoleBook

from .conftest import Server


def routes() -> list[tuple[str, str, list[Any]]]:
    app = create_app(Settings(), FileConfig())
    return [(r.method, r.path, list(r.declarations)) for r in declared_routes(app)]


ROUTES = routes()


def test_every_route_declares_a_permission_or_says_it_is_public() -> None:
    missing = [(m, p) for m, p, found in ROUTES if not found]
    assert missing == []
    assert len(ROUTES) > 10


def test_plain_routes_outside_fastapi_declare_their_permission_too() -> None:
    app = create_app(Settings(), FileConfig())
    assert undeclared_plain_routes(app) == []
    gateway = {(m, p) for m, p, _ in ROUTES if p.startswith("/v1/")}
    assert ("POST", "/v1/chat/completions") in gateway
    assert ("GET", "/v1/models") in gateway


def test_public_routes_are_only_health_login_metrics_and_the_ui() -> None:
    public = {p for _, p, found in ROUTES if any(isinstance(d, Public) for d in found)}
    assert public == {
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/login",
        "/api/logout",
        "/{path:path}",
    }


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


PROTECTED = [
    (method, path, next(d for d in found if not isinstance(d, Public)))
    for method, path, found in ROUTES
    if method != "WS" and found and not any(isinstance(d, Public) for d in found)
]


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_anonymous_callers_get_401_on_every_protected_route(server: Server) -> None:
    async with server.client() as client:
        for method, path, _ in PROTECTED:
            response = await client.request(method, _concrete(path), json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["error"]["type"] == "unauthenticated"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
async def test_role_route_matrix_follows_the_declarations(server: Server, role: str) -> None:
    book = RoleBook()
    async with server.as_role(role) as client:
        for method, path, declared in PROTECTED:
            if path == "/api/events" and method == "GET":
                continue  # a stream: covered by test_events
            response = await client.request(method, _concrete(path), json={})
            allowed = isinstance(declared, Authenticated) or book.allows(role, declared.permission)
            if allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert response.json()["error"]["type"] == "permission_denied"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_cookie_writes_without_csrf_token_are_refused(server: Server) -> None:
    async with server.as_role("admin") as client:
        del client.headers["x-csrf-token"]
        response = await client.post("/api/events", json={"topic": "t", "type": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_bad_bearer_token_is_401_not_anonymous(server: Server) -> None:
    async with server.client(token="wrong") as client:
        response = await client.get("/healthz")
        assert response.status_code == 200  # public routes ignore credentials
        response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_a_forged_session_cookie_is_ignored(server: Server) -> None:
    cookie, _ = await server.session_cookie("admin")
    body, _, _signature = cookie.partition(".")
    async with server.client() as client:
        client.cookies.set("swarmdeck_session", f"{body}.forged")
        response = await client.get("/api/me")
    assert response.status_code == 401
