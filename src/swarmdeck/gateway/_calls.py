"""The gateway's view of one call: what came in, and what goes back out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from swarmdeck.costs.budgets import Attribution

ClientFormat = Literal["openai", "anthropic"]
CacheMode = Literal["exact", "semantic", "off"]


@dataclass(slots=True)
class ChatCall:
    format: ClientFormat
    body: dict[str, Any]
    alias: str
    who: Attribution
    agent: str | None = None
    cache_mode: CacheMode = "semantic"
    request_id: str | None = None

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    @property
    def include_usage(self) -> bool:
        """Whether an OpenAI client asked for the usage chunk at the end of its stream."""
        options = self.body.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


@dataclass(slots=True)
class Answer:
    """What the route sends back: a JSON body, or an SSE stream."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    stream: AsyncIterator[bytes] | None = None
