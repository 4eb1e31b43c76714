"""Non-streamed response translation: an Anthropic `message` <-> an OpenAI `chat.completion`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from ._usage import anthropic_usage, openai_usage, usage_from_anthropic, usage_from_openai

# Anthropic stop_reason -> OpenAI finish_reason; unknown reasons read as a normal stop.
FINISH_REASONS: dict[str | None, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# OpenAI finish_reason -> Anthropic stop_reason.
STOP_REASONS: dict[str | None, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def finish_reason(stop_reason: str | None) -> str:
    """The OpenAI finish_reason for an Anthropic stop_reason."""
    return FINISH_REASONS.get(stop_reason, "stop")


def stop_reason(finish: str | None) -> str:
    """The Anthropic stop_reason for an OpenAI finish_reason."""
    return STOP_REASONS.get(finish, "end_turn")


def tool_input(arguments: Any) -> dict[str, Any]:
    """Parse a model's tool-call arguments; Anthropic needs an object, so junk becomes `{}`."""
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if not arguments:
        return {}
    try:
        parsed = orjson.loads(arguments)
    except (orjson.JSONDecodeError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def anthropic_to_openai_response(
    message: Mapping[str, Any], *, alias: str, created: int | None = None
) -> dict[str, Any]:
    """Turn an Anthropic `message` into an OpenAI `chat.completion` named after `alias`."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in message.get("content") or ():
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "tool_use":
            calls.append(
                {
                    "id": block.get("id") or "",
                    "type": "function",
                    "function": {
                        "name": block.get("name") or "",
                        "arguments": orjson.dumps(block.get("input") or {}).decode(),
                    },
                }
            )
    reply: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    if calls:
        reply["tool_calls"] = calls
        reply["content"] = reply["content"] or None
    return {
        "id": message.get("id") or "chatcmpl-unknown",
        "object": "chat.completion",
        "created": int(time.time()) if created is None else created,
        "model": alias,
        "choices": [
            {
                "index": 0,
                "message": reply,
                "finish_reason": finish_reason(message.get("stop_reason")),
                "logprobs": None,
            }
        ],
        "usage": openai_usage(usage_from_anthropic(message.get("usage"))),
    }


def openai_to_anthropic_response(completion: Mapping[str, Any], *, alias: str) -> dict[str, Any]:
    """Turn an OpenAI `chat.completion` (its first choice) into an Anthropic `message`."""
    choices = completion.get("choices") or [{}]
    choice = choices[0]
    reply = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    text = reply.get("content")
    if isinstance(text, list):  # some OpenAI-wire servers answer with parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, Mapping))
    if text:
        content.append({"type": "text", "text": text})
    if reply.get("refusal"):
        content.append({"type": "text", "text": reply["refusal"]})
    for call in reply.get("tool_calls") or ():
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id") or "",
                "name": function.get("name") or "",
                "input": tool_input(function.get("arguments")),
            }
        )
    reason = choice.get("finish_reason")
    if reason == "stop" and reply.get("tool_calls"):
        reason = "tool_calls"  # some servers say "stop" after calling tools
    return {
        "id": completion.get("id") or "msg_unknown",
        "type": "message",
        "role": "assistant",
        "model": alias,
        "content": content,
        "stop_reason": stop_reason(reason),
        "stop_sequence": None,
        "usage": anthropic_usage(usage_from_openai(completion.get("usage"))),
    }
