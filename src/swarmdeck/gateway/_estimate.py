"""Upper bounds on a request's tokens, for budget reservations made before the call.

A BPE token covers at least one byte, and the JSON framing of each message (`{"role":
"user","content":""}`) is longer than the few tokens a chat template adds, so the UTF-8
length of the messages' JSON bounds the prompt's tokens. Images by URL are counted at a
high flat rate, since their bytes here say nothing of their size.
"""

from __future__ import annotations

from typing import Any

import orjson

IMAGE_URL_TOKENS = 2_000
"""Upper bound per image given by URL (a high-detail 2048px image is ~1,100 tokens at OpenAI)."""
_PROMPT_FIELDS = (
    "messages",
    "system",
    "tools",
    "functions",
    "tool_choice",
    "input",
    "response_format",
)


def input_token_bound(body: dict[str, Any]) -> int:
    """Tokens the prompt of `body` (either wire format) cannot exceed."""
    total = 16
    for name in _PROMPT_FIELDS:
        value = body.get(name)
        if value is not None:
            total += len(orjson.dumps(value))
            total += IMAGE_URL_TOKENS * _remote_images(value)
    return total


def _remote_images(value: Any) -> int:
    if isinstance(value, dict):
        found = 0
        if value.get("type") == "image_url":
            url = value.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            found += isinstance(url, str) and not url.startswith("data:")
        if value.get("type") == "image" and isinstance(value.get("source"), dict):
            found += value["source"].get("type") == "url"
        return found + sum(_remote_images(item) for item in value.values())
    if isinstance(value, list):
        return sum(_remote_images(item) for item in value)
    return 0


def output_token_bound(body: dict[str, Any], *, model_cap: int | None, default_cap: int) -> int:
    """The most completion tokens the call may produce, as the request or config caps it."""
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value * max(1, _choices(body))
    return (model_cap or default_cap) * max(1, _choices(body))


def _choices(body: dict[str, Any]) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
