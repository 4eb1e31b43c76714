"""The price book: what a call cost, from the alias's override, genai-prices, or a default.

Order for each (alias, provider, model): the alias's configured `price` → genai-prices
for the provider (found from the base URL's host, else from the provider's wire type) →
`gateway.default_price` when `unpriced: default` → None (no price: the gateway refuses).

genai-prices' own `calc_price` costs ~90 µs a call (it re-resolves units each time), too
slow for the gateway's hot path, so the model's price table is looked up once per
(provider, model) and applied here with the same rules: `input_tokens` includes cache
reads and writes, which are billed at their own rates when the model has them and at the
input rate when it has none; reasoning tokens are output tokens unless the model prices
them separately; tiers are cliffs chosen by the total input tokens; date-conditional
prices are resolved at call time. `tests/costs/test_pricing.py` checks this against
`genai_prices.calc_price` model by model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Literal

from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, TieredPrices

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.config import GatewayConfig, ModelConfig, PriceConfig, ProviderConfig

PriceSource = Literal["override", "genai-prices", "default"]

_PER_MTOK: Final = Decimal(1_000_000)
_PER_K: Final = Decimal(1_000)
_MEMO_LIMIT: Final = 4096  # (provider, model) pairs come from config; this only bounds misuse


@dataclass(frozen=True, slots=True)
class _Found:
    """A model's genai-prices entry, resolved once per (provider, model)."""

    provider_id: str
    info: ModelInfo


class PriceBook:
    """Prices calls in exact USD Decimals; lookups are memoised, so it suits the hot path."""

    def __init__(
        self,
        models: list[ModelConfig],
        providers: dict[str, ProviderConfig],
        gateway: GatewayConfig,
    ) -> None:
        self._overrides = {model.name: model.price for model in models if model.price is not None}
        self._deployments = {
            model.name: [(d.provider, d.model) for d in model.deployments] for model in models
        }
        self._providers = providers
        self._default = gateway.default_price if gateway.unpriced == "default" else None
        self._found: dict[tuple[str | None, str, str], _Found | None] = {}

    # -- public ----------------------------------------------------------------------------

    def price(
        self, *, provider: str | None, alias: str, model: str, usage: Usage
    ) -> Decimal | None:
        """The call's cost in USD, or None when no price is known and no default is set."""
        override = self._overrides.get(alias)
        if override is not None:
            return _price_with_config(override, usage)
        found = self._lookup(provider, alias, model)
        if found is not None:
            return _price_with_table(found.info.get_prices(datetime.now(UTC)), usage)
        if self._default is not None:
            return _price_with_config(self._default, usage)
        return None

    def worst_case(
        self,
        *,
        provider: str | None,
        alias: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
    ) -> Decimal | None:
        """The most the call can cost: every input token at the dearest input rate (uncached,
        or written to the cache if that costs more), every output token at the dearest output
        rate, tiers chosen by `input_tokens`. Never less than `price` for the same counts."""
        override = self._overrides.get(alias)
        if override is not None:
            return _worst_with_config(override, input_tokens, output_tokens)
        found = self._lookup(provider, alias, model)
        if found is not None:
            table = found.info.get_prices(datetime.now(UTC))
            return _worst_with_table(table, input_tokens, output_tokens)
        if self._default is not None:
            return _worst_with_config(self._default, input_tokens, output_tokens)
        return None

    def source(self, *, provider: str | None, alias: str, model: str) -> PriceSource | None:
        """Where this call's price comes from; `default` is worth an alert, None a refusal."""
        if alias in self._overrides:
            return "override"
        if self._lookup(provider, alias, model) is not None:
            return "genai-prices"
        return "default" if self._default is not None else None

    def genai_provider_ids(self, provider: str | None) -> list[str]:
        """The genai-prices providers searched for a configured provider, in order."""
        if provider is None or provider not in self._providers:
            return [] if provider is None else [provider]
        config = self._providers[provider]
        ids: list[str] = []
        by_host = _provider_for_url(config.base_url)
        if by_host is not None:
            ids.append(by_host.id)
        if config.type not in ids:
            ids.append(config.type)
        return ids

    # -- lookup ------------------------------------------------------------------------------

    def _lookup(self, provider: str | None, alias: str, model: str) -> _Found | None:
        # Without a provider the alias's deployments decide where to look, so it is part of
        # the key then; otherwise the price depends on (provider, model) alone.
        key = (provider, alias if provider is None else "", model)
        try:
            return self._found[key]
        except KeyError:
            pass
        found = self._search(provider, alias, model)
        if len(self._found) >= _MEMO_LIMIT:
            self._found.clear()
        self._found[key] = found
        return found

    def _search(self, provider: str | None, alias: str, model: str) -> _Found | None:
        if provider is None:
            # No provider reached (a cache hit pricing what it saved): the deployment that
            # serves this model under the alias says where it would have gone.
            deployments = self._deployments.get(alias, [])
            provider = next((p for p, m in deployments if m == model), None)
            if provider is None and deployments:
                provider = deployments[0][0]
        snapshot = get_snapshot()
        candidates = [
            found
            for pid in self.genai_provider_ids(provider)
            if (found := _provider_by_id(snapshot.providers, pid)) is not None
        ]
        if not candidates:
            # Unknown provider: let genai-prices guess from the model name alone.
            candidates = [
                p
                for p in snapshot.providers
                if p.model_match is not None and p.model_match.is_match(model.lower())
            ][:1]
        for candidate in candidates:
            info = candidate.find_model(model, all_providers=snapshot.providers)
            if info is not None:
                return _Found(candidate.id, info)
        return None


