"""Whole-response translation between an Anthropic `message` and an OpenAI `chat.completion`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import Message
from openai.types.chat import ChatCompletion

from swarmdeck.gateway.wire import anthropic_to_openai_response, openai_to_anthropic_response

ANTHROPIC_TOOL_MESSAGE: dict[str, Any] = {
    "id": "msg_01Aq9w938a90dw8q",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "thinking", "thinking": "Use the tool.", "signature": "RXFB"},
        {"type": "text", "text": "I'll check "},
        {"type": "text", "text": "that."},
        {
            "type": "tool_use",
            "id": "toolu_01",
            "name": "get_weather",
            "input": {"city": "Paris", "unit": "c"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 20,
        "output_tokens": 45,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 300,
        "output_tokens_details": {"thinking_tokens": 12},
    },
}

OPENAI_TOOL_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Looking it up.",
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_abc",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 1117,
        "completion_tokens": 46,
        "total_tokens": 1163,
        "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}


def test_anthropic_message_becomes_a_valid_chat_completion() -> None:
    out = anthropic_to_openai_response(ANTHROPIC_TOOL_MESSAGE, alias="smart", created=123)
    completion = ChatCompletion.model_validate(out)
    assert completion.model == "smart"
    assert completion.created == 123
    choice = completion.choices[0]
    assert choice.message.content == "I'll check that."  # thinking is not leaked as content
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.id == "toolu_01" and call.function.name == "get_weather"
    assert orjson.loads(call.function.arguments) == {"city": "Paris", "unit": "c"}
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 20 + 1000 + 300
    assert completion.usage.completion_tokens == 45
    assert completion.usage.total_tokens == 1320 + 45
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 1000
    assert completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens == 12


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("model_context_window_exceeded", "length"),
        (None, "stop"),
    ],
)
def test_stop_reasons_map_to_finish_reasons(stop_reason: str | None, finish_reason: str) -> None:
    message = {
        **ANTHROPIC_TOOL_MESSAGE,
        "content": [{"type": "text", "text": "x"}],
        "stop_reason": stop_reason,
    }
    out = anthropic_to_openai_response(message, alias="a")
    assert out["choices"][0]["finish_reason"] == finish_reason
    ChatCompletion.model_validate(out)


def test_tool_only_answer_has_null_content_and_text_only_has_no_tool_calls() -> None:
    tool_only = {**ANTHROPIC_TOOL_MESSAGE, "content": ANTHROPIC_TOOL_MESSAGE["content"][3:]}
    assert (
        anthropic_to_openai_response(tool_only, alias="a")["choices"][0]["message"]["content"]
        is None
    )
    text_only = {**ANTHROPIC_TOOL_MESSAGE, "content": [{"type": "text", "text": "hi"}]}
    message = anthropic_to_openai_response(text_only, alias="a")["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "hi"}


def test_openai_completion_becomes_a_valid_anthropic_message() -> None:
    out = openai_to_anthropic_response(OPENAI_TOOL_COMPLETION, alias="smart")
    message = Message.model_validate(out)
    assert message.model == "smart"
    assert message.stop_reason == "tool_use"
    assert [b.type for b in message.content] == ["text", "tool_use"]
    tool = message.content[1]
    assert tool.type == "tool_use" and tool.id == "call_abc" and tool.input == {"city": "Paris"}
    assert message.usage.input_tokens == 1117 - 1024
    assert message.usage.cache_read_input_tokens == 1024
    assert message.usage.output_tokens == 46


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("tool_calls", "tool_use"),
        ("content_filter", "refusal"),
    ],
)
def test_finish_reasons_map_to_stop_reasons(finish_reason: str, stop_reason: str) -> None:
    completion = {
        **OPENAI_TOOL_COMPLETION,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "x"},
                "finish_reason": finish_reason,
            }
        ],
    }
    out = openai_to_anthropic_response(completion, alias="a")
    assert out["stop_reason"] == stop_reason
    Message.model_validate(out)


def test_malformed_tool_arguments_from_a_model_become_an_empty_object() -> None:
    completion = {
        **OPENAI_TOOL_COMPLETION,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"a": '},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
    }
    out = openai_to_anthropic_response(completion, alias="a")
    assert out["content"] == [{"type": "tool_use", "id": "c", "name": "f", "input": {}}]
    Message.model_validate(out)


def test_completion_without_usage_reports_zero_usage() -> None:
    completion = {k: v for k, v in OPENAI_TOOL_COMPLETION.items() if k != "usage"}
    out = openai_to_anthropic_response(completion, alias="a")
    assert out["usage"]["input_tokens"] == 0 and out["usage"]["output_tokens"] == 0


def test_anthropic_message_round_trips_through_openai() -> None:
    there = anthropic_to_openai_response(ANTHROPIC_TOOL_MESSAGE, alias="smart")
    back = openai_to_anthropic_response(there, alias="smart")
    Message.model_validate(back)
    assert back["content"] == [
        {"type": "text", "text": "I'll check that."},
        {
            "type": "tool_use",
            "id": "toolu_01",
            "name": "get_weather",
            "input": {"city": "Paris", "unit": "c"},
        },
    ]
    assert back["stop_reason"] == "tool_use"
    assert back["id"] == ANTHROPIC_TOOL_MESSAGE["id"]
    usage = ANTHROPIC_TOOL_MESSAGE["usage"]
    assert back["usage"] == {
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
    }


def test_openai_completion_round_trips_through_anthropic() -> None:
    there = openai_to_anthropic_response(OPENAI_TOOL_COMPLETION, alias="smart")
    back = anthropic_to_openai_response(there, alias="smart")
    ChatCompletion.model_validate(back)
    original = OPENAI_TOOL_COMPLETION["choices"][0]["message"]
    message = back["choices"][0]["message"]
    assert message["content"] == original["content"]
    assert message["tool_calls"][0]["id"] == "call_abc"
    assert orjson.loads(message["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert back["choices"][0]["finish_reason"] == "tool_calls"
    assert back["usage"]["prompt_tokens"] == 1117
    assert back["usage"]["completion_tokens"] == 46
    assert back["usage"]["prompt_tokens_details"]["cached_tokens"] == 1024
