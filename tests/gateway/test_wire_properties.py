"""Properties over generated answers: replaying a whole answer as a stream and
accumulating it gives the answer back, and translation keeps text and tool calls."""

from __future__ import annotations

from typing import Any

import orjson
from anthropic.types import Message
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion

from swarmdeck.gateway.wire import (
    AnthropicStreamAccumulator,
    AnthropicToOpenAIStream,
    OpenAIStreamAccumulator,
    OpenAIToAnthropicStream,
    anthropic_message_to_events,
    anthropic_to_openai_response,
    openai_completion_to_chunks,
    openai_to_anthropic_response,
)

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
_objects = st.dictionaries(st.text(min_size=1, max_size=8), _json, max_size=4)
_ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=12)
_names = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
_counts = st.integers(0, 10**6)

_text_block = st.builds(lambda t: {"type": "text", "text": t}, st.text(min_size=1))
_tool_block = st.builds(
    lambda i, n, a: {"type": "tool_use", "id": "toolu_" + i, "name": n, "input": a},
    _ids,
    _names,
    _objects,
)
_thinking_block = st.builds(
    lambda t, s: {"type": "thinking", "thinking": t, "signature": s}, st.text(min_size=1), _ids
)


@st.composite
def anthropic_messages(draw: st.DrawFn) -> dict[str, Any]:
    blocks = draw(st.lists(st.one_of(_text_block, _tool_block, _thinking_block), max_size=5))
    usage = {
        "input_tokens": draw(_counts),
        "output_tokens": draw(_counts),
        "cache_read_input_tokens": draw(_counts),
        "cache_creation_input_tokens": draw(_counts),
    }
    return {
        "id": "msg_" + draw(_ids),
        "type": "message",
        "role": "assistant",
        "model": draw(_names),
        "content": blocks,
        "stop_reason": draw(
            st.sampled_from(["end_turn", "max_tokens", "stop_sequence", "tool_use"])
        ),
        "stop_sequence": None,
        "usage": usage,
    }


@st.composite
def openai_completions(draw: st.DrawFn) -> dict[str, Any]:
    calls = draw(
        st.lists(
            st.builds(
                lambda i, n, a: {
                    "id": "call_" + i,
                    "type": "function",
                    "function": {"name": n, "arguments": orjson.dumps(a).decode()},
                },
                _ids,
                _names,
                _objects,
            ),
            max_size=3,
            unique_by=lambda c: c["id"],
        )
    )
    text = draw(st.text())
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = calls
        message["content"] = text or None
    prompt, cached, completion = draw(_counts), draw(_counts), draw(_counts)
    return {
        "id": "chatcmpl-" + draw(_ids),
        "object": "chat.completion",
        "created": draw(st.integers(0, 2**31)),
        "model": draw(_names),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": draw(st.sampled_from(["stop", "length", "tool_calls"])),
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt + cached,
            "completion_tokens": completion,
            "total_tokens": prompt + cached + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


@settings(max_examples=150)
@given(anthropic_messages())
def test_anthropic_message_replayed_and_accumulated_is_unchanged(message: dict[str, Any]) -> None:
    Message.model_validate(message)
    accumulator = AnthropicStreamAccumulator()
    for name, data in anthropic_message_to_events(message):
        accumulator.feed(name, data)
    assert accumulator.message() == message


@settings(max_examples=150)
@given(openai_completions(), st.booleans())
def test_openai_completion_replayed_and_accumulated_is_unchanged(
    completion: dict[str, Any], include_usage: bool
) -> None:
    ChatCompletion.model_validate(completion)
    accumulator = OpenAIStreamAccumulator()
    for chunk in openai_completion_to_chunks(completion, include_usage=include_usage):
        accumulator.feed(chunk)
    expected = dict(completion)
    if not include_usage:
        del expected["usage"]
    assert accumulator.completion() == expected


def _text_and_tools(message: dict[str, Any]) -> tuple[str, list[tuple[str, str, Any]]]:
    blocks = message["content"]
    text = "".join(b["text"] for b in blocks if b["type"] == "text")
    tools = [(b["id"], b["name"], b["input"]) for b in blocks if b["type"] == "tool_use"]
    return text, tools


@settings(max_examples=150)
@given(anthropic_messages())
def test_streamed_translation_to_openai_keeps_text_tool_calls_and_usage(
    message: dict[str, Any],
) -> None:
    stream = AnthropicToOpenAIStream("alias", include_usage=True, created=0)
    accumulator = OpenAIStreamAccumulator()
    for name, data in anthropic_message_to_events(message):
        for chunk in stream.feed(name, data):
            accumulator.feed(chunk)
    completion = accumulator.completion()
    ChatCompletion.model_validate(completion)
    back = openai_to_anthropic_response(completion, alias="alias")
    Message.model_validate(back)
    assert _text_and_tools(back) == _text_and_tools(message)
    assert back["usage"] == {k: message["usage"][k] for k in back["usage"]}
    assert completion == anthropic_to_openai_response(message, alias="alias", created=0)


@settings(max_examples=150)
@given(openai_completions())
def test_streamed_translation_to_anthropic_keeps_text_tool_calls_and_usage(
    completion: dict[str, Any],
) -> None:
    stream = OpenAIToAnthropicStream("alias")
    accumulator = AnthropicStreamAccumulator()
    for chunk in openai_completion_to_chunks(completion, include_usage=True):
        for name, data in stream.feed(chunk):
            accumulator.feed(name, data)
    for name, data in stream.finish():
        accumulator.feed(name, data)
    message = accumulator.message()
    Message.model_validate(message)
    back = anthropic_to_openai_response(message, alias="alias")
    original = completion["choices"][0]["message"]
    assert back["choices"][0]["message"]["content"] == original["content"]
    calls = back["choices"][0]["message"].get("tool_calls", [])
    assert [
        (c["id"], c["function"]["name"], orjson.loads(c["function"]["arguments"])) for c in calls
    ] == [
        (c["id"], c["function"]["name"], orjson.loads(c["function"]["arguments"]))
        for c in original.get("tool_calls", [])
    ]
    assert back["usage"]["prompt_tokens"] == completion["usage"]["prompt_tokens"]
    assert back["usage"]["prompt_tokens_details"] == completion["usage"]["prompt_tokens_details"]
    assert back["usage"]["completion_tokens"] == completion["usage"]["completion_tokens"]
