"""Health, readiness, metrics, the caller, component status and masked settings."""

from __future__ import annotations

from swarmdeck.config import MASK

from .conftest import Server


async def test_healthz_needs_no_credentials(server: Server) -> None:
    async with server.client() as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_every_dependency(server: Server) -> None:
    async with server.client() as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "event-bus", "counters"}
    assert all(problem is None for problem in body["checks"].values())


async def test_metrics_expose_request_latency_by_route_template(server: Server) -> None:
    async with server.admin() as client:
        assert (await client.get("/api/me")).status_code == 200
        text = (await client.get("/metrics")).text
    assert "http_server_request_duration_seconds" in text
    assert 'http_route="/api/me"' in text


async def test_me_returns_the_caller(server: Server) -> None:
    async with server.admin() as client:
        response = await client.get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["role"], body["kind"]) == ("admin-token", "admin", "token")
    assert "*:*" in body["permissions"]


async def test_system_status_lists_components(server: Server, shape: str) -> None:
    async with server.admin() as client:
        body = (await client.get("/api/system/status")).json()
    assert body["mode"] == shape
    names = {c["name"]: c for c in body["components"]}
    assert {"database", "event-bus", "counters"} <= set(names)
    assert all(c["status"] == "ok" for c in names.values())
    expected_db = "sqlite" if shape == "embedded" else "postgresql"
    assert names["database"]["detail"] == expected_db


async def test_settings_are_masked(server: Server) -> None:
    async with server.admin() as client:
        response = await client.get("/api/settings")
    assert response.status_code == 200
    assert server.token not in response.text
    assert response.json()["settings"]["admin_token"] == MASK
    assert response.json()["settings"]["secret_key"] == MASK


async def test_responses_carry_a_request_id(server: Server) -> None:
    async with server.client() as client:
        echoed = await client.get("/healthz", headers={"x-request-id": "abc-123"})
        generated = await client.get("/healthz")
    assert echoed.headers["x-request-id"] == "abc-123"
    assert len(generated.headers["x-request-id"]) >= 16
