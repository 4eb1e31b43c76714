"""Budgets, alerts and rate limits as a client meets them: 429s its SDK understands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest

from swarmdeck.testing import FakeProvider
from tests.api.conftest import Server

LIMIT = "0.001"


def chat(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt",
        "messages": [{"role": "user", "content": text}],
        "max_tokens": 20,
        **extra,
    }


@pytest.fixture
async def admin(gateway_server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_server.admin() as client:
        yield client


class TestBudgets:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        return {
            "budgets": {"global": {"limit_per_hour": LIMIT}},
            "alerts": {"check_seconds": 0.2},
        }

    async def test_a_tiny_hourly_limit_answers_429_budget_exceeded_and_alerts(
        self, gateway_server: Server, admin: httpx.AsyncClient
    ) -> None:
        statuses = []
        for _ in range(40):
            response = await admin.post("/v1/chat/completions", json=chat())
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[0] == 200 and statuses[-1] == 429
        error = response.json()["error"]
        assert error["type"] == "budget_exceeded"
        assert error["details"]["budget"] == {"scope": "global", "name": "global", "window": "hour"}
        assert int(response.headers["retry-after"]) >= 1
        budgets = (await admin.get("/api/budgets")).json()["budgets"]
        [hourly] = [b for b in budgets if b["scope"] == "global" and b["window"] == "hour"]
        assert Decimal(hourly["spent_usd"]) <= Decimal(LIMIT)
        assert Decimal(hourly["limit_usd"]) == Decimal(LIMIT)
        for _ in range(100):
            alerts = (await admin.get("/api/alerts")).json()
            if any(a["rule"] == "budget_percent" for a in alerts):
                break
            await asyncio.sleep(0.05)
        assert any(a["rule"] == "budget_percent" and a["scope"] == "global" for a in alerts)

    async def test_the_openai_sdk_sees_a_rate_limit_error_naming_the_budget(
        self, gateway_server: Server
    ) -> None:
        async with openai.AsyncOpenAI(
            base_url=f"{gateway_server.url}/v1", api_key=gateway_server.token, max_retries=0
        ) as client:
            with pytest.raises(openai.RateLimitError, match="budget"):
                for _ in range(40):
                    await client.chat.completions.create(
                        model="gpt", messages=[{"role": "user", "content": "hi"}], max_tokens=20
                    )


@pytest.mark.parametrize("shape", ["embedded", "scaled"], indirect=True)
class TestBudgetRace:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        return {"budgets": {"global": {"limit_per_hour": LIMIT}}}

    async def test_concurrent_calls_never_overshoot_the_limit(
        self, gateway_server: Server, admin: httpx.AsyncClient, fake: FakeProvider
    ) -> None:
        fake.latency = 0.02  # keep calls in flight together
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(
            base_url=gateway_server.url,
            headers={"authorization": f"Bearer {gateway_server.token}"},
            limits=limits,
            timeout=30,
        ) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/chat/completions", json=chat(f"call {i}")) for i in range(100))
            )
        codes = [r.status_code for r in responses]
        assert set(codes) == {200, 429}
        for _ in range(50):
            summary = (await admin.get("/api/costs/summary", params={"window": "1h"})).json()
            if summary["calls"] >= codes.count(200):
                break
            await asyncio.sleep(0.05)
        assert Decimal(summary["total_usd"]) <= Decimal(LIMIT)
        assert len(fake.calls("/v1/chat/completions")) == codes.count(200)


class TestRateLimits:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        return {"rate_limits": {"users": {"default": {"rpm": 3}}}}

    @pytest.mark.parametrize("shape", ["embedded", "scaled"], indirect=True)
    async def test_requests_per_minute_give_429_with_retry_after_and_headers(
        self, gateway_server: Server, admin: httpx.AsyncClient
    ) -> None:
        remaining = []
        for _ in range(3):
            response = await admin.post("/v1/chat/completions", json=chat())
            assert response.status_code == 200
            remaining.append(int(response.headers["x-ratelimit-remaining-requests"]))
            assert response.headers["x-ratelimit-limit-requests"] == "3"
        assert remaining == [2, 1, 0]
        refused = await admin.post("/v1/chat/completions", json=chat())
        assert refused.status_code == 429
        assert refused.json()["error"]["type"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["x-ratelimit-remaining-requests"] == "0"


class TestTokenLimits:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        return {"rate_limits": {"models": {"gpt": {"tokens_per_hour": 10}}}}

    async def test_tokens_per_hour_refuse_once_the_window_is_spent(
        self, gateway_server: Server, admin: httpx.AsyncClient
    ) -> None:
        first = await admin.post("/v1/chat/completions", json=chat("one two three four"))
        assert first.status_code == 200  # 7 input + 5 output tokens: over 10 after the fact
        second = await admin.post("/v1/chat/completions", json=chat())
        assert second.status_code == 429
        assert "tokens per hour" in second.json()["error"]["message"]
        # Another model has no token limit.
        other = await admin.post("/v1/chat/completions", json=chat(model="claude"))
        assert other.status_code == 200


class TestDeploymentLimits:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        price = {"input_per_mtok": "1", "output_per_mtok": "1"}
        return {
            "models": [
                {
                    "name": "gpt",
                    "deployments": [
                        {"provider": "oai", "model": "small-quota", "rpm": 1, "weight": 1000},
                        {"provider": "oai", "model": "big-quota", "weight": 0.001},
                    ],
                    "price": price,
                }
            ]
        }

    async def test_a_deployment_at_its_rpm_is_skipped_for_the_next(
        self, gateway_server: Server, admin: httpx.AsyncClient, fake: FakeProvider
    ) -> None:
        for _ in range(3):
            response = await admin.post("/v1/chat/completions", json=chat())
            assert response.status_code == 200
        models = [r.body["model"] for r in fake.calls("/v1/chat/completions")]
        assert models.count("small-quota") == 1
        assert models.count("big-quota") == 2


class TestCircuitBreaker:
    @pytest.fixture
    def config_sections(self) -> dict[str, Any]:
        return {"gateway": {"routing": {"retries": 0, "backoff": 0.01, "breaker_failures": 2}}}

    async def test_a_failing_deployment_opens_its_circuit_and_calls_fall_back(
        self, gateway_server: Server, admin: httpx.AsyncClient, fake: FakeProvider
    ) -> None:
        fake.fail(503, model="flaky-model", times=100)
        flaky = {**chat(), "model": "flaky"}
        for _ in range(2):
            response = await admin.post("/v1/chat/completions", json=flaky)
            assert response.status_code == 200  # answered by the fallback
            assert response.headers["x-swarmdeck-model"] == "claude"
        tries = len(fake.calls("/v1/chat/completions"))
        assert tries == 2
        # Open now: the next call goes straight to the fallback.
        assert (await admin.post("/v1/chat/completions", json=flaky)).status_code == 200
        assert len(fake.calls("/v1/chat/completions")) == tries
        models = {m["name"]: m for m in (await admin.get("/api/gateway/models")).json()["models"]}
        [deployment] = models["flaky"]["deployments"]
        assert deployment["circuit"] == "open"
        assert deployment["errors"] == 2
        assert deployment["last_error"] == "HTTP 503"
        assert models["flaky"]["fallbacks"] == ["claude"]
        assert models["claude"]["deployments"][0]["requests"] == 3
        assert models["claude"]["deployments"][0]["p50_ms"] is not None
        assert models["gpt"]["priced_by"] == "override"
