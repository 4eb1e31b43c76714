"""Circuit breakers, weighted deployment order, fallbacks chains, retry-after parsing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from swarmdeck.core.errors import NotFound
from swarmdeck.gateway import Router
from swarmdeck.gateway._breaker import CircuitBreaker
from swarmdeck.gateway._upstream import retry_after_seconds
from swarmdeck.gateway.config import ModelConfig, ProviderConfig, RoutingConfig
from swarmdeck.gateway.providers import build_provider


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown=10, clock=clock)
    for _ in range(2):
        breaker.failed()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 10
    assert breaker.state == "half-open"
    assert breaker.allow()  # the one trial
    assert not breaker.allow()  # nobody else while it runs
    breaker.failed()
    assert breaker.state == "open"  # a failed trial opens it for another cooldown
    clock.now += 10
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(failures=2, cooldown=10, clock=Clock())
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert breaker.state == "closed"


def _router(*models: ModelConfig, seed: int = 1) -> Router:
    providers = {
        "p": build_provider("p", ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1"))
    }
    return Router(
        list(models), providers, RoutingConfig(breaker_failures=1), rng=random.Random(seed)
    )


def _model(name: str, *weights: float, fallbacks: list[str] | None = None) -> ModelConfig:
    return ModelConfig.model_validate(
        {
            "name": name,
            "deployments": [
                {"provider": "p", "model": f"{name}-{i}", "weight": w}
                for i, w in enumerate(weights)
            ],
            "fallbacks": fallbacks or [],
        }
    )


def test_deployments_are_chosen_in_proportion_to_their_weights() -> None:
    router = _router(_model("m", 3, 1))
    route = router.route("m")
    firsts = Counter(router.order(route)[0].model for _ in range(4000))
    assert 0.70 < firsts["m-0"] / 4000 < 0.80


def test_an_open_circuit_sends_its_deployment_to_the_back() -> None:
    router = _router(_model("m", 100, 1))
    route = router.route("m")
    route.deployments[0].record(ok=False, latency_ms=1, error="HTTP 500")
    assert route.deployments[0].breaker.state == "open"
    assert [d.model for d in router.order(route)] == ["m-1", "m-0"]


def test_fallback_chains_follow_each_alias_once() -> None:
    router = _router(
        _model("a", 1, fallbacks=["b", "c"]), _model("b", 1, fallbacks=["a", "c"]), _model("c", 1)
    )
    assert [route.alias for route in router.chain("a")] == ["a", "b", "c"]


def test_unknown_alias_names_the_known_ones() -> None:
    with pytest.raises(NotFound, match="known models: a"):
        _router(_model("a", 1)).route("b")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), ("0.5", 0.5), (None, None), ("soon", None), ("-3", 0.0)],
)
def test_retry_after_accepts_seconds(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header) == expected


def test_retry_after_accepts_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds(when)
    assert seconds is not None and 28 <= seconds <= 30
