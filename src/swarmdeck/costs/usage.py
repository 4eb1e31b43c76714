"""What one LLM call used and what it cost: the records the gateway hands to the cost side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

CacheOutcome = Literal["miss", "hit", "semantic-hit", "off"]
CallStatus = Literal["ok", "error", "refused"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the provider billed them.

    `input_tokens` counts every prompt token, cached ones included (OpenAI's
    `prompt_tokens`; for Anthropic, input + cache reads + cache writes), so prices apply as
    `uncached = input - cached_input - cache_write`. `output_tokens` includes reasoning
    tokens, which `reasoning_tokens` breaks out.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One row of the cost ledger: a call through the gateway, answered or not."""

    id: str
    at: datetime
    provider: str | None
    """The configured provider name (None when no provider was reached: cache hit, refusal)."""
    alias: str
    """The model name the client asked for."""
    model: str | None
    """The deployment's model name at the provider."""
    usage: Usage
    cost_usd: Decimal
    saved_usd: Decimal = Decimal(0)
    """What a cache hit would have cost at the provider."""
    key_id: str | None = None
    user: str | None = None
    swarm: str | None = None
    agent: str | None = None
    status: CallStatus = "ok"
    status_code: int = 200
    error_type: str | None = None
    cache: CacheOutcome = "miss"
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    streamed: bool = False
    operation: str = "chat"
    """`chat` or `embeddings`."""
    attributes: dict[str, str] = field(default_factory=dict)
