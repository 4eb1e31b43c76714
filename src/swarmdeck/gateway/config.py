"""The gateway's sections of the YAML file: providers, model aliases, rate limits, cache."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from swarmdeck._durations import Duration


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ProviderType = Literal["openai", "anthropic"]


class ProviderConfig(_Section):
    """An upstream: `openai` is any OpenAI-wire API (OpenRouter, vLLM, Ollama, ...)."""

    type: ProviderType
    base_url: str = Field(description="e.g. https://api.openai.com/v1 or https://api.anthropic.com")
    api_key: SecretStr | None = Field(default=None, description="the provider key itself")
    api_key_env: str | None = Field(
        default=None, description="or the environment variable that holds it"
    )
    headers: dict[str, str] = Field(default_factory=dict, description="extra headers to send")
    timeout: Duration = Field(default=600.0, description="whole-request timeout")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.rstrip("/")


class PriceConfig(_Section):
    """A per-model price in USD per million tokens, overriding genai-prices."""

    input_per_mtok: Decimal = Field(ge=0)
    output_per_mtok: Decimal = Field(ge=0)
    cached_input_per_mtok: Decimal | None = Field(
        default=None, ge=0, description="cache reads; the input price when absent"
    )
    cache_write_per_mtok: Decimal | None = Field(
        default=None, ge=0, description="cache writes (Anthropic); the input price when absent"
    )


class DeploymentConfig(_Section):
    """One place an alias can be served: a provider and the model name it knows."""

    provider: str
    model: str
    weight: float = Field(default=1.0, gt=0)
    rpm: int | None = Field(default=None, ge=1, description="requests per minute it accepts")
    tpm: int | None = Field(default=None, ge=1, description="tokens per minute it accepts")


ALIAS_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$"


class ModelConfig(_Section):
    """An alias clients ask for, the deployments behind it, and where to go when they fail."""

    name: str = Field(pattern=ALIAS_PATTERN)
    deployments: list[DeploymentConfig] = Field(min_length=1)
    fallbacks: list[str] = Field(default_factory=list, description="aliases tried in order")
    price: PriceConfig | None = None
    max_output_tokens: int | None = Field(
        default=None, ge=1, description="worst case reserved when a request sets no max_tokens"
    )


class RateLimitConfig(_Section):
    rpm: int | None = Field(default=None, ge=1, description="requests per minute")
    tokens_per_hour: int | None = Field(default=None, ge=1)


class RateLimitsConfig(_Section):
    """Limits per key, user, swarm and model; the entry `default` applies to every one."""

    keys: dict[str, RateLimitConfig] = Field(default_factory=dict)
    users: dict[str, RateLimitConfig] = Field(default_factory=dict)
    swarms: dict[str, RateLimitConfig] = Field(default_factory=dict)
    models: dict[str, RateLimitConfig] = Field(default_factory=dict)


class ExactCacheConfig(_Section):
    enabled: bool = True
    ttl: Duration = 86400.0


class SemanticCacheConfig(_Section):
    enabled: bool = True
    threshold: float = Field(default=0.95, gt=0, le=1, description="cosine similarity to consider")
    ttl: Duration = 86400.0


class CacheConfig(_Section):
    exact: ExactCacheConfig = Field(default_factory=ExactCacheConfig)
    semantic: SemanticCacheConfig = Field(default_factory=SemanticCacheConfig)


class RoutingConfig(_Section):
    retries: int = Field(default=2, ge=0, le=10, description="retries per deployment")
    backoff: Duration = Field(default=0.25, description="first retry delay, doubled each time")
    max_retry_after: Duration = Field(
        default=30.0, description="longest provider retry-after honoured before failing over"
    )
    breaker_failures: int = Field(
        default=5, ge=1, description="consecutive failures that open a deployment's circuit"
    )
    breaker_cooldown: Duration = Field(default=30.0, description="how long a circuit stays open")


class GatewayConfig(_Section):
    """How the gateway behaves where no model or budget says otherwise."""

    unpriced: Literal["refuse", "default"] = Field(
        default="refuse", description="a model with no price: refuse it, or use default_price"
    )
    default_price: PriceConfig | None = None
    max_output_tokens: int = Field(
        default=4096, ge=1, description="worst case reserved when neither request nor model cap it"
    )
    capture_prompts: bool = Field(
        default=False, description="put sanitised prompts and completions on spans"
    )
    routing: RoutingConfig = Field(default_factory=RoutingConfig)

    @model_validator(mode="after")
    def _default_price_when_needed(self) -> GatewayConfig:
        if self.unpriced == "default" and self.default_price is None:
            raise ValueError("unpriced: default needs a default_price")
        return self


def check_model_graph(
    providers: dict[str, ProviderConfig], models: list[ModelConfig]
) -> list[ModelConfig]:
    """Every deployment names a provider; every fallback names an alias; aliases are unique."""
    names = [model.name for model in models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"model aliases must be unique; repeated: {', '.join(duplicates)}")
    for model in models:
        for deployment in model.deployments:
            if deployment.provider not in providers:
                raise ValueError(
                    f"model {model.name!r} uses unknown provider {deployment.provider!r}"
                )
        for fallback in model.fallbacks:
            if fallback not in names:
                raise ValueError(f"model {model.name!r} falls back to unknown model {fallback!r}")
            if fallback == model.name:
                raise ValueError(f"model {model.name!r} falls back to itself")
    return models
