"""What the fake provider's two wire formats share: settings, faults, the log, token counts."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Every conversation costs this many input tokens on top of its words (like a chat template).
PROMPT_OVERHEAD_TOKENS = 3
# A tool call (name and empty arguments) counts as this many output tokens.
TOOL_CALL_TOKENS = 2


def echo(text: str) -> str:
    """The default reply: `echo: ` and the last user text."""
    return f"echo: {text}"


def words(text: str) -> int:
    """The deterministic token count of `text`: its whitespace-separated words."""
    return len(text.split())


def pieces(text: str) -> list[str]:
    """`text` cut into stream deltas, a word with its trailing whitespace each."""
    return [p for p in re.split(r"(?<=\s)(?=\S)", text) if p]


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, consumed by the next request it matches.

    `status` answers with that HTTP status and the provider's error body; `retry_after`
    (seconds) adds the `retry-after` header; `delay` waits before answering at all;
    `delay_first_byte` (streams) waits after the headers before the first event;
    `drop_after` closes the connection after that many stream events (0, or a non-streamed
    request: without any answer). `model` limits the fault to requests for that model.
    """

    status: int | None = None
    message: str = "scripted fault"
    retry_after: float | None = None
    delay: float = 0.0
    delay_first_byte: float = 0.0
    drop_after: int | None = None
    model: str | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the fake received it; header names are lower-cased."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    time: float


@dataclass(frozen=True)
class Answer:
    """What the model says to one request, with its exact token counts."""

    text: str | None
    tool: str | None
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    truncated: bool


@dataclass
class Script:
    """The fake's behaviour, shared by its handlers and changed by tests at run time."""

    api_key: str
    reply: Callable[[str], str] = echo
    latency: float = 0.0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    embedding_dimensions: int = 8
    models: list[str] = field(
        default_factory=lambda: ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]
    )
    record: bool = True
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)

    def take_fault(self, model: object) -> Fault | None:
        """Remove and return the first queued fault for `model` (or for any model)."""
        if not self.faults:
            return None
        for index, fault in enumerate(self.faults):
            if fault.model is None or fault.model == model:
                del self.faults[index]
                return fault
        return None

    def log(self, method: str, path: str, headers: Iterable[tuple[str, str]], body: Any) -> None:
        if self.record:
            lowered = {name.lower(): value for name, value in headers}
            self.requests.append(RecordedRequest(method, path, lowered, body, time.time()))

    def answer(
        self,
        *,
        prompt_words: int,
        last_user_text: str,
        tool: str | None,
        max_tokens: int | None,
    ) -> Answer:
        """The reply to a conversation of `prompt_words` words, cut at `max_tokens`."""
        input_tokens = prompt_words + PROMPT_OVERHEAD_TOKENS
        cached = min(self.cached_tokens, input_tokens)
        if tool is not None:
            return Answer(
                None, tool, input_tokens, TOOL_CALL_TOKENS + self.reasoning_tokens, cached,
                self.reasoning_tokens, truncated=False,
            )  # fmt: skip
        text = self.reply(last_user_text)
        truncated = max_tokens is not None and words(text) > max_tokens
        if truncated:
            text = "".join(pieces(text.lstrip())[:max_tokens]).rstrip()
        return Answer(
            text, None, input_tokens, words(text) + self.reasoning_tokens, cached,
            self.reasoning_tokens, truncated,
        )  # fmt: skip


def requested_tool(text: str, names: Iterable[str]) -> str | None:
    """The tool `text` asks for with `call <name>`, among `names`."""
    for name in names:
        if re.search(rf"\bcall {re.escape(name)}\b", text):
            return name
    return None


def text_of(content: Any) -> str:
    """The text in a message's content: a string or a list of parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            if isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif "content" in part:  # an Anthropic tool_result block
                    texts.append(text_of(part["content"]))
        return " ".join(texts)
    return ""
