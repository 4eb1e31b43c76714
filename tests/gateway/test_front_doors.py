"""The official OpenAI and Anthropic SDKs, unchanged, against the gateway on loopback.

Behind it is a fake provider speaking each real wire format; every cost asserted here is
computed by hand from the configured list prices and the fake's deterministic counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anthropic
import httpx
import openai
import pytest

from swarmdeck.testing import FakeProvider
from tests.api.conftest import Server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)


@pytest.fixture
async def oai(gateway_server: Server) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=f"{gateway_server.url}/v1", api_key=gateway_server.token, max_retries=0
    ) as client:
        yield client


@pytest.fixture
async def ant(gateway_server: Server) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(
        base_url=gateway_server.url, api_key=gateway_server.token, max_retries=0
    ) as client:
        yield client


def usd(
    input_tokens: int, output_tokens: int, input_per_mtok: str, output_per_mtok: str
) -> Decimal:
    return (
        input_tokens * Decimal(input_per_mtok) + output_tokens * Decimal(output_per_mtok)
    ) / 10**6


async def summary(server: Server, group_by: str = "model") -> dict[str, Any]:
    async with server.admin() as admin:
        for _ in range(50):  # the ledger writes in batches off the hot path
            body: dict[str, Any] = (
                await admin.get("/api/costs/summary", params={"window": "1h", "group_by": group_by})
            ).json()
            if body["groups"]:
                return body
            await asyncio.sleep(0.05)
    return body


async def test_plain_chat_through_the_openai_sdk_is_priced_at_list_price(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    client = oai
    answer = await client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "hello there"}]
    )
    assert answer.choices[0].message.content == "echo: hello there"
    assert answer.usage is not None
    # The provider got its own key and model name, never the client's credential.
    sent = fake.calls("/v1/chat/completions")[-1]
    assert sent.body["model"] == "gpt-4o"
    assert sent.headers["authorization"] == "Bearer sk-fake-provider-key"
    assert gateway_server.token not in str(sent.headers)
    groups = {g["key"]: g for g in (await summary(gateway_server))["groups"]}
    expected = usd(answer.usage.prompt_tokens, answer.usage.completion_tokens, "2.5", "10")
    assert Decimal(groups["gpt"]["cost_usd"]) == expected
    assert groups["gpt"]["input_tokens"] == answer.usage.prompt_tokens


async def test_streamed_chat_is_priced_even_when_the_client_did_not_ask_for_usage(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    client = oai
    stream = await client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "stream me please"}], stream=True
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream me please"
    # The usage chunk we asked for on the client's behalf is not passed on.
    assert all(chunk.choices for chunk in chunks)
    assert fake.calls("/v1/chat/completions")[-1].body["stream_options"] == {"include_usage": True}
    groups = (await summary(gateway_server))["groups"]
    # input: "stream me please" = 3 words + 3; output: "echo: stream me please" = 4 words.
    assert Decimal(groups[0]["cost_usd"]) == usd(6, 4, "2.5", "10")


async def test_streamed_chat_with_include_usage_ends_with_the_usage_chunk(
    gateway_server: Server, oai: openai.AsyncOpenAI
) -> None:
    client = oai
    stream = await client.chat.completions.create(
        model="gpt",
        messages=[{"role": "user", "content": "count me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 3


async def test_openai_sdk_reaches_an_anthropic_provider_plain_and_streamed(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    client = oai
    answer = await client.chat.completions.create(
        model="claude",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi claude"},
        ],
    )
    assert answer.choices[0].message.content == "echo: hi claude"
    sent = fake.calls("/v1/messages")[-1]
    assert sent.body["system"] == [{"type": "text", "text": "be brief"}]
    assert sent.body["model"] == "claude-sonnet-4"
    stream = await client.chat.completions.create(
        model="claude",
        messages=[{"role": "user", "content": "stream claude"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream claude"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3


async def test_tool_calls_cross_the_formats(
    gateway_server: Server, oai: openai.AsyncOpenAI
) -> None:
    client = oai
    tools: Any = [
        {
            "type": "function",
            "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
        }
    ]
    for model in ("gpt", "claude"):
        answer = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "please call lookup"}], tools=tools
        )
        calls = answer.choices[0].message.tool_calls
        assert calls is not None and calls[0].function.name == "lookup", model  # type: ignore[union-attr]
        assert answer.choices[0].finish_reason == "tool_calls"


async def test_anthropic_sdk_works_against_both_provider_types(
    gateway_server: Server, ant: anthropic.AsyncAnthropic
) -> None:
    client = ant
    for model in ("claude", "gpt"):
        message = await client.messages.create(
            model=model, max_tokens=64, messages=[{"role": "user", "content": "hi from anthropic"}]
        )
        assert message.content[0].type == "text"
        assert message.content[0].text == "echo: hi from anthropic", model
        async with client.messages.stream(
            model=model, max_tokens=64, messages=[{"role": "user", "content": "stream it"}]
        ) as stream:
            text = "".join([piece async for piece in stream.text_stream])
            final = await stream.get_final_message()
        assert text == "echo: stream it", model
        assert final.usage.output_tokens == 3


async def test_a_failing_deployment_falls_back_to_the_next_alias(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    fake.fail(500, model="flaky-model", times=10)
    client = oai
    raw = await client.chat.completions.with_raw_response.create(
        model="flaky", messages=[{"role": "user", "content": "fall back"}]
    )
    assert raw.headers["x-swarmdeck-model"] == "claude"
    assert raw.parse().choices[0].message.content == "echo: fall back"
    # retries: 1 means two attempts at the failing deployment before the fallback.
    assert [r.body["model"] for r in fake.calls("/v1/chat/completions")] == ["flaky-model"] * 2
    groups = {g["key"]: g for g in (await summary(gateway_server))["groups"]}
    assert set(groups) == {"claude"}


async def test_retry_honours_the_providers_retry_after(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    fake.fail(429, retry_after=0.3, model="gpt-4o", times=1)
    client = oai
    started = asyncio.get_running_loop().time()
    answer = await client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "again"}]
    )
    assert answer.choices[0].message.content == "echo: again"
    assert asyncio.get_running_loop().time() - started >= 0.3
    assert len(fake.calls("/v1/chat/completions")) == 2


async def test_provider_client_errors_reach_the_sdk_as_the_same_status(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    fake.fail(400, model="gpt-4o", message="bad temperature")
    client = oai
    with pytest.raises(openai.BadRequestError, match="bad temperature"):
        await client.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": "x"}]
        )
    assert len(fake.calls("/v1/chat/completions")) == 1  # not retried: it would fail again


async def test_unknown_model_is_404_in_each_format(
    gateway_server: Server, oai: openai.AsyncOpenAI, ant: anthropic.AsyncAnthropic
) -> None:
    with pytest.raises(openai.NotFoundError, match="known models: claude, flaky, gpt"):
        await oai.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(anthropic.NotFoundError):
        await ant.messages.create(
            model="nope", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )


async def test_callers_without_credentials_or_permission_are_refused(
    gateway_server: Server,
) -> None:
    async with openai.AsyncOpenAI(
        base_url=f"{gateway_server.url}/v1", api_key="wrong", max_retries=0
    ) as bad:
        with pytest.raises(openai.AuthenticationError):
            await bad.chat.completions.create(
                model="gpt", messages=[{"role": "user", "content": "x"}]
            )
    async with gateway_server.as_role("viewer") as viewer:
        response = await viewer.post(
            "/v1/chat/completions",
            json={"model": "gpt", "messages": [{"role": "user", "content": "x"}]},
        )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_denied"


async def test_models_lists_the_aliases(gateway_server: Server, oai: openai.AsyncOpenAI) -> None:
    models = await oai.models.list()
    assert sorted(model.id for model in models.data) == ["claude", "flaky", "gpt"]


async def test_embeddings_are_proxied_and_priced(
    gateway_server: Server, oai: openai.AsyncOpenAI
) -> None:
    result = await oai.embeddings.create(model="gpt", input="some words here")
    assert len(result.data) == 1 and result.data[0].embedding
    groups = (await summary(gateway_server))["groups"]
    assert groups[0]["calls"] == 1 and Decimal(groups[0]["cost_usd"]) > 0


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 422, "JSON object"),
        (b'{"messages": [{"role": "user", "content": "x"}]}', 422, "model"),
        (b'{"model": "gpt", "messages": []}', 422, "messages"),
        (
            b'{"model": "gpt", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}',
            422,
            "max_tokens",
        ),
        (
            b'{"model": "gpt", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}',
            422,
            "stream",
        ),
    ],
)
async def test_bad_requests_get_a_clear_4xx(
    gateway_server: Server, fake: FakeProvider, body: bytes, status: int, fragment: str
) -> None:
    async with gateway_server.admin() as admin:
        response = await admin.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]["message"]
    assert fake.calls("/v1/chat/completions") == []


async def test_attribution_headers_tag_the_ledger(gateway_server: Server) -> None:
    async with httpx.AsyncClient(
        base_url=gateway_server.url,
        headers={
            "authorization": f"Bearer {gateway_server.token}",
            "x-swarmdeck-swarm": "research",
            "x-swarmdeck-agent": "planner",
        },
    ) as client:
        response = await client.post(
            "/v1/chat/completions",
            json={"model": "gpt", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert response.status_code == 200
    assert [g["key"] for g in (await summary(gateway_server, "swarm"))["groups"]] == ["research"]
    assert [g["key"] for g in (await summary(gateway_server, "agent"))["groups"]] == ["planner"]


async def test_anthropic_clients_may_send_their_key_as_x_api_key(gateway_server: Server) -> None:
    body = {"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(base_url=gateway_server.url) as client:
        good = await client.post(
            "/v1/messages", json=body, headers={"x-api-key": gateway_server.token}
        )
        bad = await client.post("/v1/messages", json=body, headers={"x-api-key": "nope"})
    assert good.status_code == 200
    assert good.json()["content"][0]["text"] == "echo: hi"
    assert bad.status_code == 401
    assert bad.json()["type"] == "error"


async def test_calls_show_up_in_the_prometheus_metrics(
    gateway_server: Server, oai: openai.AsyncOpenAI
) -> None:
    await oai.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "metrics"}]
    )
    async with gateway_server.client() as client:
        text = (await client.get("/metrics")).text
    for name in (
        "gen_ai_client_token_usage_bucket",
        "gen_ai_client_operation_duration_seconds_bucket",
        "swarmdeck_gateway_cost_usd_total",
    ):
        assert name in text, name
    assert 'gen_ai_token_type="output"' in text
    assert 'gen_ai_request_model="gpt"' in text


async def test_answers_name_their_ledger_row_and_cost(
    gateway_server: Server, oai: openai.AsyncOpenAI
) -> None:
    raw = await oai.chat.completions.with_raw_response.create(
        model="gpt", messages=[{"role": "user", "content": "what did this cost"}]
    )
    answer = raw.parse()
    assert answer.usage is not None
    expected = usd(answer.usage.prompt_tokens, answer.usage.completion_tokens, "2.5", "10")
    assert Decimal(raw.headers["x-swarmdeck-cost-usd"]) == expected
    await summary(gateway_server)
    async with gateway_server.admin() as admin:
        calls = (await admin.get("/api/costs/calls", params={"limit": 5})).json()["calls"]
    [row] = [c for c in calls if c["id"] == raw.headers["x-swarmdeck-call-id"]]
    assert Decimal(row["cost_usd"]) == expected


async def test_a_client_that_did_not_ask_for_usage_gets_none_on_the_wire(
    gateway_server: Server, fake: FakeProvider
) -> None:
    body = {"model": "gpt", "messages": [{"role": "user", "content": "raw"}], "stream": True}
    async with (
        gateway_server.admin() as admin,
        admin.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        raw = (await response.aread()).decode()
    # The provider was asked for usage (and so put "usage": null on every chunk).
    assert fake.calls("/v1/chat/completions")[-1].body["stream_options"]["include_usage"] is True
    assert '"usage"' not in raw
    assert raw.endswith("data: [DONE]\n\n")
