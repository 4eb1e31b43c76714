"""Aliases to deployments: weighted choice among healthy ones, per-deployment health stats.

`Router.plan(alias)` gives the order to try: the alias's deployments (weighted random
among those whose circuit allows a call, then the rest as a last resort), then each
fallback alias's deployments in turn.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from swarmdeck.core.errors import NotFound
from swarmdeck.gateway._breaker import CircuitBreaker
from swarmdeck.gateway.config import ModelConfig, RoutingConfig
from swarmdeck.gateway.providers import Provider

_LATENCY_SAMPLES = 512


@dataclass
class DeploymentStats:
    """What the Gateway page shows per deployment."""

    requests: int = 0
    errors: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_LATENCY_SAMPLES))
    last_error: str | None = None

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Deployment:
    alias: str
    index: int
    provider: Provider
    model: str
    weight: float
    rpm: int | None
    tpm: int | None
    breaker: CircuitBreaker
    stats: DeploymentStats = field(default_factory=DeploymentStats)

    @property
    def id(self) -> str:
        return f"{self.alias}#{self.index}"

    def record(self, *, ok: bool, latency_ms: float, error: str | None = None) -> None:
        self.stats.requests += 1
        self.stats.latencies_ms.append(latency_ms)
        if ok:
            self.breaker.succeeded()
        else:
            self.stats.errors += 1
            self.stats.last_error = error
            self.breaker.failed()


@dataclass
class ModelRoute:
    config: ModelConfig
    deployments: list[Deployment]

    @property
    def alias(self) -> str:
        return self.config.name


class Router:
    def __init__(
        self,
        models: list[ModelConfig],
        providers: dict[str, Provider],
        routing: RoutingConfig,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.routing = routing
        self._rng = rng or random.Random()  # noqa: S311 (load spreading, not security)
        self.routes: dict[str, ModelRoute] = {}
        for model in models:
            self.routes[model.name] = ModelRoute(
                model,
                [
                    Deployment(
                        alias=model.name,
                        index=index,
                        provider=providers[deployment.provider],
                        model=deployment.model,
                        weight=deployment.weight,
                        rpm=deployment.rpm,
                        tpm=deployment.tpm,
                        breaker=CircuitBreaker(
                            failures=routing.breaker_failures, cooldown=routing.breaker_cooldown
                        ),
                    )
                    for index, deployment in enumerate(model.deployments)
                ],
            )

    def route(self, alias: str) -> ModelRoute:
        found = self.routes.get(alias)
        if found is None:
            known = ", ".join(sorted(self.routes)) or "none configured"
            raise NotFound(
                f"model {alias!r} does not exist; known models: {known}",
                details={"model": alias},
            )
        return found

    def chain(self, alias: str) -> list[ModelRoute]:
        """The alias and its fallbacks (and theirs), each once, in the order to try them."""
        ordered: list[ModelRoute] = []
        pending = [alias]
        seen: set[str] = set()
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            route = self.route(name)
            ordered.append(route)
            pending.extend(route.config.fallbacks)
        return ordered

    def order(self, route: ModelRoute) -> list[Deployment]:
        """Deployments of one alias in the order to try: weighted shuffle of the healthy first."""
        healthy = [d for d in route.deployments if d.breaker.state != "open"]
        tripped = [d for d in route.deployments if d.breaker.state == "open"]
        if len(healthy) <= 1:
            return healthy + tripped
        # Weighted random order without replacement (Efraimidis-Spirakis keys).
        keyed = sorted(healthy, key=lambda d: self._rng.random() ** (1.0 / d.weight), reverse=True)
        return keyed + tripped
