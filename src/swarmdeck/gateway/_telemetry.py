"""The gateway's spans and metrics, named per the OpenTelemetry GenAI semantic conventions."""

from __future__ import annotations

from opentelemetry.metrics import Counter, Histogram

from swarmdeck.core.telemetry import meter

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
