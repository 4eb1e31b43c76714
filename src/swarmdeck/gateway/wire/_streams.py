"""Streaming translation, one event at a time, in both directions.

Each translator is a small state machine fed by the provider's decoded events and
returning what the client should be sent next, so the gateway relays with no buffering.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from swarmdeck.costs.usage import Usage

from ._errors import translate_error_body
from ._responses import finish_reason, stop_reason
from ._usage import (
    anthropic_usage,
    merge_anthropic_usage,
    openai_usage,
    usage_from_anthropic,
    usage_from_openai,
)


class AnthropicToOpenAIStream:
    """Anthropic Messages stream events in, OpenAI `chat.completion.chunk` dicts out."""

    def __init__(self, alias: str, *, include_usage: bool, created: int | None = None) -> None:
        self.alias = alias
        self.include_usage = include_usage
        self._created = int(time.time()) if created is None else created
        self._id = "chatcmpl-" + uuid.uuid4().hex
        self._tool_index: dict[int, int] = {}  # Anthropic block index -> OpenAI tool-call index
        self._no_arguments: set[int] = set()  # tool blocks that have sent no arguments yet
        self._finish: str | None = None
        self._usage: dict[str, Any] = {}
        self.done = False

    @property
    def usage(self) -> Usage:
        """What the provider reported so far (all of it once the stream has ended)."""
        return usage_from_anthropic(self._usage)

    def feed(self, event_name: str, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Translate one Anthropic event (its SSE name and decoded data) into chunks."""
        kind = data.get("type", event_name)
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            delta_kind = delta.get("type")
            if delta_kind == "text_delta" and delta.get("text"):
                return [self._chunk({"content": delta["text"]})]
            if delta_kind == "input_json_delta" and delta.get("partial_json"):
                index = self._tool_index.get(data.get("index", -1))
                if index is not None:
                    self._no_arguments.discard(data.get("index", -1))
                    call = {"index": index, "function": {"arguments": delta["partial_json"]}}
                    return [self._chunk({"tool_calls": [call]})]
            return []  # thinking and signature deltas have no OpenAI-wire place
        if kind == "content_block_start":
            return self._block_start(data)
        if kind == "message_start":
            message = data.get("message") or {}
            if message.get("id"):
                self._id = message["id"]
            self._usage = merge_anthropic_usage(self._usage, message.get("usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "message_delta":
            reason = (data.get("delta") or {}).get("stop_reason")
            if reason is not None:
                self._finish = finish_reason(reason)
            self._usage = merge_anthropic_usage(self._usage, data.get("usage"))
            return []
        if kind == "content_block_stop":
            block = data.get("index", -1)
            if block in self._no_arguments:
                # A tool without arguments streams none; OpenAI clients expect a JSON object.
                self._no_arguments.discard(block)
                call = {"index": self._tool_index[block], "function": {"arguments": "{}"}}
                return [self._chunk({"tool_calls": [call]})]
            return []
        if kind == "message_stop":
            return self._end()
        if kind == "error":
            self.done = True
            return [translate_error_body(data, "anthropic", "openai", 500)]
        return []  # ping and events added to the API later

    def _block_start(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        block = data.get("content_block") or {}
        if block.get("type") == "text":
            return [self._chunk({"content": block["text"]})] if block.get("text") else []
        if block.get("type") != "tool_use":
            return []
        index = len(self._tool_index)
        block_index = data.get("index", index)
        self._tool_index[block_index] = index
        call = {
            "index": index,
            "id": block.get("id"),
            "type": "function",
            "function": {"name": block.get("name"), "arguments": ""},
        }
        chunks = [self._chunk({"tool_calls": [call]})]
        if block.get("input"):  # never seen in practice; keep it rather than lose it
            arguments = {"index": index, "function": {"arguments": _dumps(block["input"])}}
            chunks.append(self._chunk({"tool_calls": [arguments]}))
        else:
            self._no_arguments.add(block_index)
        return chunks

    def _end(self) -> list[dict[str, Any]]:
        if self.done:
            return []
        self.done = True
        finish = self._finish or ("tool_calls" if self._tool_index else "stop")
        chunks = [self._chunk({}, finish)]
        if self.include_usage:
            usage_chunk = self._base()
            usage_chunk["choices"] = []
            usage_chunk["usage"] = openai_usage(self.usage)
            chunks.append(usage_chunk)
        return chunks

    def _base(self) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self.alias,
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        chunk = self._base()
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        return chunk


class OpenAIToAnthropicStream:
    """OpenAI `chat.completion.chunk` dicts in, Anthropic `(event name, data)` pairs out.

    OpenAI reports usage only at the end (with `stream_options.include_usage`), so
    `message_start` carries zero usage and the final `message_delta` the whole of it.
    """

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._started = False
        self._open: int | None = None  # index of the open Anthropic block
        self._open_kind: str | None = None
        self._blocks = 0
        self._tools: dict[int, tuple[int, str | None]] = {}  # OpenAI index -> (block, call id)
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self.done = False

    @property
    def usage(self) -> Usage:
        """What the provider reported (OpenAI sends it in the last chunk)."""
        return usage_from_openai(self._usage)

    def feed(self, chunk: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Translate one decoded OpenAI chunk into Anthropic events."""
        if "error" in chunk and "choices" not in chunk:
            self.done = True
            error = translate_error_body(chunk, "openai", "anthropic", 500)
            return [("error", error)]
        events = self._start(chunk)
        if chunk.get("usage"):
            self._usage = dict(chunk["usage"])
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue  # n > 1 never reaches here: requests asking for it are refused
            delta = choice.get("delta") or {}
            text = delta.get("content") or delta.get("refusal")
            if text:
                events.extend(self._text(text))
            for call in delta.get("tool_calls") or ():
                events.extend(self._tool_call(call))
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return events

    def finish(self) -> list[tuple[str, dict[str, Any]]]:
        """Close the message once the provider's stream has ended (`[DONE]` or EOF)."""
        if self.done:
            return []
        self.done = True
        events = self._start({})
        events.extend(self._close())
        reason = self._finish
        if reason == "stop" and self._tools:
            reason = "tool_calls"
        usage = anthropic_usage(self.usage)
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason(reason), "stop_sequence": None},
                    "usage": usage,
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def _start(self, chunk: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        if self._started:
            return []
        self._started = True
        message: dict[str, Any] = {
            "id": chunk.get("id") or "msg_" + uuid.uuid4().hex,
            "type": "message",
            "role": "assistant",
            "model": self.alias,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return [("message_start", {"type": "message_start", "message": message})]

    def _close(self) -> list[tuple[str, dict[str, Any]]]:
        if self._open is None:
            return []
        index, self._open, self._open_kind = self._open, None, None
        return [("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _open_block(self, block: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        events = self._close()
        self._open, self._open_kind = self._blocks, block["type"]
        self._blocks += 1
        start = {"type": "content_block_start", "index": self._open, "content_block": block}
        events.append(("content_block_start", start))
        return events

    def _text(self, text: str) -> list[tuple[str, dict[str, Any]]]:
        events = [] if self._open_kind == "text" else self._open_block({"type": "text", "text": ""})
        delta = {"type": "text_delta", "text": text}
        events.append(
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": self._open, "delta": delta},
            )
        )
        return events

    def _tool_call(self, call: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        index = call.get("index", 0)
        call_id = call.get("id")
        function = call.get("function") or {}
        known = self._tools.get(index)
        events: list[tuple[str, dict[str, Any]]] = []
        if known is None or (call_id and known[1] and call_id != known[1]):
            # A new call (some servers reuse index 0 for every call, so a new id counts too).
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": call_id or "toolu_" + uuid.uuid4().hex,
                "name": function.get("name") or "",
                "input": {},
            }
            events = self._open_block(block)
            known = (self._blocks - 1, call_id)
            self._tools[index] = known
        if arguments := function.get("arguments"):
            delta = {"type": "input_json_delta", "partial_json": arguments}
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": known[0], "delta": delta},
                )
            )
        return events


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
