from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from swarmdeck.mcp import assign_names, is_valid

server_names = st.from_regex(r"\A[a-zA-Z0-9_-]{1,32}\Z")
tool_names = st.text(min_size=1, max_size=120)
keys = st.lists(st.tuples(server_names, tool_names), max_size=40)


@given(keys)
@settings(max_examples=300)
def test_every_name_is_at_most_64_safe_characters_and_unique(pairs: list[tuple[str, str]]) -> None:
    names = assign_names(pairs)
    assert set(names.values()) == set(pairs)  # every tool named, none twice
    for name in names:
        assert len(name) <= 64
        assert is_valid(name), name


@given(keys, st.randoms(use_true_random=False))
def test_names_do_not_depend_on_listing_order(
    pairs: list[tuple[str, str]], rnd: random.Random
) -> None:
    shuffled = pairs[:]
    rnd.shuffle(shuffled)
    assert assign_names(pairs) == assign_names(shuffled)


def test_plain_names_are_kept_when_valid() -> None:
    names = assign_names([("time", "get_current_time"), ("git", "git-status")])
    assert names == {
        "time__get_current_time": ("time", "get_current_time"),
        "git__git-status": ("git", "git-status"),
    }


def test_collisions_are_resolved_deterministically_without_aborting() -> None:
    # "a.b" would sanitise to "a_b"; server "x__y" + "z" and server "x" + "y__z" share a plain name.
    pairs = [("s", "a_b"), ("s", "a.b"), ("x__y", "z"), ("x", "y__z")]
    first = assign_names(pairs)
    assert first == assign_names(list(reversed(pairs)))
    assert first["s__a_b"] == ("s", "a_b")  # the valid plain name stays
    assert first["x__y__z"] == ("x", "y__z")  # the key that sorts first keeps it
    hashed = {name for name, key in first.items() if key in {("s", "a.b"), ("x__y", "z")}}
    assert len(hashed) == 2
    assert all(name.startswith(("s__a_b_", "x__y__z_")) for name in hashed)


def test_long_names_are_cut_with_a_hash_suffix() -> None:
    long_tool = "summarise_the_quarterly_revenue_report_for_every_region_and_product"
    names = assign_names(
        [("finance-reporting", long_tool), ("finance-reporting", long_tool + "_v2")]
    )
    assert len(names) == 2
    for name in names:
        assert len(name) == 64
        assert name.startswith("finance-reporting__summarise_")
