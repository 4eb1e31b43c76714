"""Repeated and paraphrased requests answered from cache: never reaching the provider, $0
in the ledger with the saved cost, streamed or not, and only where meaning agrees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest

from swarmdeck.testing import FakeProvider
from tests.api.conftest import Server


@pytest.fixture
def config_sections() -> dict[str, Any]:
    return {"cache": {"exact": {"ttl": "1h"}, "semantic": {"enabled": True, "threshold": 0.9}}}


@pytest.fixture
async def oai(gateway_server: Server) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=f"{gateway_server.url}/v1", api_key=gateway_server.token, max_retries=0
    ) as client:
        yield client


def ask(text: str, system: str = "You answer questions.") -> Any:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


async def cache_header(oai: openai.AsyncOpenAI, text: str, **options: Any) -> tuple[str, str]:
    raw = await oai.chat.completions.with_raw_response.create(
        model="gpt", messages=ask(text, **options)
    )
    return raw.headers["x-swarmdeck-cache"], raw.parse().choices[0].message.content or ""


async def settled(server: Server) -> dict[str, Any]:
    async with server.admin() as admin:
        for _ in range(40):
            summary: dict[str, Any] = (
                await admin.get("/api/costs/summary", params={"window": "1h", "group_by": "model"})
            ).json()
            if Decimal(summary["saved_usd"]) > 0:
                break
            await asyncio.sleep(0.05)
    return summary


@pytest.mark.parametrize("shape", ["embedded", "scaled"], indirect=True)
async def test_a_repeated_request_is_a_hit_that_never_reaches_the_provider(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    first = await cache_header(oai, "What is the capital of France?")
    second = await cache_header(oai, "What is the capital of France?")
    assert first == ("miss", "echo: What is the capital of France?")
    assert second == ("hit", first[1])
    assert len(fake.calls("/v1/chat/completions")) == 1
    summary = await settled(gateway_server)
    assert summary["calls"] == 2
    # The hit is ledgered at $0 and saves what the first call cost.
    assert Decimal(summary["saved_usd"]) == Decimal(summary["total_usd"]) > 0


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_a_streamed_request_is_served_from_an_answer_cached_unstreamed(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    await cache_header(oai, "Tell me a fact about owls.")
    stream = await oai.chat.completions.with_raw_response.create(
        model="gpt", messages=ask("Tell me a fact about owls."), stream=True
    )
    assert stream.headers["x-swarmdeck-cache"] == "hit"
    chunks = [chunk async for chunk in stream.parse()]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "echo: Tell me a fact about owls."
    )
    assert len(fake.calls("/v1/chat/completions")) == 1


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_paraphrases_hit_and_meaning_changes_miss(
    gateway_server: Server, fake: FakeProvider, oai: openai.AsyncOpenAI
) -> None:
    original = await cache_header(oai, "How do I reverse a list in Python?")
    assert original[0] == "miss"
    # The model loads, and stored prompts are embedded, in the background: each miss
    # below is stored too, so every attempt is a paraphrase of its own.
    paraphrases = [
        "How can I reverse a list in Python?",
        "How do you reverse a list in Python?",
        "How would I reverse a list in Python?",
        "How should I reverse a list in Python?",
        "How do I reverse a Python list?",
    ]
    asked = ["How do I reverse a list in Python?"]
    for paraphrase in paraphrases:
        await asyncio.sleep(0.5)
        kind, answer = await cache_header(oai, paraphrase)
        if kind != "miss":
            break
        asked.append(paraphrase)
    # Served the answer to one of the earlier questions, not asked again.
    assert kind == "semantic-hit"
    assert answer in {f"echo: {question}" for question in asked}
    assert len(fake.calls("/v1/chat/completions")) == len(asked)
    assert (await cache_header(oai, "How do I reverse a list in Java?"))[0] == "miss"
    assert (
        await cache_header(oai, "How do I reverse a list in Python?", system="Reply in French.")
    )[0] == "miss"


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_the_cache_header_turns_the_cache_off_per_call(
    gateway_server: Server, fake: FakeProvider
) -> None:
    body = {"model": "gpt", "messages": ask("Same again")}
    async with httpx.AsyncClient(
        base_url=gateway_server.url, headers={"authorization": f"Bearer {gateway_server.token}"}
    ) as client:
        await client.post("/v1/chat/completions", json=body)
        off = await client.post(
            "/v1/chat/completions", json=body, headers={"x-swarmdeck-cache": "off"}
        )
        exact = await client.post(
            "/v1/chat/completions", json=body, headers={"x-swarmdeck-cache": "exact"}
        )
        bad = await client.post(
            "/v1/chat/completions", json=body, headers={"x-swarmdeck-cache": "sometimes"}
        )
    assert off.headers["x-swarmdeck-cache"] == "off"
    assert exact.headers["x-swarmdeck-cache"] == "hit"
    assert bad.status_code == 422
    assert len(fake.calls("/v1/chat/completions")) == 2
