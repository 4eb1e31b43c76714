"""One adapter per provider type behind one protocol; adding a type is adding a file."""

from __future__ import annotations

from swarmdeck.gateway.config import ProviderConfig
from swarmdeck.gateway.providers._base import (
    Operation,
    Provider,
    ProviderKeyMissing,
    UpstreamRequest,
    resolve_api_key,
)
from swarmdeck.gateway.providers.anthropic import AnthropicProvider
from swarmdeck.gateway.providers.openai import OpenAIProvider

__all__ = [
    "AnthropicProvider",
    "OpenAIProvider",
    "Operation",
    "Provider",
    "ProviderKeyMissing",
    "UpstreamRequest",
    "build_provider",
    "resolve_api_key",
]


def build_provider(name: str, config: ProviderConfig) -> Provider:
    if config.type == "anthropic":
        return AnthropicProvider(name, config)
    return OpenAIProvider(name, config)
