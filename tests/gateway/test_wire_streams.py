"""Streaming translation, stream accumulation and stream synthesis, on recorded-style streams."""

from __future__ import annotations

from typing import Any

import orjson
import pydantic
import pytest
from anthropic.types import Message, RawMessageStreamEvent
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.wire import (
    OPENAI_DONE,
    AnthropicStreamAccumulator,
    AnthropicToOpenAIStream,
    OpenAIStreamAccumulator,
    OpenAIToAnthropicStream,
    SSEDecoder,
    anthropic_message_to_events,
    anthropic_to_openai_response,
    openai_completion_to_chunks,
    openai_to_anthropic_response,
)

_EVENT = pydantic.TypeAdapter(RawMessageStreamEvent)

# What api.anthropic.com sends for a text answer followed by a tool call (ids shortened).
ANTHROPIC_TOOL_STREAM = b"""event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":2,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let me"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" check the weather."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\": \\"San Fra"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\\", \\"unit\\": \\"fahrenheit\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

"""

# What api.openai.com sends for two parallel tool calls with stream_options.include_usage.
OPENAI_TOOL_STREAM = b"""data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_PAR","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"ci"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\\": \\"Paris\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_OSL","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\\"city\\": \\"Oslo\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

data: {"id":"chatcmpl-AYf2","object":"chat.completion.chunk","created":1732000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_831e","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":40,"total_tokens":1240,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

data: [DONE]

"""

# A plain text answer from an OpenAI-wire server.
OPENAI_TEXT_STREAM = b"""data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1732000001,"model":"llama3","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1732000001,"model":"llama3","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}

data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1732000001,"model":"llama3","choices":[{"index":0,"delta":{"content":", world."},"finish_reason":null}]}

data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1732000001,"model":"llama3","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: {"id":"chatcmpl-T","object":"chat.completion.chunk","created":1732000001,"model":"llama3","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}

data: [DONE]

"""


