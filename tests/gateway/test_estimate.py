"""The worst-case token bounds that budget reservations are made from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from swarmdeck.gateway._estimate import (
    IMAGE_URL_TOKENS,
    input_token_bound,
    output_token_bound,
)


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_the_input_bound_is_at_least_the_prompts_bytes(texts: list[str]) -> None:
    # A BPE token covers at least one byte, so bytes bound tokens.
    body = {"messages": [{"role": "user", "content": text} for text in texts]}
    assert input_token_bound(body) >= sum(len(text.encode()) for text in texts)


def test_images_by_url_count_at_the_flat_rate() -> None:
    part = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    body = {"messages": [{"role": "user", "content": [part, part]}]}
    assert input_token_bound(body) >= 2 * IMAGE_URL_TOKENS


def test_the_output_bound_takes_the_request_cap_then_the_models_then_the_default() -> None:
    assert output_token_bound({"max_tokens": 50}, model_cap=10, default_cap=5) == 50
    assert (
        output_token_bound({"max_completion_tokens": 7, "n": 3}, model_cap=None, default_cap=5)
        == 21
    )
    assert output_token_bound({}, model_cap=10, default_cap=5) == 10
    assert output_token_bound({"max_tokens": True}, model_cap=None, default_cap=5) == 5
