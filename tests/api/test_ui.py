"""The dashboard is served with SPA fallback and sensible cache headers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from swarmdeck.api.errors import install_error_handlers
from swarmdeck.api.ui import mount_ui


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "index-3f9a1c.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def client_for(dist: Path) -> httpx.AsyncClient:
    app = FastAPI()
    install_error_handlers(app)
    mount_ui(app, dist)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui")


async def test_index_is_served_and_never_cached(dist: Path) -> None:
    async with client_for(dist) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "id=root" in response.text
    assert response.headers["cache-control"] == "no-cache"


async def test_client_side_routes_fall_back_to_index(dist: Path) -> None:
    async with client_for(dist) as client:
        response = await client.get("/settings")
    assert response.status_code == 200
    assert "id=root" in response.text


async def test_hashed_assets_are_cached_forever(dist: Path) -> None:
    async with client_for(dist) as client:
        response = await client.get("/assets/index-3f9a1c.js")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


async def test_missing_asset_is_404_not_index(dist: Path) -> None:
    async with client_for(dist) as client:
        response = await client.get("/assets/gone-123.js")
    assert response.status_code == 404


async def test_path_traversal_does_not_escape_the_dist_dir(dist: Path) -> None:
    (dist.parent / "secret.txt").write_text("top secret")
    async with client_for(dist) as client:
        response = await client.get("/..%2Fsecret.txt")
    assert "top secret" not in response.text


async def test_unknown_api_paths_stay_json_404s(dist: Path) -> None:
    async with client_for(dist) as client:
        response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


async def test_unbuilt_dashboard_explains_how_to_build_it(tmp_path: Path) -> None:
    async with client_for(tmp_path / "missing") as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "make install" in response.text
