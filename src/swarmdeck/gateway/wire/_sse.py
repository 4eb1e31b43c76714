"""Server-sent events: an incremental decoder for provider streams and encoders for clients.

The decoder follows the WHATWG event-stream rules that matter for LLM APIs: lines end
in CRLF, LF or CR (a CRLF may be split across reads), `data` lines join with LF,
comments and unknown fields are skipped, and an event without data is not dispatched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event: its `event:` name (None when absent) and its joined data."""

    event: str | None
    data: bytes

    def json(self) -> Any:
        """Decode the data as JSON."""
        return orjson.loads(self.data)


class SSEDecoder:
    """Turn arbitrary byte chunks of an event stream into complete events."""

    __slots__ = ("_buffer", "_data", "_event", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._event: str | None = None
        self._skip_lf = False  # the last chunk ended in CR: a leading LF belongs to it
        self._started = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Add bytes from the stream; return the events they complete."""
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._started:
            buffered = self._buffer + chunk
            if len(buffered) < 3 and b"\xef\xbb\xbf".startswith(buffered):
                self._buffer = buffered
                return []
            self._started = True
            self._buffer = buffered.removeprefix(b"\xef\xbb\xbf")
        else:
            self._buffer += chunk
        buffer = self._buffer
        if buffer.endswith(b"\r"):
            self._skip_lf = True
        lines = _LINE_END.split(buffer)
        self._buffer = lines.pop()  # the unterminated tail
        events: list[SSEEvent] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(SSEEvent(self._event, b"\n".join(self._data)))
                self._data = []
                self._event = None
            elif line[0] != 0x3A:  # not a ":" comment
                self._field(line)
        return events

    def _field(self, line: bytes) -> None:
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        # id and retry mean nothing for a request/response stream; unknown fields are ignored.


OPENAI_DONE = b"data: [DONE]\n\n"


def encode_openai_chunk(chunk: Any) -> bytes:
    """Frame one OpenAI `chat.completion.chunk` (or error object) as an SSE event."""
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def encode_anthropic_event(name: str, data: Any) -> bytes:
    """Frame one Anthropic stream event, named as the Messages API names it."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
