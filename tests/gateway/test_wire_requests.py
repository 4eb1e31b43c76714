"""Request translation between OpenAI chat completions and Anthropic Messages."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import orjson
import pydantic
import pytest
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

from swarmdeck.core.errors import InvalidInput
from swarmdeck.gateway.wire import anthropic_to_openai_request, openai_to_anthropic_request

_ANTHROPIC_PARAMS = pydantic.TypeAdapter(MessageCreateParamsNonStreaming)
_OPENAI_PARAMS = pydantic.TypeAdapter(CompletionCreateParamsNonStreaming)

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

WEATHER_TOOL_OPENAI = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WEATHER_TOOL_ANTHROPIC = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": WEATHER_TOOL_OPENAI["function"]["parameters"],  # type: ignore[index]
}

# A realistic agent turn: system prompt, question, two parallel tool calls, their results.
OPENAI_TOOL_CONVERSATION: dict[str, Any] = {
    "model": "smart",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "4C, snow"},
        {"role": "user", "content": "Which is warmer?"},
    ],
    "tools": [WEATHER_TOOL_OPENAI],
    "tool_choice": "auto",
    "max_tokens": 300,
}


def _validated(adapter: pydantic.TypeAdapter[Any], body: dict[str, Any]) -> Any:
    """Validate a request against the SDK's param types, forcing their lazy iterables."""

    def force(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: force(v) for k, v in value.items()}
        if isinstance(value, list | tuple | Iterator):
            return [force(v) for v in value]
        return value

    return force(adapter.validate_python(body))


def to_anthropic(body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    out = openai_to_anthropic_request(body, model="claude-x", default_max_tokens=4096, **kwargs)
    _validated(_ANTHROPIC_PARAMS, {k: v for k, v in out.items() if k != "stream"})
    return out


def to_openai(body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    out = anthropic_to_openai_request(body, model="gpt-x", **kwargs)
    _validated(
        _OPENAI_PARAMS, {k: v for k, v in out.items() if k not in ("stream", "stream_options")}
    )
    return out


# --------------------------------------------------------------------------- OpenAI -> Anthropic


def test_system_and_developer_messages_become_the_top_level_system_blocks() -> None:
    out = to_anthropic(
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "developer", "content": [{"type": "text", "text": "Use metric."}]},
                {"role": "user", "content": "Hi"},
            ]
        }
    )
    assert out["system"] == [
        {"type": "text", "text": "Be brief."},
        {"type": "text", "text": "Use metric."},
    ]
    assert out["messages"] == [{"role": "user", "content": "Hi"}]
    assert out["model"] == "claude-x"


def test_max_tokens_defaults_and_max_completion_tokens_wins() -> None:
    messages = [{"role": "user", "content": "Hi"}]
    assert to_anthropic({"messages": messages})["max_tokens"] == 4096
    assert to_anthropic({"messages": messages, "max_tokens": 50})["max_tokens"] == 50
    both = {"messages": messages, "max_tokens": 50, "max_completion_tokens": 70}
    assert to_anthropic(both)["max_tokens"] == 70


def test_sampling_stop_stream_and_user_carry_over() -> None:
    out = to_anthropic(
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "temperature": 1.6,
            "top_p": 0.9,
            "stop": "END",
            "stream": True,
            "stream_options": {"include_usage": True},
            "user": "alice",
            "seed": 7,
        }
    )
    assert out["temperature"] == 1.0  # OpenAI's range runs to 2, Anthropic's to 1
    assert out["top_p"] == 0.9
    assert out["stop_sequences"] == ["END"]
    assert out["stream"] is True
    assert out["metadata"] == {"user_id": "alice"}
    assert "seed" not in out and "stream_options" not in out


def test_image_parts_become_base64_or_url_sources() -> None:
    out = to_anthropic(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Compare"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                        {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}},
                    ],
                }
            ]
        }
    )
    assert out["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.jpg"}},
    ]


