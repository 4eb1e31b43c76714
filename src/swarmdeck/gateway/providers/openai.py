"""OpenAI-wire providers: OpenAI itself, OpenRouter, Together, vLLM, Ollama, ..."""

from __future__ import annotations

from typing import Final

from swarmdeck.gateway.config import ProviderConfig
from swarmdeck.gateway.providers._base import Operation, UpstreamRequest, resolve_api_key

_PATHS: dict[Operation, tuple[str, str]] = {
    "chat": ("POST", "/chat/completions"),
    "embeddings": ("POST", "/embeddings"),
    "models": ("GET", "/models"),
}


class OpenAIProvider:
    type: Final = "openai"

    def __init__(self, name: str, config: ProviderConfig) -> None:
        self.name = name
        self._base = config.base_url
        self._timeout = config.timeout
        key = resolve_api_key(name, config)
        self._headers = {"content-type": "application/json", **config.headers}
        if key:
            self._headers["authorization"] = f"Bearer {key}"

    def request(self, operation: Operation, body: bytes | None) -> UpstreamRequest:
        method, path = _PATHS[operation]
        return UpstreamRequest(method, self._base + path, self._headers, body, self._timeout)
