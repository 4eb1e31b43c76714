"""A SwarmDeck server whose gateway points at fake providers on loopback, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from swarmdeck.config import FileConfig, Settings
from swarmdeck.testing import FakeProvider
from tests.api.conftest import SHAPES, Server, server_settings, serving, shape

__all__ = ["SHAPES", "server_settings", "shape"]

FAKE_KEY = "sk-fake-provider-key"

# Prices chosen so a test can compute every cost by hand.
GPT_PRICE = {"input_per_mtok": "2.5", "output_per_mtok": "10"}
CLAUDE_PRICE = {"input_per_mtok": "3", "output_per_mtok": "15"}


def gateway_config(openai_url: str, anthropic_url: str, **sections: Any) -> FileConfig:
    """Aliases `gpt` (OpenAI wire), `claude` (Anthropic), `flaky` (falls back to claude)."""
    raw: dict[str, Any] = {
        "providers": {
            "oai": {"type": "openai", "base_url": f"{openai_url}/v1", "api_key": FAKE_KEY},
            "ant": {"type": "anthropic", "base_url": anthropic_url, "api_key": FAKE_KEY},
        },
        "models": [
            {
                "name": "gpt",
                "deployments": [{"provider": "oai", "model": "gpt-4o"}],
                "price": GPT_PRICE,
            },
            {
                "name": "claude",
                "deployments": [{"provider": "ant", "model": "claude-sonnet-4"}],
                "price": CLAUDE_PRICE,
            },
            {
                "name": "flaky",
                "deployments": [{"provider": "oai", "model": "flaky-model"}],
                "fallbacks": ["claude"],
                "price": GPT_PRICE,
            },
        ],
        "gateway": {"routing": {"retries": 1, "backoff": 0.01}},
        "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
    }
    raw.update(sections)
    return FileConfig.model_validate(raw)


@pytest.fixture
async def fake() -> AsyncIterator[FakeProvider]:
    async with FakeProvider(api_key=FAKE_KEY) as provider:
        yield provider


@pytest.fixture
def config_sections() -> dict[str, Any]:
    """Override in a test module to add budgets, rate limits, cache settings."""
    return {}


@pytest.fixture
async def gateway_server(
    server_settings: Settings, fake: FakeProvider, config_sections: dict[str, Any]
) -> AsyncIterator[Server]:
    async with serving(server_settings, gateway_config(fake.url, fake.url, **config_sections)) as s:
        yield s
