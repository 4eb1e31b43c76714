"""The gateway's spans and metrics, named per the OpenTelemetry GenAI semantic conventions."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from opentelemetry.metrics import Counter, Histogram
from opentelemetry.trace import Span

from swarmdeck.core.sanitize import default_sanitizer
from swarmdeck.core.telemetry import meter
from swarmdeck.costs.usage import Usage

if TYPE_CHECKING:
    from swarmdeck.gateway._routing import Deployment

# Bucket boundaries the GenAI conventions recommend.
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304]
_DURATION_BUCKETS = [
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
]


class GatewayMetrics:
    def __init__(self) -> None:
        instruments = meter()
        self.tokens: Histogram = instruments.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.duration: Histogram = instruments.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.ttft: Histogram = instruments.create_histogram(
            "gen_ai.server.time_to_first_token",
            unit="s",
            description="Time to the first streamed token",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.cost: Counter = instruments.create_counter(
            "swarmdeck.gateway.cost.usd", unit="{USD}", description="Spend priced by the gateway"
        )
        self.saved: Counter = instruments.create_counter(
            "swarmdeck.gateway.saved.usd",
            unit="{USD}",
            description="Spend avoided by cache hits",
        )
        self.cache: Counter = instruments.create_counter(
            "swarmdeck.gateway.cache.lookups",
            unit="{lookup}",
            description="Cache lookups by outcome",
        )
        self.refusals: Counter = instruments.create_counter(
            "swarmdeck.gateway.refusals",
            unit="{call}",
            description="Calls refused by budgets and rate limits",
        )

    def answered(
        self,
        *,
        operation: str,
        provider_type: str,
        alias: str,
        model: str,
        seconds: float,
        usage: Usage,
        cost: Decimal,
        ttft_ms: float | None,
    ) -> None:
        """Record one answered call: duration, tokens by type, spend, time to first token."""
        attributes = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": provider_type,
            "gen_ai.request.model": alias,
            "gen_ai.response.model": model,
        }
        self.duration.record(seconds, attributes)
        self.tokens.record(usage.input_tokens, {**attributes, "gen_ai.token.type": "input"})
        self.tokens.record(usage.output_tokens, {**attributes, "gen_ai.token.type": "output"})
        self.cost.add(float(cost), attributes)
        if ttft_ms is not None:
            self.ttft.record(ttft_ms / 1000, attributes)


def annotate_answered(
    span: Span,
    *,
    deployment: Deployment,
    usage: Usage,
    cost: Decimal,
    cache: str,
    prompt: Any = None,
    answer: dict[str, Any] | None = None,
) -> None:
    """Put what the call used and cost on its span, then end it.

    `prompt` and `answer` are only given when prompt capture is on; they go through the
    sanitiser first.
    """
    if not span.is_recording():  # no exporter configured: skip building attributes
        span.end()
        return
    span.set_attributes(
        {
            "gen_ai.provider.name": deployment.provider.type,
            "gen_ai.response.model": deployment.model,
            "gen_ai.usage.input_tokens": usage.input_tokens,
            "gen_ai.usage.output_tokens": usage.output_tokens,
            "swarmdeck.cost_usd": float(cost),
            "swarmdeck.deployment": deployment.id,
            "swarmdeck.provider": deployment.provider.name,
            "swarmdeck.cache": cache,
        }
    )
    sanitizer = default_sanitizer()
    if prompt is not None:
        span.set_attribute("gen_ai.input.messages", sanitizer.redact(orjson.dumps(prompt).decode()))
    if answer is not None:
        output = answer.get("choices") or answer.get("content")
        span.set_attribute(
            "gen_ai.output.messages", sanitizer.redact(orjson.dumps(output).decode())
        )
    span.end()
