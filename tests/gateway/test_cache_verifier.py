"""The verifier refuses prompts that differ in what changes meaning and accepts paraphrases."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from swarmdeck.gateway.cache import agree, disagreement

TEMPLATES = [
    "Convert {n} km to miles",
    "What is {n}% of 80?",
    "Plan a {n} day trip to Rome.",
    "How much is ${n} in euros?",
    "Generate a password of {n} characters.",
    "Summarise the news from {n} March 2024.",
    "What is the square root of {n}?",
]
NUMBERS = st.integers(min_value=0, max_value=10**9) | st.decimals(
    min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False
)


@given(st.sampled_from(TEMPLATES), NUMBERS, NUMBERS)
def test_changing_a_number_makes_the_verifier_disagree(template: str, a: object, b: object) -> None:
    assume(float(str(a)) != float(str(b)))
    assert disagreement(template.format(n=a), template.format(n=b)) == "numbers"


@given(st.sampled_from(TEMPLATES), NUMBERS)
def test_the_same_number_written_alike_agrees(template: str, n: object) -> None:
    assert agree(template.format(n=n), template.format(n=n))


NAMES = ["Paris", "London", "Tokyo", "Einstein", "Newton", "PostgreSQL", "MySQL", "Kubernetes"]


@given(st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_changing_a_proper_name_makes_the_verifier_disagree(a: str, b: str) -> None:
    assume(a != b)
    for template in ("Tell me about the history of {x}.", "What is the best thing about {x}?"):
        assert disagreement(template.format(x=a), template.format(x=b)) == "names"


@given(st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_swapping_two_names_makes_the_verifier_disagree(a: str, b: str) -> None:
    assume(a != b)
    assert not agree(f"Is {a} bigger than {b}?", f"Is {b} bigger than {a}?")


SENTENCES = [
    "Is it safe to eat raw eggs?",
    "Which foods are safe for dogs?",
    "Should I use a VPN on public wifi?",
    "Does Python have a switch statement?",
]


@given(st.sampled_from(SENTENCES), st.sampled_from(["not", "never", "no longer"]))
def test_inserting_a_negation_makes_the_verifier_disagree(sentence: str, negation: str) -> None:
    words = sentence.split()
    negated = " ".join([*words[:2], negation, *words[2:]])
    assert disagreement(sentence, negated) == "negation"


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("Is Paris bigger than London?", "Is Paris smaller than London?", "comparatives"),
        ("What is the tallest building?", "What is the oldest building?", "comparatives"),
        ("Sort the list in ascending order.", "Sort the list in descending order.", "comparatives"),
        (
            "What should I do before an interview?",
            "What should I do after an interview?",
            "opposites",
        ),
        ("How do I encrypt a file?", "How do I decrypt a file?", "opposites"),
        ("Convert 10 miles to km", "Convert 10 meters to km", "numbers"),
        ("Is 8 GB of RAM enough?", "Is 8 MB of RAM enough?", "numbers"),
        ("How much is $50 in yen?", "How much is €50 in yen?", "numbers"),
        ("Schedule it for Monday.", "Schedule it for Tuesday.", "names"),
        ("What is the forecast for today?", "What is the forecast for tomorrow?", "dates"),
        (
            "Translate 'good morning' to French",
            "Translate 'good night' to French",
            "quoted strings",
        ),
        ("What does `git reset --hard` do?", "What does `git reset --soft` do?", "quoted strings"),
        (
            "What does this print?\n```python\nprint(2 ** 3)\n```",
            "What does this print?\n```python\nprint(2 ** 4)\n```",
            "code",
        ),
        ("What is 7 + 3?", "What is 7 * 3?", "operators"),
        ("Why does my_function return None?", "Why does my_handler return None?", "names"),
        ("Explain useEffect in React.", "Explain useState in React.", "names"),
        ("Read /etc/hosts for me.", "Read /etc/passwd for me.", "names"),
        ("Fetch https://example.com/a please", "Fetch https://example.com/b please", "names"),
        ("Paris is bigger than Rome?", "Berlin is bigger than Rome?", "names"),
        ("is a cat bigger than a dog", "is a dog bigger than a cat", "word order"),
    ],
)
def test_near_misses_are_refused_with_the_reason(a: str, b: str, why: str) -> None:
    assert disagreement(a, b) == why
    assert disagreement(b, a) == why


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What is the capital of France?", "Tell me the capital city of France."),
        ("How do I reverse a list in Python?", "What's the way to reverse a Python list?"),
        ("Convert 5 km to miles", "How many miles is five kilometres?"),
        ("Who wrote Hamlet?", "Who is the author of Hamlet?"),
        ("Can you explain recursion?", "Please explain recursion."),
        ("Write a haiku about autumn.", "Compose a haiku about autumn."),
        ("Is Paris bigger than Rome?", "Paris: is it bigger than Rome?"),
        ("tell me about python", "Tell me about Python"),
        ("Don't use recursion, please.", "Please do not use recursion."),
        ("How much is $5 in euros?", "How much is 5 dollars in euros?"),
    ],
)
def test_paraphrases_are_accepted(a: str, b: str) -> None:
    assert disagreement(a, b) is None
    assert disagreement(b, a) is None


@given(st.text(max_size=200))
def test_a_prompt_always_agrees_with_itself(text: str) -> None:
    assert agree(text, text)
    assert agree(text, f"  {text}\n")


@given(st.text(max_size=200), st.text(max_size=200))
def test_the_verifier_is_symmetric(a: str, b: str) -> None:
    assert agree(a, b) == agree(b, a)


def test_a_long_prompt_is_verified_quickly() -> None:
    long = " ".join(f"Sentence {i} mentions Paris and my_var_{i}." for i in range(2000))
    other = re.sub(r"\bParis\b", "Lyon", long, count=1)
    assert disagreement(long, other) == "names"