def test_tool_calls_become_tool_use_and_consecutive_results_merge_into_one_user_turn() -> None:
    out = to_anthropic(OPENAI_TOOL_CONVERSATION)
    assert [m["role"] for m in out["messages"]] == ["user", "assistant", "user"]
    assert out["messages"][1]["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {"city": "Oslo"}},
    ]
    assert out["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "18C, sunny"},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "4C, snow"},
        {"type": "text", "text": "Which is warmer?"},
    ]
    assert out["tools"] == [WEATHER_TOOL_ANTHROPIC]
    assert "tool_choice" not in out  # "auto" is Anthropic's default


def test_consecutive_user_messages_merge_so_roles_alternate() -> None:
    out = to_anthropic(
        {
            "messages": [
                {"role": "user", "content": "one"},
                {"role": "user", "content": [{"type": "text", "text": "two"}]},
                {"role": "assistant", "content": "ok"},
                {"role": "assistant", "content": "more"},
            ]
        }
    )
    assert out["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "ok"}, {"type": "text", "text": "more"}],
        },
    ]


def test_assistant_text_with_tool_call_keeps_both_in_order() -> None:
    out = to_anthropic(
        {
            "messages": [
                {"role": "user", "content": "Paris?"},
                {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ],
                },
            ]
        }
    )
    assert out["messages"][1]["content"] == [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "c", "name": "get_weather", "input": {}},
    ]


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        ("auto", None, None),
        ("none", None, {"type": "none"}),
        ("required", None, {"type": "any"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        ("auto", False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
    ],
)
def test_tool_choice_maps_to_anthropic(choice: Any, parallel: bool | None, expected: Any) -> None:
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": "Hi"}],
        "tools": [WEATHER_TOOL_OPENAI],
        "tool_choice": choice,
    }
    if parallel is not None:
        body["parallel_tool_calls"] = parallel
    out = to_anthropic(body)
    assert out.get("tool_choice") == expected


def test_tool_without_parameters_gets_an_empty_object_schema() -> None:
    out = to_anthropic(
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "tools": [{"type": "function", "function": {"name": "now"}}],
        }
    )
    assert out["tools"] == [{"name": "now", "input_schema": {"type": "object", "properties": {}}}]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"n": 2}, "`n`"),
        ({"logprobs": True}, "logprobs"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"tools": [{"type": "custom", "custom": {"name": "x"}}]}, "tool type"),
    ],
)
def test_fields_anthropic_cannot_honour_are_refused(extra: dict[str, Any], needle: str) -> None:
    body = {"messages": [{"role": "user", "content": "Hi"}], **extra}
    with pytest.raises(InvalidInput, match=needle):
        openai_to_anthropic_request(body, model="m", default_max_tokens=10)


def test_harmless_openai_defaults_are_accepted() -> None:
    out = to_anthropic(
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "n": 1,
            "logprobs": False,
            "response_format": {"type": "text"},
            "modalities": ["text"],
        }
    )
    assert out["messages"] == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    "message",
    [
        {
            "role": "user",
            "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}],
        },
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "data:image/png,rawbytes"}}],
        },
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{oops"}}
            ],
        },
        {"role": "function", "name": "f", "content": "x"},
        {"role": "tool", "content": "no id"},
    ],
)
def test_malformed_or_unsupported_messages_are_refused_with_their_position(message: Any) -> None:
    body = {"messages": [{"role": "user", "content": "Hi"}, message]}
    with pytest.raises(InvalidInput, match=r"messages\[1\]"):
        openai_to_anthropic_request(body, model="m", default_max_tokens=10)


def test_translation_does_not_mutate_the_callers_body() -> None:
    body = copy.deepcopy(OPENAI_TOOL_CONVERSATION)
    openai_to_anthropic_request(body, model="m", default_max_tokens=10)
    assert body == OPENAI_TOOL_CONVERSATION


# --------------------------------------------------------------------------- Anthropic -> OpenAI

ANTHROPIC_TOOL_CONVERSATION: dict[str, Any] = {
    "model": "smart",
    "max_tokens": 300,
    "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Two cities.", "signature": "sig"},
                {"type": "text", "text": "Checking both."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "get_weather",
                    "input": {"city": "Oslo"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [{"type": "text", "text": "4C, snow"}],
                },
                {"type": "text", "text": "Which is warmer?"},
            ],
        },
    ],
    "tools": [WEATHER_TOOL_ANTHROPIC],
    "tool_choice": {"type": "auto"},
    "stop_sequences": ["END"],
    "temperature": 0.2,
    "top_k": 40,
    "metadata": {"user_id": "alice"},
}