def anthropic_events(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for event in SSEDecoder().feed(raw):
        assert event.event is not None
        out.append((event.event, event.json()))
    return out


def openai_chunks(raw: bytes) -> list[dict[str, Any]]:
    return [e.json() for e in SSEDecoder().feed(raw) if e.data != OPENAI_DONE[6:-2]]


def assert_valid_anthropic_stream(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Each event parses as the SDK's type, its SSE name matches, and blocks open and close in order."""
    open_blocks: list[int] = []
    started: list[int] = []
    for name, data in events:
        parsed = _EVENT.validate_python(data)
        assert parsed.type == name
        if name == "content_block_start":
            started.append(data["index"])
            open_blocks.append(data["index"])
        elif name == "content_block_delta":
            assert data["index"] in open_blocks
        elif name == "content_block_stop":
            open_blocks.remove(data["index"])
    assert events[0][0] == "message_start"
    assert [n for n, _ in events[-2:]] == ["message_delta", "message_stop"]
    assert not open_blocks
    assert started == list(range(len(started)))


# --------------------------------------------------------------------------- Anthropic -> OpenAI


def test_anthropic_tool_stream_becomes_valid_openai_chunks() -> None:
    stream = AnthropicToOpenAIStream("smart", include_usage=True)
    chunks = [
        c for name, data in anthropic_events(ANTHROPIC_TOOL_STREAM) for c in stream.feed(name, data)
    ]
    parsed = [ChatCompletionChunk.model_validate(c) for c in chunks]

    assert all(p.model == "smart" for p in parsed)
    assert len({p.id for p in parsed}) == 1
    assert parsed[0].choices[0].delta.role == "assistant"
    text = "".join(p.choices[0].delta.content or "" for p in parsed if p.choices)
    assert text == "Okay, let me check the weather."

    tool_deltas = [tc for p in parsed if p.choices for tc in p.choices[0].delta.tool_calls or ()]
    assert tool_deltas[0].id == "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    assert tool_deltas[0].function is not None and tool_deltas[0].function.name == "get_weather"
    assert {tc.index for tc in tool_deltas} == {0}
    arguments = "".join(tc.function.arguments or "" for tc in tool_deltas if tc.function)
    assert orjson.loads(arguments) == {"location": "San Francisco, CA", "unit": "fahrenheit"}

    finish, usage = parsed[-2], parsed[-1]
    assert finish.choices[0].finish_reason == "tool_calls"
    assert usage.choices == [] and usage.usage is not None
    assert usage.usage.prompt_tokens == 472 + 100 + 2000
    assert usage.usage.completion_tokens == 89
    assert usage.usage.prompt_tokens_details is not None
    assert usage.usage.prompt_tokens_details.cached_tokens == 2000
    assert stream.usage == Usage(
        input_tokens=2572, output_tokens=89, cached_input_tokens=2000, cache_write_tokens=100
    )


def test_usage_chunk_is_sent_only_when_the_client_asked_for_it() -> None:
    stream = AnthropicToOpenAIStream("smart", include_usage=False)
    chunks = [
        c for name, data in anthropic_events(ANTHROPIC_TOOL_STREAM) for c in stream.feed(name, data)
    ]
    assert all(c["choices"] for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert stream.usage.output_tokens == 89  # the gateway still learns the usage


def test_translated_stream_accumulates_to_the_translated_message() -> None:
    """Streaming and non-streaming translation agree on what the answer was."""
    events = anthropic_events(ANTHROPIC_TOOL_STREAM)
    stream = AnthropicToOpenAIStream("smart", include_usage=True, created=5)
    accumulator = OpenAIStreamAccumulator()
    anthropic = AnthropicStreamAccumulator()
    for name, data in events:
        anthropic.feed(name, data)
        for chunk in stream.feed(name, data):
            accumulator.feed(chunk)
    streamed = accumulator.completion()
    whole = anthropic_to_openai_response(anthropic.message(), alias="smart", created=5)
    ChatCompletion.model_validate(streamed)
    assert streamed["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    streamed_args = streamed["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    whole_args = whole["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert orjson.loads(streamed_args) == orjson.loads(whole_args)
    streamed["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = whole_args
    assert streamed == whole


def test_anthropic_stream_error_becomes_an_openai_error_object_and_ends_the_stream() -> None:
    stream = AnthropicToOpenAIStream("smart", include_usage=True)
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    (out,) = stream.feed("error", error)
    assert out["error"]["message"] == "Overloaded"
    assert stream.feed("message_stop", {"type": "message_stop"}) == []


def test_thinking_blocks_are_not_leaked_into_openai_content() -> None:
    stream = AnthropicToOpenAIStream("smart", include_usage=False)
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "content": [
            {"type": "thinking", "thinking": "secret plan", "signature": "c2ln"},
            {"type": "text", "text": "Answer."},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 9},
    }
    chunks = [
        c for name, data in anthropic_message_to_events(message) for c in stream.feed(name, data)
    ]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "Answer."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


# --------------------------------------------------------------------------- OpenAI -> Anthropic


def test_openai_tool_stream_becomes_valid_anthropic_events() -> None:
    stream = OpenAIToAnthropicStream("smart")
    events = [e for chunk in openai_chunks(OPENAI_TOOL_STREAM) for e in stream.feed(chunk)]
    events += stream.finish()
    assert_valid_anthropic_stream(events)

    starts = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert [(b["type"], b["id"], b["name"]) for b in starts] == [
        ("tool_use", "call_PAR", "get_weather"),
        ("tool_use", "call_OSL", "get_weather"),
    ]
    final = events[-2][1]
    assert final["delta"]["stop_reason"] == "tool_use"
    assert final["usage"]["input_tokens"] == 1200 - 1024
    assert final["usage"]["cache_read_input_tokens"] == 1024
    assert final["usage"]["output_tokens"] == 40
    assert stream.usage == Usage(input_tokens=1200, output_tokens=40, cached_input_tokens=1024)

    accumulator = AnthropicStreamAccumulator()
    for name, data in events:
        accumulator.feed(name, data)
    message = Message.model_validate(accumulator.message())
    assert message.model == "smart"
    assert [(b.type, getattr(b, "input", None)) for b in message.content] == [
        ("tool_use", {"city": "Paris"}),
        ("tool_use", {"city": "Oslo"}),
    ]
    assert accumulator.usage == stream.usage


def test_openai_text_stream_becomes_one_text_block() -> None:
    stream = OpenAIToAnthropicStream("fast")
    events = [e for chunk in openai_chunks(OPENAI_TEXT_STREAM) for e in stream.feed(chunk)]
    events += stream.finish()
    assert_valid_anthropic_stream(events)
    deltas = [d["delta"]["text"] for n, d in events if n == "content_block_delta"]
    assert deltas == ["Hello", ", world."]
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"
    assert stream.finish() == []  # finishing twice sends nothing more


def test_text_then_tool_call_closes_the_text_block_first() -> None:
    stream = OpenAIToAnthropicStream("smart")
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [
        {
            **head,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Let me look."}}],
        },
        {
            **head,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{}"},
                            }
                        ]
                    },
                }
            ],
        },
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    events = [e for c in chunks for e in stream.feed(c)] + stream.finish()
    assert_valid_anthropic_stream(events)
    names = [n for n, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_servers_reusing_index_zero_for_each_tool_call_still_get_separate_blocks() -> None:
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def call(call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
        tool: dict[str, Any] = {"index": 0, "function": {"arguments": arguments}}
        if call_id:
            tool["id"] = call_id
            tool["type"] = "function"
            tool["function"]["name"] = name
        return {**head, "choices": [{"index": 0, "delta": {"tool_calls": [tool]}}]}

    chunks = [
        call("call_a", "f", '{"x":'),
        call(None, None, "1}"),
        call("call_b", "g", '{"y": 2}'),
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    stream = OpenAIToAnthropicStream("m")
    accumulator = OpenAIStreamAccumulator()
    events = []
    for chunk in chunks:
        events += stream.feed(chunk)
        accumulator.feed(chunk)
    events += stream.finish()
    assert_valid_anthropic_stream(events)
    anthropic = AnthropicStreamAccumulator()
    for name, data in events:
        anthropic.feed(name, data)
    message = anthropic.message()
    assert [(b["id"], b["input"]) for b in message["content"]] == [
        ("call_a", {"x": 1}),
        ("call_b", {"y": 2}),
    ]
    assert message["stop_reason"] == "tool_use"  # "stop" after tool calls still means tool use
    calls = accumulator.completion()["choices"][0]["message"]["tool_calls"]
    assert [(c["id"], c["function"]["arguments"]) for c in calls] == [
        ("call_a", '{"x":1}'),
        ("call_b", '{"y": 2}'),
    ]


def test_openai_error_chunk_becomes_an_anthropic_error_event() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.feed({"error": {"message": "upstream died", "type": "server_error"}})
    assert events == [
        ("error", {"type": "error", "error": {"type": "api_error", "message": "upstream died"}})
    ]
    assert stream.finish() == []


def test_an_empty_openai_stream_still_produces_a_well_formed_message() -> None:
    stream = OpenAIToAnthropicStream("m")
    events = stream.finish()
    assert_valid_anthropic_stream(events)


# --------------------------------------------------------------------------- accumulate & synthesise

ANTHROPIC_MESSAGES: list[dict[str, Any]] = [
    {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Hi there."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "output_tokens": 3,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        },
    },
    {
        "id": "msg_2",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "They want weather.", "signature": "RXFB"},
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "get_weather",
                "input": {"city": "Paris", "days": [1, 2]},
            },
            {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 50,
            "output_tokens": 60,
            "cache_read_input_tokens": 900,
            "cache_creation_input_tokens": 7,
        },
    },
    {
        "id": "msg_3",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku",
        "content": [{"type": "text", "text": "STOP"}],
        "stop_reason": "stop_sequence",
        "stop_sequence": "END",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    },
]

OPENAI_COMPLETIONS: list[dict[str, Any]] = [
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1732000000,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi there."},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
    },
    {
        "id": "chatcmpl-2",
        "object": "chat.completion",
        "created": 1732000000,
        "model": "gpt-4o",
        "system_fingerprint": "fp_1",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a": 1}'},
                        },
                        {
                            "id": "call_2",
                            "type": "function",
                            "function": {"name": "g", "arguments": "{}"},
                        },
                    ],
                },
                "finish_reason": "tool_calls",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": 2000,
            "completion_tokens": 30,
            "total_tokens": 2030,
            "prompt_tokens_details": {"cached_tokens": 1920},
            "completion_tokens_details": {"reasoning_tokens": 12},
        },
    },
]


