"""The fake provider speaks both wire formats well enough for the official SDKs."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import anthropic
import openai
import pytest

from swarmdeck.testing import FakeProvider, Fault

KEY = "sk-test-fake-0123456789"
TOOLS_OPENAI = [
    {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
    }
]
TOOLS_ANTHROPIC = [
    {"name": "get_weather", "description": "the weather", "input_schema": {"type": "object"}}
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeProvider]:
    async with FakeProvider(api_key=KEY) as provider:
        yield provider


@pytest.fixture
async def oai(fake: FakeProvider) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=f"{fake.url}/v1", api_key=KEY, max_retries=0) as client:
        yield client


@pytest.fixture
async def claude(fake: FakeProvider) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(base_url=fake.url, api_key=KEY, max_retries=0) as client:
        yield client


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# OpenAI


async def test_openai_chat_echoes_the_last_user_text_with_exact_usage(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": "hi"},
        {"role": "user", "content": "what is up"},
    ]
    reply = await oai.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "echo: what is up"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.model == "gpt-4o-mini"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == 2 + 2 + 1 + 3 + 3  # words + overhead
    assert reply.usage.completion_tokens == 4
    assert reply.usage.total_tokens == 15
    assert reply.usage.prompt_tokens_details is not None
    assert reply.usage.prompt_tokens_details.cached_tokens == 0
    assert reply.usage.completion_tokens_details is not None
    assert reply.usage.completion_tokens_details.reasoning_tokens == 0


async def test_openai_reports_configured_cached_and_reasoning_tokens(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.cached_tokens, fake.reasoning_tokens = 2, 5
    reply = await oai.chat.completions.create(model="o3-mini", messages=_user("one two"))  # type: ignore[arg-type]
    usage = reply.usage
    assert usage is not None and usage.prompt_tokens_details and usage.completion_tokens_details
    assert (usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens) == (5, 2)
    assert (usage.completion_tokens, usage.completion_tokens_details.reasoning_tokens) == (8, 5)


async def test_openai_max_tokens_cuts_the_reply(oai: openai.AsyncOpenAI) -> None:
    reply = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("a b c d e"),  # type: ignore[arg-type]
        max_completion_tokens=3,
    )
    assert reply.choices[0].message.content == "echo: a b"
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens == 3


async def test_openai_stream_ends_with_a_usage_chunk_when_asked(oai: openai.AsyncOpenAI) -> None:
    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("stream me please"),  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream me please"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (6, 4)
    assert all(c.usage is None for c in chunks[:-1])


async def test_openai_stream_has_no_usage_unless_asked(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("hi"),  # type: ignore[arg-type]
        stream=True,
    )
    chunks = [chunk async for chunk in stream]
    assert all(c.choices and c.usage is None for c in chunks)


async def test_openai_answers_call_tool_with_a_tool_call(oai: openai.AsyncOpenAI) -> None:
    reply = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("please call get_weather now"),  # type: ignore[arg-type]
        tools=TOOLS_OPENAI,  # type: ignore[arg-type]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert (call.function.name, call.function.arguments) == ("get_weather", "{}")


async def test_openai_streams_a_tool_call(oai: openai.AsyncOpenAI) -> None:
    async with oai.chat.completions.stream(
        model="gpt-4o-mini",
        messages=_user("call get_weather"),  # type: ignore[arg-type]
        tools=TOOLS_OPENAI,  # type: ignore[arg-type]
    ) as stream:
        final = await stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert calls and calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    assert calls[0].function.arguments == "{}"  # type: ignore[union-attr]
    assert final.choices[0].finish_reason == "tool_calls"


async def test_openai_without_the_tool_named_answers_text(oai: openai.AsyncOpenAI) -> None:
    reply = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("call somebody"),  # type: ignore[arg-type]
        tools=TOOLS_OPENAI,  # type: ignore[arg-type]
    )
    assert reply.choices[0].message.content == "echo: call somebody"


async def test_openai_wrong_key_is_an_authentication_error(fake: FakeProvider) -> None:
    async with openai.AsyncOpenAI(
        base_url=f"{fake.url}/v1", api_key="sk-wrong", max_retries=0
    ) as client:
        with pytest.raises(openai.AuthenticationError) as caught:
            await client.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-wrong"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, openai.BadRequestError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
async def test_openai_scripted_status_raises_the_sdk_error(
    oai: openai.AsyncOpenAI, fake: FakeProvider, status: int, error: type[openai.APIStatusError]
) -> None:
    fake.fail(status, message="nope")
    with pytest.raises(error) as caught:
        await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]
    assert caught.value.status_code == status
    assert caught.value.body["message"] == "nope"  # type: ignore[index]
    # The fault is used up: the next call succeeds.
    await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]


async def test_openai_sdk_retries_after_the_retry_after_it_was_given(fake: FakeProvider) -> None:
    fake.fail(429, retry_after=0.05, times=2)
    async with openai.AsyncOpenAI(base_url=f"{fake.url}/v1", api_key=KEY, max_retries=2) as client:
        started = time.monotonic()
        reply = await client.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]
        elapsed = time.monotonic() - started
    assert reply.choices[0].message.content == "echo: x"
    assert len(fake.calls("/v1/chat/completions")) == 3
    assert 0.1 <= elapsed < 0.6  # the SDK's own backoff would wait >= 0.375 s twice


async def test_faults_for_a_model_leave_other_models_alone(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.fail(500, model="gpt-4o")
    await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]
    with pytest.raises(openai.InternalServerError):
        await oai.chat.completions.create(model="gpt-4o", messages=_user("x"))  # type: ignore[arg-type]


async def test_delay_and_latency_slow_the_answer(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.latency = 0.05
    fake.fault(Fault(delay=0.1))
    started = time.monotonic()
    await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]
    assert time.monotonic() - started >= 0.15


async def test_delay_first_byte_holds_the_first_stream_event(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.fault(Fault(delay_first_byte=0.15))
    started = time.monotonic()
    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("x"),  # type: ignore[arg-type]
        stream=True,
    )
    headers_at = time.monotonic() - started
    first = await stream.__anext__()
    first_at = time.monotonic() - started
    await stream.close()
    assert first.choices[0].delta.role == "assistant"
    assert headers_at < 0.1 <= 0.15 <= first_at


async def test_dropped_stream_breaks_the_sdk_iteration(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.fault(Fault(drop_after=2))
    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("one two three four"),  # type: ignore[arg-type]
        stream=True,
    )
    received = []
    with pytest.raises(openai.APIError):
        async for chunk in stream:
            received.append(chunk)
    assert len(received) == 2


async def test_dropped_connection_without_answer_is_a_connection_error(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    fake.fault(Fault(drop_after=0))
    with pytest.raises(openai.APIConnectionError):
        await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("x"))  # type: ignore[arg-type]


async def test_openai_embeddings_are_deterministic_in_both_encodings(
    oai: openai.AsyncOpenAI,
) -> None:
    as_base64 = await oai.embeddings.create(model="text-embedding-3-small", input=["a b", "c"])
    as_float = await oai.embeddings.create(
        model="text-embedding-3-small", input=["a b", "c"], encoding_format="float"
    )
    assert [d.index for d in as_base64.data] == [0, 1]
    assert len(as_base64.data[0].embedding) == 8
    for left, right in zip(as_base64.data, as_float.data, strict=True):
        assert left.embedding == pytest.approx(right.embedding, abs=1e-6)
    assert as_base64.data[0].embedding != as_base64.data[1].embedding
    assert sum(x * x for x in as_float.data[0].embedding) == pytest.approx(1.0, abs=1e-5)
    assert (as_base64.usage.prompt_tokens, as_base64.usage.total_tokens) == (3, 3)


async def test_models_are_listed_in_either_format(
    oai: openai.AsyncOpenAI, claude: anthropic.AsyncAnthropic
) -> None:
    openai_ids = [m.id async for m in oai.models.list()]
    anthropic_ids = [m.id async for m in claude.models.list()]
    assert openai_ids == anthropic_ids
    assert "gpt-4o-mini" in openai_ids


async def test_request_log_holds_method_path_headers_and_body(
    oai: openai.AsyncOpenAI, fake: FakeProvider
) -> None:
    await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=_user("logged"),  # type: ignore[arg-type]
        extra_headers={"X-Trace": "t1"},
    )
    (logged,) = fake.requests
    assert (logged.method, logged.path) == ("POST", "/v1/chat/completions")
    assert logged.headers["x-trace"] == "t1"
    assert logged.body["messages"] == _user("logged")
    assert logged.time <= time.time()
    fake.clear()
    assert fake.requests == []


async def test_custom_reply(oai: openai.AsyncOpenAI, fake: FakeProvider) -> None:
    fake.reply = lambda text: text.upper()
    reply = await oai.chat.completions.create(model="gpt-4o-mini", messages=_user("loud"))  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "LOUD"


# Anthropic


async def test_anthropic_message_echoes_with_exact_usage(
    claude: anthropic.AsyncAnthropic,
) -> None:
    message = await claude.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        system="be brief",
        messages=[{"role": "user", "content": "hello there friend"}],
    )
    assert message.content[0].type == "text"
    assert message.content[0].text == "echo: hello there friend"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (2 + 3 + 3, 4)
    assert message.usage.cache_read_input_tokens == 0


async def test_anthropic_cached_tokens_are_cache_reads(
    claude: anthropic.AsyncAnthropic, fake: FakeProvider
) -> None:
    fake.cached_tokens = 3
    message = await claude.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        messages=[{"role": "user", "content": "a b"}],
    )
    assert (message.usage.input_tokens, message.usage.cache_read_input_tokens) == (2, 3)


async def test_anthropic_stream_carries_usage_in_start_and_delta(
    claude: anthropic.AsyncAnthropic,
) -> None:
    async with claude.messages.stream(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        messages=[{"role": "user", "content": "stream this"}],
    ) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()
    for kind in ("message_start", "content_block_start", "content_block_delta", "message_delta"):
        assert kind in kinds
    assert kinds[-1] == "message_stop"
    assert final.content[0].text == "echo: stream this"  # type: ignore[union-attr]
    assert (final.usage.input_tokens, final.usage.output_tokens) == (5, 3)
    assert final.stop_reason == "end_turn"


async def test_anthropic_answers_call_tool_with_tool_use(
    claude: anthropic.AsyncAnthropic,
) -> None:
    message = await claude.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        tools=TOOLS_ANTHROPIC,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "call get_weather"}],
    )
    assert message.stop_reason == "tool_use"
    block = message.content[0]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("get_weather", {})


async def test_anthropic_streams_tool_use(claude: anthropic.AsyncAnthropic) -> None:
    async with claude.messages.stream(
        model="claude-3-5-haiku-latest",
        max_tokens=100,
        tools=TOOLS_ANTHROPIC,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": [{"type": "text", "text": "call get_weather"}]}],
    ) as stream:
        final = await stream.get_final_message()
    block = final.content[0]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("get_weather", {})
    assert final.stop_reason == "tool_use"


async def test_anthropic_max_tokens_cuts_the_reply(claude: anthropic.AsyncAnthropic) -> None:
    message = await claude.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=2,
        messages=[{"role": "user", "content": "one two three"}],
    )
    assert message.content[0].text == "echo: one"  # type: ignore[union-attr]
    assert message.stop_reason == "max_tokens"


async def test_anthropic_wrong_key_is_an_authentication_error(fake: FakeProvider) -> None:
    async with anthropic.AsyncAnthropic(base_url=fake.url, api_key="bad", max_retries=0) as client:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await client.messages.create(
                model="claude-3-5-haiku-latest",
                max_tokens=10,
                messages=[{"role": "user", "content": "x"}],
            )
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]


async def test_anthropic_accepts_the_key_as_x_api_key(fake: FakeProvider) -> None:
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/v1/messages", headers=headers, json=body) as response,
    ):
        message = await response.json()
    assert response.status == 200
    assert response.headers["request-id"].startswith("req_")
    assert message["content"] == [{"type": "text", "text": "echo: hi"}]


async def test_anthropic_requires_the_version_header(fake: FakeProvider) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.url}/v1/messages", headers={"x-api-key": KEY}, json={}) as response,
    ):
        body = await response.json()
    assert response.status == 400
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, anthropic.RateLimitError),
        (500, anthropic.InternalServerError),
        (529, anthropic.APIStatusError),
    ],
)
async def test_anthropic_scripted_status_raises_the_sdk_error(
    claude: anthropic.AsyncAnthropic,
    fake: FakeProvider,
    status: int,
    error: type[anthropic.APIStatusError],
) -> None:
    fake.fail(status, retry_after=1)
    with pytest.raises(error) as caught:
        await claude.messages.create(
            model="claude-3-5-haiku-latest",
            max_tokens=10,
            messages=[{"role": "user", "content": "x"}],
        )
    assert caught.value.status_code == status
    assert caught.value.response.headers["retry-after"] == "1"


async def test_anthropic_sdk_retries_after_the_retry_after_it_was_given(
    fake: FakeProvider,
) -> None:
    fake.fail(529, retry_after=0.05)
    async with anthropic.AsyncAnthropic(base_url=fake.url, api_key=KEY, max_retries=1) as client:
        started = time.monotonic()
        message = await client.messages.create(
            model="claude-3-5-haiku-latest",
            max_tokens=10,
            messages=[{"role": "user", "content": "x"}],
        )
    assert message.content[0].text == "echo: x"  # type: ignore[union-attr]
    assert time.monotonic() - started < 0.35
    assert len(fake.calls("/v1/messages")) == 2


# The benchmark's subprocess


async def test_cli_serves_from_several_processes() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "swarmdeck.testing.fake_provider",
            "--port",
            "0",
            "--key",
            KEY,
            "--processes",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 10)
        match = re.match(r"listening on (http://\S+)", line)
        assert match, line
        async with openai.AsyncOpenAI(base_url=f"{match[1]}/v1", api_key=KEY) as client:
            replies = await asyncio.gather(
                *(
                    client.chat.completions.create(model="m", messages=_user(f"n{i}"))  # type: ignore[arg-type]
                    for i in range(20)
                )
            )
        assert [r.choices[0].message.content for r in replies] == [f"echo: n{i}" for i in range(20)]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()


async def test_malformed_fields_get_a_400_like_the_real_api(fake: FakeProvider) -> None:
    async with (
        aiohttp.ClientSession(headers={"authorization": f"Bearer {KEY}"}) as client,
        client.post(
            f"{fake.url}/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [1.5]},
        ) as response,
    ):
        body = await response.json()
    assert response.status == 400
    assert body["error"]["message"].startswith("invalid request")