def _provider_by_id(providers: list[Provider], provider_id: str) -> Provider | None:
    return next((p for p in providers if p.id == provider_id), None)


def _provider_for_url(base_url: str) -> Provider | None:
    """The genai-prices provider whose API URL pattern matches `base_url` (https only)."""
    for provider in get_snapshot().providers:
        if re.match(provider.api_pattern, base_url):
            return provider
    return None


# -- arithmetic ---------------------------------------------------------------------------


def _price_with_config(price: PriceConfig, usage: Usage) -> Decimal:
    cached_rate = price.cached_input_per_mtok
    write_rate = price.cache_write_per_mtok
    uncached = max(0, usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens)
    total = (
        price.input_per_mtok * uncached
        + (price.input_per_mtok if cached_rate is None else cached_rate) * usage.cached_input_tokens
        + (price.input_per_mtok if write_rate is None else write_rate) * usage.cache_write_tokens
        + price.output_per_mtok * usage.output_tokens
    )
    return total / _PER_MTOK


def _worst_with_config(price: PriceConfig, input_tokens: int, output_tokens: int) -> Decimal:
    input_rate = max(
        price.input_per_mtok,
        price.cached_input_per_mtok or Decimal(0),
        price.cache_write_per_mtok or Decimal(0),
    )
    return (input_rate * input_tokens + price.output_per_mtok * output_tokens) / _PER_MTOK


def _rate(value: Decimal | TieredPrices | None, total_input: int) -> Decimal | None:
    """The per-million rate that applies: tiers are cliffs on the call's total input tokens."""
    if value is None or isinstance(value, Decimal):
        return value
    for tier in reversed(value.tiers):  # sorted ascending by genai-prices
        if total_input > tier.start:
            return tier.price
    return value.base


def _part(value: Decimal | TieredPrices | None, count: int, total_input: int) -> Decimal:
    rate = _rate(value, total_input)
    if rate is None or count == 0:
        return Decimal(0)
    return rate * count / _PER_MTOK


def _rates(table: ModelPrice, *keys: str) -> list[Decimal | TieredPrices | None]:
    # Straight from the instance dict: ModelPrice's __getattr__ for an unset price looks the
    # key up in genai-prices' unit registry each time, which dominated the cost of a call.
    stored = vars(table)
    return [stored.get(key) for key in keys]


def _price_with_table(table: ModelPrice, usage: Usage) -> Decimal:
    """genai-prices' rules for the token kinds we report (see the module docstring)."""
    total_input = usage.input_tokens
    input_rate, read, write, output_rate, reasoning, requests_rate = _rates(
        table,
        "input_mtok",
        "cache_read_mtok",
        "cache_write_mtok",
        "output_mtok",
        "output_reasoning_mtok",
        "requests_kcount",
    )
    uncached = total_input
    cost = Decimal(0)
    if read is not None:
        cost += _part(read, usage.cached_input_tokens, total_input)
        uncached -= usage.cached_input_tokens
    if write is not None:
        cost += _part(write, usage.cache_write_tokens, total_input)
        uncached -= usage.cache_write_tokens
    cost += _part(input_rate, max(0, uncached), total_input)
    output = usage.output_tokens
    if reasoning is not None:
        cost += _part(reasoning, usage.reasoning_tokens, total_input)
        output -= usage.reasoning_tokens
    cost += _part(output_rate, max(0, output), total_input)
    if requests_rate is not None:
        cost += (_rate(requests_rate, total_input) or Decimal(0)) / _PER_K
    return cost


def _worst_with_table(table: ModelPrice, input_tokens: int, output_tokens: int) -> Decimal:
    inputs = _rates(table, "input_mtok", "cache_read_mtok", "cache_write_mtok")
    outputs = _rates(table, "output_mtok", "output_reasoning_mtok")
    (requests_rate,) = _rates(table, "requests_kcount")
    input_rates = [r for v in inputs if (r := _rate(v, input_tokens)) is not None]
    output_rates = [r for v in outputs if (r := _rate(v, input_tokens)) is not None]
    input_rate = max(input_rates, default=Decimal(0))
    output_rate = max(output_rates, default=Decimal(0))
    cost = (input_rate * input_tokens + output_rate * output_tokens) / _PER_MTOK
    if requests_rate is not None:
        cost += (_rate(requests_rate, input_tokens) or Decimal(0)) / _PER_K
    return cost