@pytest.mark.parametrize("message", ANTHROPIC_MESSAGES, ids=lambda m: m["id"])
def test_anthropic_accumulate_of_synthesise_is_the_identity(message: dict[str, Any]) -> None:
    Message.model_validate(message)
    events = anthropic_message_to_events(message)
    assert_valid_anthropic_stream(events)
    accumulator = AnthropicStreamAccumulator()
    for name, data in events:
        accumulator.feed(name, data)
    assert accumulator.message() == message
    assert accumulator.usage.input_tokens == (
        message["usage"]["input_tokens"]
        + message["usage"].get("cache_read_input_tokens", 0)
        + message["usage"].get("cache_creation_input_tokens", 0)
    )


@pytest.mark.parametrize("completion", OPENAI_COMPLETIONS, ids=lambda c: c["id"])
@pytest.mark.parametrize("include_usage", [True, False])
def test_openai_accumulate_of_synthesise_is_the_identity(
    completion: dict[str, Any], include_usage: bool
) -> None:
    ChatCompletion.model_validate(completion)
    chunks = openai_completion_to_chunks(completion, include_usage=include_usage)
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    accumulator = OpenAIStreamAccumulator()
    for chunk in chunks:
        accumulator.feed(chunk)
    expected = dict(completion)
    if not include_usage:
        del expected["usage"]
    assert accumulator.completion() == expected
    assert (chunks[-1]["choices"] == []) is include_usage


