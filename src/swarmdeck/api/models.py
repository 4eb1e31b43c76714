"""The gateway's model aliases with their deployments' health, for the Gateway page."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal

router = APIRouter(tags=["gateway"])


class DeploymentOut(BaseModel):
    id: str
    provider: str
    provider_type: Literal["openai", "anthropic"]
    model: str
    weight: float
    rpm: int | None
    tpm: int | None
    circuit: Literal["closed", "open", "half-open"]
    requests: int = Field(description="since this process started")
    errors: int
    error_rate: float | None
    p50_ms: float | None = Field(description="over the last 512 calls")
    p95_ms: float | None
    last_error: str | None


class ModelOut(BaseModel):
    name: str
    fallbacks: list[str]
    priced_by: str | None = Field(
        description="`override`, `genai-prices` or `default`; null: calls are refused"
    )
    deployments: list[DeploymentOut]


class ModelsOut(BaseModel):
    models: list[ModelOut]


@router.get("/api/gateway/models", responses=error_responses(401, 403))
async def gateway_models(
    runtime: RuntimeDep, _: Principal = require("gateway", "read")
) -> ModelsOut:
    """Aliases, deployments, circuit state and latency as this replica sees them."""
    models = []
    for alias, route in runtime.gateway.router.routes.items():
        first = route.deployments[0]
        models.append(
            ModelOut(
                name=alias,
                fallbacks=list(route.config.fallbacks),
                priced_by=runtime.prices.source(
                    provider=first.provider.name, alias=alias, model=first.model
                ),
                deployments=[
                    DeploymentOut(
                        id=d.id,
                        provider=d.provider.name,
                        provider_type=d.provider.type,
                        model=d.model,
                        weight=d.weight,
                        rpm=d.rpm,
                        tpm=d.tpm,
                        circuit=d.breaker.state,
                        requests=d.stats.requests,
                        errors=d.stats.errors,
                        error_rate=d.stats.errors / d.stats.requests if d.stats.requests else None,
                        p50_ms=d.stats.percentile(0.5),
                        p95_ms=d.stats.percentile(0.95),
                        last_error=d.stats.last_error,
                    )
                    for d in route.deployments
                ],
            )
        )
    return ModelsOut(models=models)
