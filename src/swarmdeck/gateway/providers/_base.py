"""What every provider adapter does: build the upstream request for its own wire format."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, Protocol

from swarmdeck.gateway.config import ProviderConfig, ProviderType

Operation = Literal["chat", "embeddings", "models"]


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float


class Provider(Protocol):
    """One configured upstream. It speaks exactly one wire format (`type`)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> ProviderType: ...

    def request(self, operation: Operation, body: bytes | None) -> UpstreamRequest:
        """The HTTP request that performs `operation` with a body already in this wire format."""
        ...


class ProviderKeyMissing(RuntimeError):
    """A provider's key is neither in the config nor in the named environment variable."""


def resolve_api_key(name: str, config: ProviderConfig) -> str | None:
    """The provider key from the config, else from its env var; None for keyless upstreams."""
    if config.api_key is not None:
        return config.api_key.get_secret_value()
    if config.api_key_env is not None:
        value = os.environ.get(config.api_key_env)
        if not value:
            raise ProviderKeyMissing(
                f"provider {name!r}: environment variable {config.api_key_env} is not set"
            )
        return value
    return None
