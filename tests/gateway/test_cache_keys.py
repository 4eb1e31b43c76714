"""The exact key and the semantic partition: what makes two requests the same for the cache."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from swarmdeck.gateway.cache import exact_key, semantic_prompt

NS = "openai:gpt-4o"


def chat(*messages: tuple[str, Any], **params: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [{"role": r, "content": c} for r, c in messages],
        **params,
    }


def test_exact_key_ignores_delivery_and_attribution_fields() -> None:
    plain = chat(("user", "hi"), temperature=0)
    dressed = chat(
        ("user", "hi"),
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
        user="vera",
        metadata={"trace": "abc"},
        swarmdeck_tags=["x"],
    )
    assert exact_key(NS, plain) == exact_key(NS, dressed)


def test_exact_key_depends_on_what_changes_the_answer() -> None:
    base = exact_key(NS, chat(("user", "hi"), temperature=0))
    assert exact_key(NS, chat(("user", "hi"), temperature=0.7)) != base
    assert exact_key(NS, chat(("user", "hi!"), temperature=0)) != base
    assert exact_key(NS, chat(("user", "hi"), temperature=0, max_tokens=5)) != base
    assert exact_key("anthropic:gpt-4o", chat(("user", "hi"), temperature=0)) != base
    assert exact_key("openai:gpt-4o-mini", chat(("user", "hi"), temperature=0)) != base


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers() | st.text(max_size=8)))
def test_exact_key_is_independent_of_field_order(fields: dict[str, Any]) -> None:
    reordered = dict(reversed(list(fields.items())))
    assert exact_key(NS, fields) == exact_key(NS, reordered)


def test_exact_key_is_a_sha256_hex_digest() -> None:
    key = exact_key(NS, chat(("user", "hi")))
    assert len(key) == 64
    assert int(key, 16) >= 0


def test_semantic_prompt_embeds_the_last_user_message() -> None:
    prompt = semantic_prompt(NS, chat(("system", "Be brief."), ("user", "What is 2+2?")))
    assert prompt is not None
    assert prompt.text == "What is 2+2?"


def test_semantic_prompt_joins_text_parts() -> None:
    content = [{"type": "text", "text": "Hello"}, {"type": "text", "text": "world"}]
    prompt = semantic_prompt(NS, chat(("user", content)))
    assert prompt is not None
    assert prompt.text == "Hello\nworld"


def test_requests_differing_only_in_the_last_user_message_share_a_partition() -> None:
    a = semantic_prompt(NS, chat(("system", "Be brief."), ("user", "Capital of France?")))
    b = semantic_prompt(NS, chat(("system", "Be brief."), ("user", "France's capital?")))
    assert a is not None and b is not None
    assert a.partition == b.partition


def test_instructions_parameters_tools_history_and_namespace_split_partitions() -> None:
    base = chat(("system", "Be brief."), ("user", "Capital of France?"))
    variants = [
        chat(("system", "Answer in French."), ("user", "Capital of France?")),
        chat(("system", "Be brief."), ("user", "Capital of France?"), temperature=1),
        chat(
            ("system", "Be brief."),
            ("user", "Capital of France?"),
            tools=[{"type": "function", "function": {"name": "lookup"}}],
        ),
        chat(
            ("system", "Be brief."),
            ("user", "Hi"),
            ("assistant", "Hello!"),
            ("user", "Capital of France?"),
        ),
        {**base, "system": "Anthropic-style instructions"},
    ]
    partition = semantic_prompt(NS, base)
    assert partition is not None
    for variant in variants:
        other = semantic_prompt(NS, variant)
        assert other is not None
        assert other.partition != partition.partition, variant
    elsewhere = semantic_prompt("anthropic:claude", base)
    assert elsewhere is not None and elsewhere.partition != partition.partition


def test_requests_not_ending_in_a_text_user_message_have_no_semantic_prompt() -> None:
    image = [{"type": "image_url", "image_url": {"url": "data:..."}}]
    assert semantic_prompt(NS, chat(("user", image))) is None
    assert semantic_prompt(NS, chat(("user", "hi"), ("assistant", "hello"))) is None
    assert semantic_prompt(NS, chat(("user", "   "))) is None
    assert semantic_prompt(NS, {"model": "text-embedding-3-small", "input": "hi"}) is None