def test_anthropic_tool_conversation_becomes_openai_messages() -> None:
    out = to_openai(ANTHROPIC_TOOL_CONVERSATION)
    assert out["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": "Checking both.",
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                },
                {
                    "id": "toolu_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "18C, sunny"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "4C, snow"},
        {"role": "user", "content": "Which is warmer?"},
    ]
    assert out["tools"] == [WEATHER_TOOL_OPENAI]
    assert out["tool_choice"] == "auto"
    assert out["max_completion_tokens"] == 300
    assert out["stop"] == ["END"]
    assert out["temperature"] == 0.2
    assert out["user"] == "alice"
    assert "top_k" not in out and "metadata" not in out


def test_max_tokens_field_can_be_the_legacy_one() -> None:
    out = to_openai(ANTHROPIC_TOOL_CONVERSATION, max_tokens_field="max_tokens")
    assert out["max_tokens"] == 300 and "max_completion_tokens" not in out


def test_streaming_anthropic_request_always_asks_openai_for_usage() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "stream": True,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    out = to_openai(body)
    assert out["stream"] is True
    assert out["stream_options"] == {"include_usage": True}


def test_system_string_and_images_translate_to_openai() -> None:
    out = to_openai(
        {
            "model": "m",
            "max_tokens": 5,
            "system": "Be brief.",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                        },
                        {
                            "type": "image",
                            "source": {"type": "url", "url": "https://x.test/cat.jpg"},
                        },
                        {"type": "text", "text": "Same animal?"},
                    ],
                }
            ],
        }
    )
    assert out["messages"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}},
                {"type": "text", "text": "Same animal?"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("choice", "expected", "parallel"),
    [
        ({"type": "auto"}, "auto", None),
        ({"type": "any"}, "required", None),
        ({"type": "none"}, "none", None),
        (
            {"type": "tool", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
            None,
        ),
        ({"type": "any", "disable_parallel_tool_use": True}, "required", False),
    ],
)
def test_anthropic_tool_choice_maps_to_openai(
    choice: Any, expected: Any, parallel: bool | None
) -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hi"}],
        "tools": [WEATHER_TOOL_ANTHROPIC],
        "tool_choice": choice,
    }
    out = to_openai(body)
    assert out["tool_choice"] == expected
    assert out.get("parallel_tool_calls") == parallel


@pytest.mark.parametrize(
    "body_extra",
    [
        {"tools": [{"type": "web_search_20250305", "name": "web_search"}]},
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t",
                            "content": [
                                {"type": "image", "source": {"type": "url", "url": "https://x"}}
                            ],
                        }
                    ],
                }
            ]
        },
        {"messages": [{"role": "user", "content": [{"type": "document", "source": {}}]}]},
        {"messages": []},
    ],
)
def test_anthropic_features_openai_cannot_carry_are_refused(body_extra: dict[str, Any]) -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hi"}],
        **body_extra,
    }
    with pytest.raises(InvalidInput):
        anthropic_to_openai_request(body, model="m")


# --------------------------------------------------------------------------- round trips


def test_openai_request_survives_a_round_trip_through_anthropic() -> None:
    there = openai_to_anthropic_request(
        OPENAI_TOOL_CONVERSATION, model="claude", default_max_tokens=1
    )
    back = anthropic_to_openai_request(there, model="gpt", max_tokens_field="max_tokens")
    original = OPENAI_TOOL_CONVERSATION["messages"]
    assert back["messages"][:2] == original[:2]
    calls = back["messages"][2]["tool_calls"]
    assert [c["id"] for c in calls] == ["call_1", "call_2"]
    assert [orjson.loads(c["function"]["arguments"]) for c in calls] == [
        {"city": "Paris"},
        {"city": "Oslo"},
    ]
    assert back["messages"][3:] == original[3:]
    assert back["tools"] == OPENAI_TOOL_CONVERSATION["tools"]
    assert back["max_tokens"] == 300


