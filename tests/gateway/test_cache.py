"""`ResponseCache` end to end with the real embedding model, in memory and on the real Redis."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.cache import Embedder, ResponseCache
from swarmdeck.gateway.config import CacheConfig

NS = "openai:gpt-4o"
USAGE = Usage(input_tokens=12, output_tokens=30, cached_input_tokens=2)
COST = Decimal("0.000330")


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def embedder() -> Iterator[Embedder]:
    """The real model, loaded once for the module."""
    model = Embedder()
    model.load()
    yield model
    model.close()


def chat(question: str, system: str = "You are terse.", **params: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": question}],
        **params,
    }


def answer(text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "choices": [{"message": {"role": "assistant", "content": text}}]}


Factory = Callable[..., ResponseCache]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_cache(
    request: pytest.FixtureRequest, embedder: Embedder, redis_url: str, redis_prefix: str
) -> AsyncIterator[Factory]:
    """Build caches on one back end; on Redis every cache built shares the key space."""
    caches: list[ResponseCache] = []

    def make(config: CacheConfig | None = None, **options: Any) -> ResponseCache:
        if request.param == "redis":
            options |= {"redis_url": redis_url, "redis_prefix": redis_prefix}
        cache = ResponseCache(config or CacheConfig(), embedder=embedder, **options)
        caches.append(cache)
        return cache

    yield make
    for cache in caches:
        await cache.aclose()


async def test_a_repeated_request_is_an_exact_hit_with_usage_and_cost(make_cache: Factory) -> None:
    cache = make_cache()
    assert await cache.lookup(NS, chat("What is 2+2?")) is None
    await cache.store(NS, chat("What is 2+2?"), answer("4"), USAGE, COST)
    hit = await cache.lookup(NS, chat("What is 2+2?"))
    assert hit is not None
    assert (hit.kind, hit.response, hit.usage, hit.cost_usd) == ("hit", answer("4"), USAGE, COST)


async def test_the_stream_flag_does_not_matter_but_temperature_does(make_cache: Factory) -> None:
    cache = make_cache()
    await cache.store(NS, chat("Name a colour.", temperature=0), answer("Red"), USAGE, COST)
    streamed = chat("Name a colour.", temperature=0, stream=True, stream_options={"x": 1})
    hit = await cache.lookup(NS, streamed, mode="exact")
    assert hit is not None and hit.kind == "hit"
    assert await cache.lookup(NS, chat("Name a colour.", temperature=1), mode="exact") is None


async def test_mode_off_never_answers_and_exact_mode_skips_the_semantic_cache(
    make_cache: Factory,
) -> None:
    cache = make_cache()
    await cache.store(NS, chat("What is the capital of France?"), answer("Paris"), USAGE, COST)
    await cache.drain()
    assert await cache.lookup(NS, chat("What is the capital of France?"), mode="off") is None
    paraphrase = chat("What's the capital of France?")
    assert await cache.lookup(NS, paraphrase, mode="exact") is None
    hit = await cache.lookup(NS, paraphrase, mode="semantic")
    assert hit is not None and hit.kind == "semantic-hit"


async def test_entries_expire_after_their_ttl(make_cache: Factory) -> None:
    clock = FakeClock()
    config = CacheConfig.model_validate(
        {"exact": {"ttl": "1h"}, "semantic": {"ttl": "10m", "threshold": 0.9}}
    )
    cache = make_cache(config, clock=clock)
    await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
    await cache.drain()
    clock.now += 599
    assert await cache.lookup(NS, chat("How can I exit vim?")) is not None
    clock.now += 2  # past the semantic TTL, within the exact one
    assert await cache.lookup(NS, chat("How can I exit vim?")) is None
    assert await cache.lookup(NS, chat("How do I exit vim?")) is not None
    clock.now += 3000
    assert await cache.lookup(NS, chat("How do I exit vim?")) is None


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("How do I reverse a list in Python?", "What's the way to reverse a Python list?"),
        ("How many legs does a spider have?", "How many legs do spiders have?"),
        ("What is the square root of 144?", "What's the square root of 144?"),
    ],
)
async def test_a_paraphrase_is_a_semantic_hit(make_cache: Factory, stored: str, asked: str) -> None:
    cache = make_cache()
    await cache.store(NS, chat(stored), answer("stored answer"), USAGE, COST)
    await cache.drain()
    hit = await cache.lookup(NS, chat(asked))
    assert hit is not None
    assert hit.kind == "semantic-hit"
    assert hit.response == answer("stored answer")
    assert hit.cost_usd == COST
    assert hit.similarity is not None and hit.similarity >= 0.95


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("Summarise the news from 3 March 2024.", "Summarise the news from 4 March 2024."),
        ("Is Paris bigger than London?", "Is Paris smaller than London?"),
        ("Who wrote Hamlet?", "Who did not write Hamlet?"),
        ("Convert 5 km to miles", "Convert 6 km to miles"),
        ("What should I do before a job interview?", "What should I do after a job interview?"),
    ],
)
async def test_a_near_miss_is_not_served(make_cache: Factory, stored: str, asked: str) -> None:
    cache = make_cache(CacheConfig.model_validate({"semantic": {"threshold": 0.8}}))
    await cache.store(NS, chat(stored), answer("stored answer"), USAGE, COST)
    await cache.drain()
    assert await cache.lookup(NS, chat(asked)) is None


async def test_different_instructions_never_share_an_answer(make_cache: Factory) -> None:
    cache = make_cache()
    question = "What is the capital of France?"
    await cache.store(NS, chat(question, system="Answer in French."), answer("Paris"), USAGE, COST)
    await cache.drain()
    assert await cache.lookup(NS, chat(question, system="Answer in German.")) is None
    assert await cache.lookup(NS, chat("Tell me the capital city of France.", "Be nice.")) is None
    assert await cache.lookup("openai:gpt-4o-mini", chat(question, "Answer in French.")) is None
    assert await cache.lookup(NS, chat(question, "Answer in French.")) is not None


async def test_a_disabled_semantic_cache_only_answers_exact_repeats(make_cache: Factory) -> None:
    cache = make_cache(CacheConfig.model_validate({"semantic": {"enabled": False}}))
    await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
    await cache.drain()
    assert await cache.lookup(NS, chat("How can I exit vim?")) is None
    assert await cache.lookup(NS, chat("How do I exit vim?")) is not None


async def test_a_disabled_exact_cache_still_serves_semantic_hits(make_cache: Factory) -> None:
    cache = make_cache(CacheConfig.model_validate({"exact": {"enabled": False}}))
    await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
    await cache.drain()
    assert await cache.lookup(NS, chat("How do I exit vim?"), mode="exact") is None
    hit = await cache.lookup(NS, chat("How do I exit vim?"))
    assert hit is not None and hit.kind == "semantic-hit"


async def test_a_lookup_before_the_model_loads_is_a_miss_not_a_wait() -> None:
    cache = ResponseCache(CacheConfig(), embedder=Embedder())
    try:
        await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
        # The model is still loading in the background: no semantic answer, no blocking.
        assert await cache.lookup(NS, chat("How can I exit vim?")) is None
        assert await cache.lookup(NS, chat("How do I exit vim?")) is not None
        await cache.drain()
        assert await cache.lookup(NS, chat("How can I exit vim?")) is not None
    finally:
        await cache.aclose()


@pytest.mark.redis
async def test_replicas_share_entries_through_redis(
    embedder: Embedder, redis_url: str, redis_prefix: str
) -> None:
    one = ResponseCache(
        CacheConfig(), redis_url=redis_url, redis_prefix=redis_prefix, embedder=embedder
    )
    two = ResponseCache(
        CacheConfig(), redis_url=redis_url, redis_prefix=redis_prefix, embedder=embedder
    )
    try:
        # Replica two reads the partition first, so it must pick up the later entry.
        assert await two.lookup(NS, chat("How can I exit vim?")) is None
        await one.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
        await one.drain()
        exact = await two.lookup(NS, chat("How do I exit vim?"))
        assert exact is not None and exact.kind == "hit" and exact.usage == USAGE
        semantic = await two.lookup(NS, chat("How can I exit vim?"))
        assert semantic is not None and semantic.kind == "semantic-hit"
        assert semantic.response == answer(":q")
    finally:
        await one.aclose()
        await two.aclose()


async def test_a_partition_keeps_the_newest_entries_when_full(embedder: Embedder) -> None:
    cache = ResponseCache(CacheConfig(), embedder=embedder)
    cache._index.max_per_partition = 3
    try:
        for city in ("Paris", "Rome", "Madrid", "Berlin"):
            await cache.store(
                NS, chat(f"What is the population of {city}?"), answer(city), USAGE, COST
            )
        await cache.drain()
        assert (
            await cache.lookup(
                NS, chat("How many people live in Paris? What is the population of Paris?")
            )
            is None
        )
        hit = await cache.lookup(NS, chat("What's the population of Berlin?"))
        assert hit is not None and hit.response == answer("Berlin")
    finally:
        await cache.aclose()


async def test_an_unreachable_redis_costs_a_miss_not_an_error(embedder: Embedder) -> None:
    cache = ResponseCache(CacheConfig(), redis_url="redis://127.0.0.1:1/0", embedder=embedder)
    try:
        await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
        await cache.drain()
        assert await cache.lookup(NS, chat("How do I exit vim?")) is None
        assert await cache.lookup(NS, chat("How can I exit vim?")) is None
    finally:
        await cache.aclose()


class CountingEmbedder(Embedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def embed(self, text: str) -> Any:
        self.texts.append(text)
        return await super().embed(text)


async def test_a_new_partition_costs_no_embedding_and_a_miss_then_store_embeds_once() -> None:
    counting = CountingEmbedder()
    cache = ResponseCache(CacheConfig(), embedder=counting)
    try:
        assert await cache.ready()
        assert await cache.lookup(NS, chat("How do I exit vim?")) is None
        assert counting.texts == []  # nothing stored under these instructions yet
        await cache.store(NS, chat("How do I exit vim?"), answer(":q"), USAGE, COST)
        await cache.drain()
        assert await cache.lookup(NS, chat("How do I leave vim?")) is None
        await cache.store(NS, chat("How do I leave vim?"), answer(":q"), USAGE, COST)
        await cache.drain()
        assert counting.texts == ["How do I exit vim?", "How do I leave vim?"]
    finally:
        await cache.aclose()
        counting.close()
