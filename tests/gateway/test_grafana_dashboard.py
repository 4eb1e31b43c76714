"""The shipped Grafana dashboard only queries metrics a live server really exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import Server

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "swarmdeck-gateway.json"
_METRIC = re.compile(r"\b((?:gen_ai|swarmdeck)_[a-z0-9_]+_(?:total|bucket|sum|count))\b")


@pytest.fixture
def config_sections() -> dict[str, Any]:
    return {
        "cache": {"exact": {"enabled": True}, "semantic": {"enabled": False}},
        "rate_limits": {"swarms": {"tight": {"rpm": 1}}},
    }


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_every_panel_queries_metrics_the_server_exposes(gateway_server: Server) -> None:
    body = {"model": "gpt", "messages": [{"role": "user", "content": "dashboards"}]}
    async with httpx.AsyncClient(
        base_url=gateway_server.url, headers={"authorization": f"Bearer {gateway_server.token}"}
    ) as client:
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 200
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 200  # a hit
        streamed = {**body, "stream": True, "messages": [{"role": "user", "content": "stream"}]}
        assert (await client.post("/v1/chat/completions", json=streamed)).status_code == 200
        tight = {"x-swarmdeck-swarm": "tight"}
        await client.post("/v1/chat/completions", json=body, headers=tight)
        refused = await client.post("/v1/chat/completions", json=body, headers=tight)
        assert refused.status_code == 429
        exposed = (await client.get("/metrics")).text
    panels = json.loads(DASHBOARD.read_text())["panels"]
    queried = {m for p in panels for t in p["targets"] for m in _METRIC.findall(t["expr"])}
    assert len(queried) >= 8
    missing = sorted(name for name in queried if f"\n{name}{{" not in exposed)
    assert missing == []
