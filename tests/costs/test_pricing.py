"""The price book: list prices worked out by hand, overrides, defaults, and agreement with
genai-prices' own calculator for every model it knows at the providers we map."""

from __future__ import annotations

import random
from decimal import Decimal

import genai_prices
import pytest
from genai_prices.data_snapshot import get_snapshot

from swarmdeck.costs.pricing import PriceBook
from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.config import (
    DeploymentConfig,
    GatewayConfig,
    ModelConfig,
    PriceConfig,
    ProviderConfig,
)

M = 1_000_000
PROVIDERS = {
    "openai": ProviderConfig(type="openai", base_url="https://api.openai.com/v1"),
    "claude": ProviderConfig(type="anthropic", base_url="https://api.anthropic.com"),
    "fake": ProviderConfig(type="openai", base_url="http://127.0.0.1:9/v1"),
    "fake-claude": ProviderConfig(type="anthropic", base_url="http://127.0.0.1:9"),
    "openrouter": ProviderConfig(type="openai", base_url="https://openrouter.ai/api/v1"),
    "groq": ProviderConfig(type="openai", base_url="https://api.groq.com/openai/v1"),
    "together": ProviderConfig(type="openai", base_url="https://api.together.xyz/v1"),
    "azure": ProviderConfig(type="openai", base_url="https://acme.openai.azure.com/openai"),
}


def alias(name: str, provider: str, model: str, price: PriceConfig | None = None) -> ModelConfig:
    return ModelConfig(
        name=name, deployments=[DeploymentConfig(provider=provider, model=model)], price=price
    )


def book(*models: ModelConfig, gateway: GatewayConfig | None = None) -> PriceBook:
    return PriceBook(list(models), PROVIDERS, gateway or GatewayConfig())


def test_gpt_4o_at_list_price() -> None:
    # gpt-4o: $2.50 per million input tokens, $10 per million output, $1.25 cached input.
    prices = book()
    one_m_in = prices.price(provider="openai", alias="a", model="gpt-4o", usage=Usage(M, 0))
    assert one_m_in == Decimal("2.5")
    usage = Usage(input_tokens=1200, output_tokens=300)
    expected = (Decimal("2.50") * 1200 + Decimal(10) * 300) / M  # 0.003 + 0.003
    assert prices.price(provider="openai", alias="a", model="gpt-4o", usage=usage) == expected
    assert expected == Decimal("0.006")


def test_dated_model_names_match_their_family() -> None:
    prices = book()
    usage = Usage(input_tokens=M, output_tokens=M)
    assert prices.price(
        provider="openai", alias="a", model="gpt-4o-2024-08-06", usage=usage
    ) == Decimal("12.5")
    # The May 2024 snapshot kept its own, higher price.
    assert prices.price(
        provider="openai", alias="a", model="gpt-4o-2024-05-13", usage=usage
    ) == Decimal(20)
    for model in ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022", "claude-sonnet-4"):
        # $3 in, $15 out per million.
        assert prices.price(provider="claude", alias="a", model=model, usage=usage) == Decimal(18)


def test_cached_input_is_billed_at_the_cached_rate() -> None:
    prices = book()
    # 10,000 prompt tokens of which 8,000 were cache reads: 2,000 x $2.50 + 8,000 x $1.25.
    usage = Usage(input_tokens=10_000, cached_input_tokens=8_000, output_tokens=0)
    cost = prices.price(provider="openai", alias="a", model="gpt-4o", usage=usage)
    assert cost == (Decimal("2.5") * 2_000 + Decimal("1.25") * 8_000) / M == Decimal("0.015")


def test_anthropic_cache_reads_and_writes_at_their_rates() -> None:
    prices = book()
    # claude-sonnet-4: $3 input, $0.30 cache read, $3.75 cache write, $15 output.
    usage = Usage(
        input_tokens=100_000,
        cached_input_tokens=60_000,
        cache_write_tokens=30_000,
        output_tokens=1_000,
    )
    expected = (
        Decimal(3) * 10_000
        + Decimal("0.3") * 60_000
        + Decimal("3.75") * 30_000
        + Decimal(15) * 1_000
    ) / M
    got = prices.price(provider="claude", alias="a", model="claude-sonnet-4-20250514", usage=usage)
    assert got == expected == Decimal("0.1755")


