"""Rebuild the whole answer from a stream, to cache it and to read its usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from swarmdeck.costs.usage import Usage

from ._usage import merge_anthropic_usage, usage_from_anthropic, usage_from_openai


class _Choice:
    __slots__ = ("content", "finish_reason", "refusal", "role", "slots", "tool_calls")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.tool_calls: list[dict[str, Any]] = []
        self.slots: dict[int, int] = {}  # a delta's tool-call index -> position in tool_calls
        self.finish_reason: str | None = None


class OpenAIStreamAccumulator:
    """Feed `chat.completion.chunk` dicts; `completion()` is the equivalent `chat.completion`."""

    def __init__(self) -> None:
        self._head: dict[str, Any] = {}
        self._choices: dict[int, _Choice] = {}
        self._usage: dict[str, Any] | None = None

    @property
    def usage(self) -> Usage:
        return usage_from_openai(self._usage)

    def feed(self, chunk: Mapping[str, Any]) -> None:
        """Add one chunk."""
        if not self._head:
            self._head = {k: chunk[k] for k in ("id", "created", "model") if k in chunk}
        if chunk.get("system_fingerprint") and "system_fingerprint" not in self._head:
            self._head["system_fingerprint"] = chunk["system_fingerprint"]
        if chunk.get("usage"):
            self._usage = dict(chunk["usage"])
        for choice in chunk.get("choices") or ():
            index = choice.get("index", 0)
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _Choice()
            delta = choice.get("delta") or {}
            if delta.get("role"):
                state.role = delta["role"]
            if delta.get("content"):
                state.content.append(delta["content"])
            if delta.get("refusal"):
                state.refusal.append(delta["refusal"])
            for call in delta.get("tool_calls") or ():
                _add_tool_call(state, call)
            if choice.get("finish_reason"):
                state.finish_reason = choice["finish_reason"]

    def completion(self) -> dict[str, Any]:
        """The chunks so far as one `chat.completion`."""
        choices = []
        for index in sorted(self._choices) or [0]:
            state = self._choices.get(index) or _Choice()
            message: dict[str, Any] = {"role": state.role, "content": "".join(state.content)}
            if state.refusal:
                message["refusal"] = "".join(state.refusal)
            if state.tool_calls:
                message["tool_calls"] = [
                    {**call, "function": dict(call["function"])} for call in state.tool_calls
                ]
                message["content"] = message["content"] or None
            choices.append(
                {
                    "index": index,
                    "message": message,
                    "finish_reason": state.finish_reason or "stop",
                    "logprobs": None,
                }
            )
        out: dict[str, Any] = {
            "id": self._head.get("id", ""),
            "object": "chat.completion",
            "created": self._head.get("created", 0),
            "model": self._head.get("model", ""),
            "choices": choices,
        }
        if "system_fingerprint" in self._head:
            out["system_fingerprint"] = self._head["system_fingerprint"]
        if self._usage is not None:
            out["usage"] = self._usage
        return out


def _add_tool_call(state: _Choice, delta: Mapping[str, Any]) -> None:
    index = delta.get("index", 0)
    function = delta.get("function") or {}
    position = state.slots.get(index)
    call = None if position is None else state.tool_calls[position]
    if call is None or (delta.get("id") and call["id"] and delta["id"] != call["id"]):
        # A new call; a new id under a known index counts too (some servers reuse index 0).
        state.slots[index] = len(state.tool_calls)
        call = {
            "id": delta.get("id") or "",
            "type": "function",
            "function": {"name": function.get("name") or "", "arguments": ""},
        }
        state.tool_calls.append(call)
    elif function.get("name") and not call["function"]["name"]:
        call["function"]["name"] = function["name"]
    if function.get("arguments"):
        call["function"]["arguments"] += function["arguments"]


class AnthropicStreamAccumulator:
    """Feed Messages stream events; `message()` is the equivalent Anthropic `message`."""

    def __init__(self) -> None:
        self._message: dict[str, Any] = {}
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, list[str]] = {}
        self._usage: dict[str, Any] = {}

    @property
    def usage(self) -> Usage:
        return usage_from_anthropic(self._usage)

    def feed(self, event_name: str, data: Mapping[str, Any]) -> None:
        """Add one event (its SSE name and decoded data)."""
        kind = data.get("type", event_name)
        if kind == "content_block_delta":
            self._delta(data.get("index", 0), data.get("delta") or {})
        elif kind == "content_block_start":
            block = dict(data.get("content_block") or {})
            self._blocks[data.get("index", len(self._blocks))] = block
        elif kind == "message_start":
            self._message = dict(data.get("message") or {})
            self._usage = merge_anthropic_usage(self._usage, self._message.get("usage"))
        elif kind == "message_delta":
            for key, value in (data.get("delta") or {}).items():
                self._message[key] = value
            self._usage = merge_anthropic_usage(self._usage, data.get("usage"))

    def _delta(self, index: int, delta: Mapping[str, Any]) -> None:
        block = self._blocks.get(index)
        if block is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta.get("text", "")
        elif kind == "input_json_delta":
            self._json.setdefault(index, []).append(delta.get("partial_json", ""))
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
        elif kind == "signature_delta":
            block["signature"] = block.get("signature", "") + delta.get("signature", "")
        elif kind == "citations_delta":
            block["citations"] = [*(block.get("citations") or ()), delta.get("citation")]

    def message(self) -> dict[str, Any]:
        """The events so far as one `message`."""
        content = []
        for index in sorted(self._blocks):
            block = dict(self._blocks[index])
            if index in self._json:
                block["input"] = _parse_object("".join(self._json[index]))
            content.append(block)
        message: dict[str, Any] = {
            "id": "",
            "type": "message",
            "role": "assistant",
            "model": "",
            "stop_reason": None,
            "stop_sequence": None,
        }
        message.update(self._message)
        message["content"] = content
        message["usage"] = dict(self._usage)
        return message


def _parse_object(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
