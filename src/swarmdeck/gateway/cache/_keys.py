"""What a request is, for the cache: the exact key and the semantic partition and prompt.

Requests with `temperature > 0` are cached like any other: a cached answer is one answer
the model could have given. A client that wants a fresh sample sends the request header
`x-swarmdeck-cache: off` on that call.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import orjson

IGNORED_FIELDS = frozenset({"stream", "stream_options", "user", "metadata"})
"""Request fields that do not change the answer (delivery, attribution, bookkeeping)."""
OWN_FIELD_PREFIX = "swarmdeck"
"""Top-level fields of our own (`swarmdeck_*`) never reach a provider and never key an entry."""

_TEXT_PART_TYPES = frozenset({"text", "input_text"})


def _answer_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in body.items()
        if name not in IGNORED_FIELDS and not name.startswith(OWN_FIELD_PREFIX)
    }


def _canonical(fields: Any) -> bytes:
    try:
        return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # integers beyond 64 bits, which orjson refuses
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def _digest(namespace: str, fields: Any) -> str:
    canonical = _canonical(fields)
    return hashlib.sha256(namespace.encode() + b"\x00" + canonical).hexdigest()


def exact_key(namespace: str, body: dict[str, Any]) -> str:
    """SHA-256 of the request as far as it decides the answer, within `namespace`.

    `namespace` names the client format and the model alias (`openai:gpt-4o`), so the
    same body sent through another front door or to another alias never shares an entry.
    """
    return _digest(namespace, _answer_fields(body))


@dataclass(frozen=True, slots=True)
class SemanticPrompt:
    """The part of a request that is embedded, and the partition that holds everything else."""

    partition: str
    text: str


def _text_of(content: Any) -> str | None:
    """The text of a message's content; None when it holds anything but text (images, ...)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list) or not content:
        return None
    texts: list[str] = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") not in _TEXT_PART_TYPES:
            return None
        text = part.get("text")
        if not isinstance(text, str):
            return None
        texts.append(text)
    return "\n".join(texts)


def semantic_prompt(namespace: str, body: dict[str, Any]) -> SemanticPrompt | None:
    """The last user message's text and a partition key over everything else, or None.

    The partition hashes the namespace, the system prompt or instructions, every other
    generation parameter, the tools and all earlier turns: two requests share a partition
    only when they differ in the last user message alone, so different instructions or
    conversations never share answers. None when the request does not end with a
    text-only user message (tool results, images, legacy prompts).
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        return None
    text = _text_of(last.get("content"))
    if text is None or not text.strip():
        return None
    rest = _answer_fields(body)
    rest["messages"] = [
        *messages[:-1],
        {name: value for name, value in last.items() if name != "content"},
    ]
    return SemanticPrompt(partition=_digest(namespace, rest), text=text)