def test_reasoning_tokens_are_output_tokens() -> None:
    prices = book()
    # o1: $15 in, $60 out; 500 output tokens of which 400 were reasoning.
    usage = Usage(input_tokens=1_000, output_tokens=500, reasoning_tokens=400)
    cost = prices.price(provider="openai", alias="a", model="o1", usage=usage)
    assert cost == (Decimal(15) * 1_000 + Decimal(60) * 500) / M


def test_override_wins_over_genai_prices() -> None:
    price = PriceConfig(input_per_mtok=Decimal(1), output_per_mtok=Decimal(2))
    prices = book(alias("gpt-4o", "openai", "gpt-4o", price))
    usage = Usage(input_tokens=M, output_tokens=M, cached_input_tokens=M // 2)
    # Without a cached rate, cached tokens cost the input price.
    assert prices.price(provider="openai", alias="gpt-4o", model="gpt-4o", usage=usage) == 3
    assert prices.source(provider="openai", alias="gpt-4o", model="gpt-4o") == "override"
    cached = PriceConfig(
        input_per_mtok=Decimal(1),
        output_per_mtok=Decimal(2),
        cached_input_per_mtok=Decimal("0.1"),
        cache_write_per_mtok=Decimal("1.5"),
    )
    prices = book(alias("mine", "fake", "anything", cached))
    usage = Usage(input_tokens=M, cached_input_tokens=M // 2, cache_write_tokens=M // 4)
    assert prices.price(provider="fake", alias="mine", model="anything", usage=usage) == (
        Decimal("0.25") + Decimal("0.05") + Decimal("0.375")
    )


def test_unknown_model_has_no_price_unless_a_default_is_configured() -> None:
    usage = Usage(input_tokens=M, output_tokens=M)
    refusing = book()
    assert refusing.price(provider="fake", alias="a", model="llama3:8b", usage=usage) is None
    assert (
        refusing.worst_case(
            provider="fake", alias="a", model="llama3:8b", input_tokens=1, output_tokens=1
        )
        is None
    )
    assert refusing.source(provider="fake", alias="a", model="llama3:8b") is None
    gateway = GatewayConfig(
        unpriced="default",
        default_price=PriceConfig(input_per_mtok=Decimal(5), output_per_mtok=Decimal(20)),
    )
    defaulting = book(gateway=gateway)
    assert defaulting.price(provider="fake", alias="a", model="llama3:8b", usage=usage) == 25
    assert defaulting.source(provider="fake", alias="a", model="llama3:8b") == "default"
    # A known model keeps its real price even with a default configured.
    assert defaulting.price(provider="openai", alias="a", model="gpt-4o", usage=usage) == Decimal(
        "12.5"
    )


def test_providers_are_found_from_the_base_url_host_then_the_wire_type() -> None:
    prices = book()
    assert prices.genai_provider_ids("openai") == ["openai"]
    assert prices.genai_provider_ids("claude") == ["anthropic"]
    assert prices.genai_provider_ids("openrouter") == ["openrouter", "openai"]
    assert prices.genai_provider_ids("groq") == ["groq", "openai"]
    assert prices.genai_provider_ids("together") == ["together", "openai"]
    assert prices.genai_provider_ids("azure") == ["azure", "openai"]
    # A loopback or self-hosted upstream: priced as its wire type's provider.
    assert prices.genai_provider_ids("fake") == ["openai"]
    assert prices.genai_provider_ids("fake-claude") == ["anthropic"]
    usage = Usage(input_tokens=M, output_tokens=M)
    assert prices.price(provider="fake", alias="a", model="gpt-4o", usage=usage) == Decimal("12.5")
    # OpenRouter's own names, and the provider's own prices where they differ.
    assert prices.price(
        provider="openrouter", alias="a", model="anthropic/claude-sonnet-4", usage=usage
    ) == Decimal(18)
    groq = prices.price(provider="groq", alias="a", model="llama-3.3-70b-versatile", usage=usage)
    assert groq == Decimal("0.59") + Decimal("0.79")


def test_a_cache_hit_without_provider_is_priced_at_its_deployment() -> None:
    prices = book(alias("fast", "openai", "gpt-4o-mini"))
    usage = Usage(input_tokens=M, output_tokens=M)
    # gpt-4o-mini: $0.15 in, $0.60 out.
    assert prices.price(provider=None, alias="fast", model="gpt-4o-mini", usage=usage) == Decimal(
        "0.75"
    )


def test_worst_case_takes_the_dearest_input_rate_and_bounds_the_price() -> None:
    prices = book()
    # Anthropic cache writes ($3.75) cost more than plain input ($3).
    worst = prices.worst_case(
        provider="claude", alias="a", model="claude-sonnet-4", input_tokens=M, output_tokens=M
    )
    assert worst == Decimal("3.75") + Decimal(15)
    rng = random.Random(5)
    for model, provider in (("claude-sonnet-4", "claude"), ("gpt-4o", "openai"), ("o1", "openai")):
        for _ in range(200):
            total_in, out = rng.randrange(0, 300_000), rng.randrange(0, 50_000)
            cached = rng.randrange(0, total_in + 1)
            written = rng.randrange(0, total_in - cached + 1)
            usage = Usage(total_in, out, cached, written, rng.randrange(0, out + 1))
            cost = prices.price(provider=provider, alias="a", model=model, usage=usage)
            bound = prices.worst_case(
                provider=provider, alias="a", model=model, input_tokens=total_in, output_tokens=out
            )
            assert cost is not None and bound is not None and cost <= bound


def _all_models() -> list[tuple[str, str]]:
    providers = {p.id: p for p in get_snapshot().providers}
    wanted = ("openai", "anthropic", "openrouter", "groq", "together", "deepseek", "mistral")
    return [(pid, model.id) for pid in wanted for model in providers[pid].models]


def test_agrees_with_genai_prices_calc_price_for_every_model() -> None:
    """Our fast path applies genai-prices' rules; its own calculator is the reference."""
    provider_names = {
        "openai": "openai",
        "anthropic": "claude",
        "openrouter": "openrouter",
        "groq": "groq",
        "together": "together",
    }
    extra = {
        "deepseek": ProviderConfig(type="openai", base_url="https://api.deepseek.com/v1"),
        "mistral": ProviderConfig(type="openai", base_url="https://api.mistral.ai/v1"),
    }
    prices = PriceBook([], {**PROVIDERS, **extra}, GatewayConfig())
    provider_names |= {"deepseek": "deepseek", "mistral": "mistral"}
    rng = random.Random(7)
    checked = 0
    for pid, model in _all_models():
        for _ in range(3):
            total_in = rng.choice([0, 1, 999, 150_000, 250_000, 1_200_000])
            cached = rng.randrange(0, total_in + 1)
            written = rng.randrange(0, total_in - cached + 1)
            out = rng.choice([0, 7, 20_000, 300_000])
            reasoning = rng.randrange(0, out + 1)
            ours = prices.price(
                provider=provider_names[pid],
                alias="a",
                model=model,
                usage=Usage(total_in, out, cached, written, reasoning),
            )
            try:
                theirs = genai_prices.calc_price(
                    genai_prices.Usage(
                        input_tokens=total_in,
                        cache_read_tokens=cached,
                        cache_write_tokens=written,
                        output_tokens=out,
                        output_reasoning_tokens=reasoning,
                    ),
                    model,
                    provider_id=pid,
                ).total_price
            except LookupError:  # ids such as `ft:gpt-4o` that no model reference matches
                break
            assert ours == theirs, (pid, model, total_in, cached, written, out, reasoning)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("model", ["gpt-4o", "claude-sonnet-4"])
def test_lookups_are_memoised(model: str) -> None:
    prices = book()
    provider = "openai" if model.startswith("gpt") else "claude"
    first = prices._lookup(provider, "a", model)
    assert first is not None and prices._lookup(provider, "a", model) is first
