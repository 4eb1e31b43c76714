"""Replay a whole answer as a stream, so a cached answer can serve a streaming request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson


def openai_completion_to_chunks(
    completion: Mapping[str, Any], *, include_usage: bool
) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` sequence a provider would have streamed for `completion`."""
    head = {
        "id": completion.get("id", ""),
        "object": "chat.completion.chunk",
        "created": completion.get("created", 0),
        "model": completion.get("model", ""),
    }
    if completion.get("system_fingerprint"):
        head["system_fingerprint"] = completion["system_fingerprint"]

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}
        return {**head, "choices": [choice]}

    chunks: list[dict[str, Any]] = []
    for choice in completion.get("choices") or ():
        index = choice.get("index", 0)
        message = choice.get("message") or {}
        chunks.append(chunk(index, {"role": message.get("role", "assistant"), "content": ""}))
        if message.get("content"):
            chunks.append(chunk(index, {"content": message["content"]}))
        if message.get("refusal"):
            chunks.append(chunk(index, {"refusal": message["refusal"]}))
        for position, call in enumerate(message.get("tool_calls") or ()):
            function = call.get("function") or {}
            delta = {
                "index": position,
                "id": call.get("id"),
                "type": "function",
                "function": {
                    "name": function.get("name"),
                    "arguments": function.get("arguments", ""),
                },
            }
            chunks.append(chunk(index, {"tool_calls": [delta]}))
        chunks.append(chunk(index, {}, choice.get("finish_reason") or "stop"))
    if include_usage and completion.get("usage") is not None:
        chunks.append({**head, "choices": [], "usage": completion["usage"]})
    return chunks


def anthropic_message_to_events(message: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The Messages stream events Anthropic would have sent for `message`.

    `message_start` carries the input side of the usage, the final `message_delta`
    the output side, as Anthropic's own streams do.
    """
    usage = dict(message.get("usage") or {})
    start_usage = {**usage, "output_tokens": 0}
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for index, block in enumerate(message.get("content") or ()):
        events.extend(_block_events(index, block))
    delta_usage = {"output_tokens": usage.get("output_tokens", 0)}
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": message.get("stop_reason"),
                    "stop_sequence": message.get("stop_sequence"),
                },
                "usage": delta_usage,
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _block_events(index: int, block: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    kind = block.get("type")
    deltas: list[dict[str, Any]] = []
    if kind == "text":
        empty: dict[str, Any] = {**block, "text": ""}
        if block.get("citations"):
            empty["citations"] = []
        if block.get("text"):
            deltas.append({"type": "text_delta", "text": block["text"]})
        for citation in block.get("citations") or ():
            deltas.append({"type": "citations_delta", "citation": citation})
    elif kind == "tool_use":
        empty = {**block, "input": {}}
        if block.get("input"):
            deltas.append(
                {"type": "input_json_delta", "partial_json": orjson.dumps(block["input"]).decode()}
            )
    elif kind == "thinking":
        empty = {**block, "thinking": "", "signature": ""}
        if block.get("thinking"):
            deltas.append({"type": "thinking_delta", "thinking": block["thinking"]})
        if block.get("signature"):
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
    else:  # redacted_thinking and blocks without deltas arrive whole
        empty = dict(block)
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": empty},
        )
    ]
    for delta in deltas:
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
        )
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events
