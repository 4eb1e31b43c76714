"""The native Anthropic Messages API."""

from __future__ import annotations

from typing import Final

from swarmdeck.core.errors import InvalidInput
from swarmdeck.gateway.config import ProviderConfig
from swarmdeck.gateway.providers._base import Operation, UpstreamRequest, resolve_api_key

ANTHROPIC_VERSION = "2023-06-01"


class AnthropicProvider:
    type: Final = "anthropic"

    def __init__(self, name: str, config: ProviderConfig) -> None:
        self.name = name
        # Accept both https://api.anthropic.com and https://api.anthropic.com/v1.
        self._base = config.base_url.removesuffix("/v1") + "/v1"
        self._timeout = config.timeout
        key = resolve_api_key(name, config)
        self._headers = {
            "content-type": "application/json",
            "anthropic-version": ANTHROPIC_VERSION,
            **config.headers,
        }
        if key:
            self._headers["x-api-key"] = key

    def request(self, operation: Operation, body: bytes | None) -> UpstreamRequest:
        if operation == "chat":
            return UpstreamRequest(
                "POST", self._base + "/messages", self._headers, body, self._timeout
            )
        if operation == "models":
            return UpstreamRequest("GET", self._base + "/models", self._headers, None, 10.0)
        raise InvalidInput(f"provider {self.name!r} (anthropic) does not serve {operation}")
