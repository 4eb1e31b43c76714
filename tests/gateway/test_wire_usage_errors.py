"""Usage read from each wire format, and error bodies in each."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types import ErrorResponse
from openai.types.chat import ChatCompletion

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.wire import (
    anthropic_error_body,
    anthropic_usage,
    merge_anthropic_usage,
    openai_error_body,
    openai_usage,
    translate_error_body,
    usage_from_anthropic,
    usage_from_openai,
)


def test_openai_usage_counts_cached_and_reasoning_tokens_inside_the_totals() -> None:
    usage = usage_from_openai(
        {
            "prompt_tokens": 2006,
            "completion_tokens": 300,
            "total_tokens": 2306,
            "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 256, "audio_tokens": 0},
        }
    )
    assert usage == Usage(
        input_tokens=2006, output_tokens=300, cached_input_tokens=1920, reasoning_tokens=256
    )


def test_anthropic_usage_adds_cache_reads_and_writes_to_input() -> None:
    usage = usage_from_anthropic(
        {
            "input_tokens": 12,
            "output_tokens": 80,
            "cache_read_input_tokens": 4000,
            "cache_creation_input_tokens": 250,
            "service_tier": "standard",
        }
    )
    assert usage == Usage(
        input_tokens=4262, output_tokens=80, cached_input_tokens=4000, cache_write_tokens=250
    )


@pytest.mark.parametrize(
    "raw", [None, {}, {"prompt_tokens": None, "completion_tokens_details": None}]
)
def test_missing_or_null_openai_usage_is_zero(raw: dict[str, Any] | None) -> None:
    assert usage_from_openai(raw) == Usage()


@pytest.mark.parametrize("raw", [None, {}, {"input_tokens": 5, "cache_read_input_tokens": None}])
def test_missing_or_null_anthropic_fields_count_as_zero(raw: dict[str, Any] | None) -> None:
    assert usage_from_anthropic(raw).cached_input_tokens == 0


def test_merge_takes_input_from_message_start_and_cumulative_counts_from_message_delta() -> None:
    start = {"input_tokens": 472, "cache_read_input_tokens": 100, "output_tokens": 2}
    delta = {"output_tokens": 89, "input_tokens": None}
    merged = merge_anthropic_usage(start, delta)
    assert merged == {"input_tokens": 472, "cache_read_input_tokens": 100, "output_tokens": 89}
    assert start["output_tokens"] == 2  # inputs are not mutated
    assert usage_from_anthropic(merged) == Usage(
        input_tokens=572, output_tokens=89, cached_input_tokens=100
    )


@pytest.mark.parametrize(
    "usage",
    [
        Usage(),
        Usage(input_tokens=100, output_tokens=5),
        Usage(
            input_tokens=5000,
            output_tokens=70,
            cached_input_tokens=4000,
            cache_write_tokens=600,
            reasoning_tokens=30,
        ),
    ],
)
def test_usage_written_in_either_format_reads_back_the_same(usage: Usage) -> None:
    assert usage_from_openai(openai_usage(usage)) == usage
    assert usage_from_anthropic(anthropic_usage(usage)) == Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cached_input_tokens=usage.cached_input_tokens,
        cache_write_tokens=usage.cache_write_tokens,
    )
    completion = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [],
        "usage": openai_usage(usage),
    }
    ChatCompletion.model_validate(completion)


def test_error_bodies_have_each_formats_shape() -> None:
    assert openai_error_body(429, "slow down", "rate_limit_error") == {
        "error": {"message": "slow down", "type": "rate_limit_error", "param": None, "code": None}
    }
    body = anthropic_error_body(529, "busy", "overloaded_error")
    assert body == {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    assert ErrorResponse.model_validate(body).error.type == "overloaded_error"


@pytest.mark.parametrize(
    ("status", "openai_type", "anthropic_type"),
    [
        (400, "invalid_request_error", "invalid_request_error"),
        (401, "authentication_error", "authentication_error"),
        (403, "permission_error", "permission_error"),
        (404, "invalid_request_error", "not_found_error"),
        (429, "rate_limit_error", "rate_limit_error"),
        (500, "server_error", "api_error"),
        (503, "server_error", "api_error"),
        (529, "server_error", "overloaded_error"),
    ],
)
def test_error_type_defaults_follow_the_status(
    status: int, openai_type: str, anthropic_type: str
) -> None:
    assert openai_error_body(status, "m")["error"]["type"] == openai_type
    anthropic = anthropic_error_body(status, "m")
    assert anthropic["error"]["type"] == anthropic_type
    ErrorResponse.model_validate(anthropic)


def test_provider_errors_translate_across_formats_keeping_the_message() -> None:
    anthropic = {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "Number of requests exceeded"},
    }
    out = translate_error_body(anthropic, "anthropic", "openai", 429)
    assert out["error"]["message"] == "Number of requests exceeded"
    assert out["error"]["type"] == "rate_limit_error"

    openai = {
        "error": {
            "message": "Incorrect API key",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    back = translate_error_body(openai, "openai", "anthropic", 401)
    assert back == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "Incorrect API key"},
    }
    ErrorResponse.model_validate(back)


def test_same_format_errors_keep_their_type_and_code() -> None:
    openai = {
        "error": {
            "message": "Bad",
            "type": "invalid_request_error",
            "param": "x",
            "code": "context_length_exceeded",
        }
    }
    out = translate_error_body(openai, "openai", "openai", 400)
    assert out["error"]["code"] == "context_length_exceeded"
    assert out["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"object": "error", "message": "model not loaded", "type": "NotFoundError"},
            "model not loaded",
        ),
        ({"detail": "Not Found"}, "Not Found"),
        (b"upstream connect error", "upstream connect error"),
        ("<html>502</html>", "<html>502</html>"),
        (None, "provider returned HTTP 502"),
        ([1, 2], "provider returned HTTP 502"),
    ],
)
def test_odd_provider_error_bodies_still_give_a_message(body: Any, message: str) -> None:
    assert translate_error_body(body, "openai", "anthropic", 502)["error"]["message"] == message
