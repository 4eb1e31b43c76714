"""Dashboard login with a token: cookies, CSRF, logout, rate limiting."""

from __future__ import annotations

import pytest

from .conftest import Server

pytestmark = pytest.mark.parametrize(
    "shape",
    ["embedded", pytest.param("scaled", marks=[pytest.mark.pg, pytest.mark.redis])],
    indirect=True,
)


async def test_login_sets_a_session_that_authenticates(server: Server) -> None:
    async with server.client() as client:
        response = await client.post("/api/login", json={"token": server.token})
        assert response.status_code == 200
        assert response.json() == {"name": "admin-token", "role": "admin"}
        set_cookie = ",".join(response.headers.get_list("set-cookie"))
        assert "swarmdeck_session=" in set_cookie and "HttpOnly" in set_cookie
        assert "SameSite=lax" in set_cookie or "samesite=lax" in set_cookie.lower()
        me = await client.get("/api/me")
        assert me.status_code == 200
        assert me.json()["kind"] == "token"
        csrf = client.cookies["swarmdeck_csrf"]
        published = await client.post(
            "/api/events", json={"topic": "t", "type": "x"}, headers={"x-csrf-token": csrf}
        )
        assert published.status_code == 202


async def test_wrong_token_is_401_and_sets_nothing(server: Server) -> None:
    async with server.client() as client:
        response = await client.post("/api/login", json={"token": "nope"})
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert (await client.get("/api/me")).status_code == 401


async def test_logout_ends_the_session_even_for_a_copied_cookie(server: Server) -> None:
    async with server.client() as client:
        await client.post("/api/login", json={"token": server.token})
        copied = client.cookies["swarmdeck_session"]
        csrf = client.cookies["swarmdeck_csrf"]
        assert (await client.post("/api/logout", headers={"x-csrf-token": csrf})).status_code == 204
        assert (await client.get("/api/me")).status_code == 401
    async with server.client() as replay:
        replay.cookies.set("swarmdeck_session", copied)
        assert (await replay.get("/api/me")).status_code == 401


async def test_logout_without_the_csrf_token_is_refused(server: Server) -> None:
    async with server.client() as client:
        await client.post("/api/login", json={"token": server.token})
        refused = await client.post("/api/logout")
        assert refused.status_code == 403
        assert (await client.get("/api/me")).status_code == 200


async def test_login_attempts_are_rate_limited_per_address(server: Server) -> None:
    async with server.client() as client:
        statuses = [
            (await client.post("/api/login", json={"token": "guess"})).status_code
            for _ in range(12)
        ]
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429, 429]
        limited = await client.post("/api/login", json={"token": server.token})
    assert limited.status_code == 429
    assert limited.json()["error"]["type"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