def test_anthropic_request_survives_a_round_trip_through_openai() -> None:
    there = anthropic_to_openai_request(ANTHROPIC_TOOL_CONVERSATION, model="gpt")
    back = openai_to_anthropic_request(there, model="claude", default_max_tokens=1)
    assert back["system"] == [{"type": "text", "text": "You are terse."}]
    assert back["messages"][0] == {"role": "user", "content": "Weather in Paris and Oslo?"}
    # thinking is Anthropic-only and signed; everything else comes back
    assert (
        back["messages"][1]["content"] == ANTHROPIC_TOOL_CONVERSATION["messages"][1]["content"][1:]
    )
    results = back["messages"][2]["content"]
    assert results[0] == {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"}
    assert results[1] == {"type": "tool_result", "tool_use_id": "toolu_2", "content": "4C, snow"}
    assert results[2] == {"type": "text", "text": "Which is warmer?"}
    assert back["tools"] == [WEATHER_TOOL_ANTHROPIC]
    assert back["stop_sequences"] == ["END"]
    assert back["metadata"] == {"user_id": "alice"}
    assert back["max_tokens"] == 300


@pytest.mark.parametrize(
    "body",
    [
        {"messages": "hello"},
        {"messages": [{"role": "user", "content": "Hi"}], "tools": ["get_weather"]},
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "tools": [{"type": "function", "function": {}}],
        },
        {"messages": [{"role": "user", "content": "Hi"}], "temperature": "hot"},
        {
            "messages": [{"role": "user", "content": "Hi"}],
            "tools": [WEATHER_TOOL_OPENAI],
            "tool_choice": {"type": "function"},
        },
        {"messages": [{"role": "assistant", "tool_calls": ["call_1"]}]},
    ],
)
def test_malformed_openai_bodies_are_invalid_input_not_crashes(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        openai_to_anthropic_request(body, model="m", default_max_tokens=10)


@pytest.mark.parametrize(
    "body",
    [
        {
            "messages": [
                {"role": "user", "content": [{"type": "image", "source": {"type": "base64"}}]}
            ]
        },
        {"messages": [{"role": "user", "content": "Hi"}], "tools": [{"description": "no name"}]},
        {"messages": [{"role": "user", "content": 5}]},
        {"system": [{"type": "image"}], "messages": [{"role": "user", "content": "Hi"}]},
    ],
)
def test_malformed_anthropic_bodies_are_invalid_input_not_crashes(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        anthropic_to_openai_request({"max_tokens": 5, **body}, model="m")


def test_tool_message_with_text_parts_becomes_a_tool_result_with_text_blocks() -> None:
    out = to_anthropic(
        {
            "messages": [
                {"role": "user", "content": "Hi"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": "c",
                    "content": [{"type": "text", "text": "done"}],
                },
            ]
        }
    )
    assert out["messages"][2] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "c",
                "content": [{"type": "text", "text": "done"}],
            }
        ],
    }


def test_cache_control_breakpoints_on_openai_parts_reach_anthropic() -> None:
    marker = {"type": "ephemeral"}
    out = to_anthropic(
        {
            "messages": [
                {
                    "role": "system",
                    "content": [{"type": "text", "text": "Long manual", "cache_control": marker}],
                },
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "Q", "cache_control": marker}],
                },
            ]
        }
    )
    assert out["system"] == [{"type": "text", "text": "Long manual", "cache_control": marker}]
    assert out["messages"][0]["content"] == [{"type": "text", "text": "Q", "cache_control": marker}]


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


def test_structured_output_schemas_translate_both_ways() -> None:
    openai_body = {
        "messages": [{"role": "user", "content": "Hi"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "reply", "schema": SCHEMA, "strict": True},
        },
    }
    anthropic = to_anthropic(openai_body)
    assert anthropic["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    back = to_openai(anthropic)
    assert back["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": SCHEMA},
    }


def test_server_side_containers_are_refused_for_openai_providers() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hi"}],
        "container": "c_1",
    }
    with pytest.raises(InvalidInput, match="container"):
        anthropic_to_openai_request(body, model="m")
