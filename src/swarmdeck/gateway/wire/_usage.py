"""Token usage as each wire format reports it, read into the one `Usage` the cost side prices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from swarmdeck.costs.usage import Usage


def _int(value: Any) -> int:
    """A token count, or 0 for anything that is not one (null, missing, a stray string)."""
    return value if type(value) is int and value > 0 else 0


def _section(usage: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = usage.get(key)
    return value if isinstance(value, Mapping) else {}


def usage_from_openai(usage: Mapping[str, Any] | None) -> Usage:
    """Read an OpenAI `usage` object; `prompt_tokens` already includes cached tokens."""
    if not usage:
        return Usage()
    prompt = _section(usage, "prompt_tokens_details")
    completion = _section(usage, "completion_tokens_details")
    return Usage(
        input_tokens=_int(usage.get("prompt_tokens")),
        output_tokens=_int(usage.get("completion_tokens")),
        cached_input_tokens=_int(prompt.get("cached_tokens")),
        cache_write_tokens=_int(prompt.get("cache_write_tokens")),
        reasoning_tokens=_int(completion.get("reasoning_tokens")),
    )


def usage_from_anthropic(usage: Mapping[str, Any] | None) -> Usage:
    """Read an Anthropic `usage` object, whose `input_tokens` leaves out cache reads and writes."""
    if not usage:
        return Usage()
    cache_read = _int(usage.get("cache_read_input_tokens"))
    cache_write = _int(usage.get("cache_creation_input_tokens"))
    return Usage(
        input_tokens=_int(usage.get("input_tokens")) + cache_read + cache_write,
        output_tokens=_int(usage.get("output_tokens")),
        cached_input_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=_int(_section(usage, "output_tokens_details").get("thinking_tokens")),
    )


def merge_anthropic_usage(
    start: Mapping[str, Any] | None, delta: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Combine `message_start` usage with a later `message_delta` usage.

    A stream reports input usage at the start and cumulative counts in each
    `message_delta`; a non-null delta value replaces the earlier one.
    """
    merged = dict(start or {})
    for key, value in (delta or {}).items():
        if value is not None:
            merged[key] = value
    return merged


def openai_usage(usage: Usage) -> dict[str, Any]:
    """Write `usage` as an OpenAI `usage` object."""
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens},
    }
    if usage.cache_write_tokens:
        out["prompt_tokens_details"]["cache_write_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def anthropic_usage(usage: Usage) -> dict[str, Any]:
    """Write `usage` as an Anthropic `usage` object (uncached input apart from cache traffic)."""
    uncached = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    return {
        "input_tokens": max(uncached, 0),
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cached_input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }
