"""Streams between provider and client: relayed (translated if need be) or replayed from cache."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway import wire
from swarmdeck.gateway._calls import ChatCall


class StreamRelay:
    """Turns the provider's SSE bytes into the client's, keeping usage and the whole answer."""

    def __init__(self, call: ChatCall, provider: str, accumulate: bool) -> None:
        self.call = call
        self.provider = provider
        self.decoder = wire.SSEDecoder()
        self.started = time.perf_counter()
        self.ttft: float | None = None
        self._usage: Usage | None = None
        self._anthropic_usage: dict[str, Any] = {}
        self._to_openai = (
            wire.AnthropicToOpenAIStream(call.alias, include_usage=call.include_usage)
            if call.format == "openai" and provider == "anthropic"
            else None
        )
        self._to_anthropic = (
            wire.OpenAIToAnthropicStream(call.alias)
            if call.format == "anthropic" and provider == "openai"
            else None
        )
        self._accumulator: Any = None
        if accumulate:
            self._accumulator = (
                wire.OpenAIStreamAccumulator()
                if call.format == "openai"
                else wire.AnthropicStreamAccumulator()
            )
        self._done = False

    def mark_first_byte(self) -> None:
        if self.ttft is None:
            self.ttft = (time.perf_counter() - self.started) * 1000

    def feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.decoder.feed(chunk):
            if self.provider == "openai":
                self._from_openai(event, out)
            else:
                self._from_anthropic(event, out)
        return b"".join(out)

    def _from_openai(self, event: wire.SSEEvent, out: list[bytes]) -> None:
        if event.data == b"[DONE]":
            self._done = True
            if self._to_anthropic is not None:
                out.extend(self._anthropic_events(self._to_anthropic.finish()))
            else:
                out.append(wire.OPENAI_DONE)
            return
        if not event.data:
            return
        chunk = orjson.loads(event.data)
        usage = chunk.get("usage")
        if usage:
            self._usage = wire.usage_from_openai(usage)
        if self._to_anthropic is not None:
            out.extend(self._anthropic_events(self._to_anthropic.feed(chunk)))
            return
        data = event.data
        if not self.call.include_usage:
            # We asked for usage on the client's behalf: hold back the usage chunk, and the
            # `"usage": null` OpenAI then adds to every other chunk, so the client receives
            # exactly what it asked for.
            if usage and not chunk.get("choices"):
                return
            if "usage" in chunk:
                del chunk["usage"]
                data = orjson.dumps(chunk)
        if self._accumulator is not None:
            self._accumulator.feed(chunk)
        out.append(b"data: " + data + b"\n\n")

    def _from_anthropic(self, event: wire.SSEEvent, out: list[bytes]) -> None:
        if not event.data:
            return
        data = orjson.loads(event.data)
        name = event.event or str(data.get("type", "message"))
        if name == "message_start":
            self._anthropic_usage = dict((data.get("message") or {}).get("usage") or {})
        elif name == "message_delta" and data.get("usage"):
            # A null in the delta must not wipe a count that message_start gave.
            self._anthropic_usage = wire.merge_anthropic_usage(self._anthropic_usage, data["usage"])
        elif name == "message_stop":
            self._done = True
            self._usage = wire.usage_from_anthropic(self._anthropic_usage)
        if self._to_openai is not None:
            chunks = self._to_openai.feed(name, data)
            for chunk in chunks:
                if self._accumulator is not None:
                    self._accumulator.feed(chunk)
                out.append(wire.encode_openai_chunk(chunk))
            if name == "message_stop":
                out.append(wire.OPENAI_DONE)
            return
        if self._accumulator is not None:
            self._accumulator.feed(name, data)
        out.append(b"event: " + name.encode() + b"\ndata: " + event.data + b"\n\n")

    def _anthropic_events(self, events: list[tuple[str, dict[str, Any]]]) -> list[bytes]:
        if self._accumulator is not None:
            for name, data in events:
                self._accumulator.feed(name, data)
        return [wire.encode_anthropic_event(name, data) for name, data in events]

    def usage(self) -> Usage | None:
        if self._to_openai is not None and self._done:
            return self._to_openai.usage
        if self._to_anthropic is not None and self._done:
            return self._to_anthropic.usage
        return self._usage

    def assembled(self) -> dict[str, Any] | None:
        if self._accumulator is None or not self._done:
            return None
        result: dict[str, Any] = (
            self._accumulator.completion()
            if self.call.format == "openai"
            else self._accumulator.message()
        )
        return result

    def error_event(self, message: str) -> bytes:
        if self.call.format == "openai":
            return wire.encode_openai_chunk(wire.openai_error_body(502, message, "upstream_error"))
        return wire.encode_anthropic_event(
            "error", wire.anthropic_error_body(502, message, "api_error")
        )


def replay(call: ChatCall, answer: dict[str, Any]) -> AsyncIterator[bytes]:
    """A stored answer as the stream the client asked for (a cache hit on a streamed call)."""
    if call.format == "openai":
        chunks = wire.openai_completion_to_chunks(answer, include_usage=call.include_usage)
        payload = b"".join(wire.encode_openai_chunk(chunk) for chunk in chunks) + wire.OPENAI_DONE
    else:
        events = wire.anthropic_message_to_events(answer)
        payload = b"".join(wire.encode_anthropic_event(name, data) for name, data in events)
    return _once(payload)


async def _once(payload: bytes) -> AsyncIterator[bytes]:
    yield payload
