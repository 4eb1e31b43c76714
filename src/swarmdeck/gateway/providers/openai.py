"""OpenAI-wire providers: OpenAI itself, OpenRouter, Together, vLLM, Ollama, Azure, ..."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit, urlunsplit

from swarmdeck.gateway.config import ProviderConfig
from swarmdeck.gateway.providers._base import Operation, UpstreamRequest, resolve_api_key

_PATHS: dict[Operation, tuple[str, str]] = {
    "chat": ("POST", "/chat/completions"),
    "embeddings": ("POST", "/embeddings"),
    "models": ("GET", "/models"),
}
_AZURE_HOSTS = (".openai.azure.com", ".services.ai.azure.com", ".cognitiveservices.azure.com")


class OpenAIProvider:
    type: Final = "openai"

    def __init__(self, name: str, config: ProviderConfig) -> None:
        self.name = name
        # Azure-style base URLs carry a query (`?api-version=...`) that must stay at the end.
        parts = urlsplit(config.base_url)
        self._base = urlunsplit(parts._replace(query="")).rstrip("/")
        self._query = f"?{parts.query}" if parts.query else ""
        self._timeout = config.timeout
        key = resolve_api_key(name, config)
        self._headers = {"content-type": "application/json", **config.headers}
        if key:
            if (parts.hostname or "").endswith(_AZURE_HOSTS):
                self._headers["api-key"] = key  # Azure takes keys here, not as a bearer
            else:
                self._headers["authorization"] = f"Bearer {key}"

    def request(self, operation: Operation, body: bytes | None) -> UpstreamRequest:
        method, path = _PATHS[operation]
        return UpstreamRequest(
            method, self._base + path + self._query, self._headers, body, self._timeout
        )