def test_recorded_openai_stream_accumulates_to_a_valid_completion() -> None:
    accumulator = OpenAIStreamAccumulator()
    for chunk in openai_chunks(OPENAI_TOOL_STREAM):
        accumulator.feed(chunk)
    completion = ChatCompletion.model_validate(accumulator.completion())
    assert completion.system_fingerprint == "fp_831e"
    calls = completion.choices[0].message.tool_calls or []
    assert [(c.id, c.function.arguments) for c in calls if c.type == "function"] == [
        ("call_PAR", '{"city": "Paris"}'),
        ("call_OSL", '{"city": "Oslo"}'),
    ]
    assert accumulator.usage == Usage(input_tokens=1200, output_tokens=40, cached_input_tokens=1024)


def test_recorded_anthropic_stream_accumulates_to_a_valid_message() -> None:
    accumulator = AnthropicStreamAccumulator()
    for name, data in anthropic_events(ANTHROPIC_TOOL_STREAM):
        accumulator.feed(name, data)
    message = Message.model_validate(accumulator.message())
    assert message.stop_reason == "tool_use"
    assert (
        message.content[0].type == "text"
        and message.content[0].text == "Okay, let me check the weather."
    )
    assert message.content[1].type == "tool_use"
    assert message.content[1].input == {"location": "San Francisco, CA", "unit": "fahrenheit"}
    assert message.usage.output_tokens == 89 and message.usage.input_tokens == 472


@pytest.mark.parametrize("message", ANTHROPIC_MESSAGES, ids=lambda m: m["id"])
def test_synthesised_anthropic_stream_translates_like_the_whole_message(
    message: dict[str, Any],
) -> None:
    stream = AnthropicToOpenAIStream("alias", include_usage=True, created=1)
    accumulator = OpenAIStreamAccumulator()
    for name, data in anthropic_message_to_events(message):
        for chunk in stream.feed(name, data):
            ChatCompletionChunk.model_validate(chunk)
            accumulator.feed(chunk)
    assert accumulator.completion() == anthropic_to_openai_response(
        message, alias="alias", created=1
    )


@pytest.mark.parametrize("completion", OPENAI_COMPLETIONS, ids=lambda c: c["id"])
def test_synthesised_openai_stream_translates_like_the_whole_completion(
    completion: dict[str, Any],
) -> None:
    stream = OpenAIToAnthropicStream("alias")
    accumulator = AnthropicStreamAccumulator()
    events = [
        e
        for chunk in openai_completion_to_chunks(completion, include_usage=True)
        for e in stream.feed(chunk)
    ]
    events += stream.finish()
    assert_valid_anthropic_stream(events)
    for name, data in events:
        accumulator.feed(name, data)
    assert accumulator.message() == openai_to_anthropic_response(completion, alias="alias")


def test_anthropic_tool_without_arguments_streams_an_empty_json_object() -> None:
    """Anthropic streams no JSON for an argument-less tool; OpenAI clients would choke on ""."""
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {"type": "message_start", "message": {**ANTHROPIC_MESSAGES[0], "content": []}},
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "toolu_9", "name": "now", "input": {}},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": ""},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 5},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    stream = AnthropicToOpenAIStream("a", include_usage=False)
    accumulator = OpenAIStreamAccumulator()
    for name, data in events:
        for chunk in stream.feed(name, data):
            accumulator.feed(chunk)
    (call,) = accumulator.completion()["choices"][0]["message"]["tool_calls"]
    assert call["function"] == {"name": "now", "arguments": "{}"}
    assert accumulator.completion()["choices"][0]["finish_reason"] == "tool_calls"
