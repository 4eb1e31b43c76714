"""The sanitiser: what it must redact, what it must leave alone, and that it is cheap."""

from __future__ import annotations

import random
import string
import time
from collections import namedtuple
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmdeck.core.sanitize import (
    REDACTED,
    Sanitizer,
    default_sanitizer,
    set_default_sanitizer,
)

SANITIZER = Sanitizer()

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

SECRETS = [
    pytest.param("api_key", "sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2 + "kLmN", id="openai-legacy"),
    pytest.param(
        "api_key", "sk-proj-" + "Ab3_dE-fGh1jKlMnOpQrStUvWxYz0123456789" * 3, id="openai-proj"
    ),
    pytest.param(
        "api_key", "sk-ant-api03-" + "xY9_zW8-vU7tS6rQ5pO4nM3lK2jI1hG0fE" * 3, id="anthropic"
    ),
    pytest.param("api_key", "sdk-3f9Q_x7LmN2pR8sT4vW6yZ1a", id="swarmdeck"),
    pytest.param("api_key", "AIzaSyD4x9Qm2Lk7Wp3Zr8Tn1Bv6Hc5Jf0Gd2Ye", id="google"),
    pytest.param(
        "github_token", "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", id="github-classic"
    ),
    pytest.param(
        "github_token", "gho_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2", id="github-oauth"
    ),
    pytest.param(
        "github_token",
        "github_pat_11ABCDEFG0a1b2c3d4e5f6_"
        + "g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6A7B8C9D0E1F2G3H4",
        id="github-fine-grained",
    ),
    pytest.param("slack_token", "xoxb-2468013579-1357924680-AbCdEfGhIjKlMnOpQrStUvWx", id="slack"),
    pytest.param("aws_key", "AKIAIOSFODNN7EXAMPLE", id="aws-akia"),
    pytest.param("aws_key", "ASIAY34FZKBOKMUTVV7A", id="aws-asia"),
    pytest.param("jwt", JWT, id="jwt"),
    pytest.param("email", "jane.doe+billing@example.co.uk", id="email"),
    pytest.param("card", "4111 1111 1111 1111", id="visa-spaces"),
    pytest.param("card", "5500-0000-0000-0004", id="mastercard-dashes"),
    pytest.param("card", "378282246310005", id="amex"),
]


@pytest.mark.parametrize(("kind", "secret"), SECRETS)
@pytest.mark.parametrize(
    "template",
    ["{}", "using {} now", "value: {};", 'config: {{"value": "{}"}}', "(see {})\nnext line"],
)
def test_each_secret_kind_is_redacted_in_context(kind: str, secret: str, template: str) -> None:
    text = template.format(secret)
    redacted = SANITIZER.redact(text)
    assert secret not in redacted
    assert redacted == template.format(f"[REDACTED:{kind}]")


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer abc.def-ghi_123",
        "authorization: bearer 0123456789abcdef0123",
        "AUTHORIZATION: BEARER " + "Zm9vYmFyYmF6cXV4cXV1eA==",
        "Authorization:   BeArEr tok-7Hq2",
    ],
)
def test_bearer_tokens_are_redacted_in_any_case(header: str) -> None:
    token = header.split()[-1]
    redacted = SANITIZER.redact(f"sent {header} upstream")
    assert token not in redacted
    assert "[REDACTED:bearer]" in redacted


@pytest.mark.parametrize(
    "prose",
    ["Bearer tokens expire.", "use Bearer authentication.", "the Bearer Authentication, then"],
)
def test_bearer_followed_by_a_plain_word_is_prose(prose: str) -> None:
    assert SANITIZER.redact(prose) == prose


def test_bearer_wrapping_a_known_key_reports_the_key_kind() -> None:
    key = "sk-proj-" + "q" * 40
    assert SANITIZER.redact(f"Bearer {key}") == "Bearer [REDACTED:api_key]"


def test_a_card_followed_by_more_digits_is_still_redacted() -> None:
    assert SANITIZER.redact("card 4111 1111 1111 1111 12/25") == "card [REDACTED:card] 12/25"
    assert SANITIZER.redact("card 4111-1111-1111-1111 2025 ok") == "card [REDACTED:card] 2025 ok"


def test_a_card_in_non_ascii_text_is_redacted() -> None:
    text = "paiement — carte 4111 1111 1111 1111 ✓ merci"
    assert SANITIZER.redact(text) == "paiement — carte [REDACTED:card] ✓ merci"


def test_numbers_failing_luhn_survive() -> None:
    text = "order 4111111111111112 shipped; ref 1234-5678-9012-3456; ts 1715251234560"
    assert SANITIZER.redact(text) == text


def _luhn_check_digit(payload: str) -> str:
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char)
        if index % 2 == 0:  # doubled, since the check digit will take position 0
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def _with_separators(digits: str, draw: st.DrawFn) -> str:
    seps = draw(
        st.lists(
            st.sampled_from(["", "", " ", "-"]), min_size=len(digits) - 1, max_size=len(digits) - 1
        )
    )
    return digits[0] + "".join(sep + digit for sep, digit in zip(seps, digits[1:], strict=True))


@st.composite
def luhn_valid_cards(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    payload = draw(st.text(string.digits, min_size=length - 1, max_size=length - 1))
    return _with_separators(payload + _luhn_check_digit(payload), draw)


@st.composite
def luhn_invalid_numbers(draw: st.DrawFn) -> str:
    """Numbers that fail Luhn, written plain or in groups of four as card numbers are."""
    length = draw(st.integers(13, 19))
    payload = draw(st.text(string.digits, min_size=length - 1, max_size=length - 1))
    good = int(_luhn_check_digit(payload))
    digits = payload + str((good + draw(st.integers(1, 9))) % 10)
    if length > 16:  # a group-aligned part of it could be a card; keep it plain
        return digits
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(digits[i : i + 4] for i in range(0, length, 4))


@given(luhn_valid_cards())
def test_luhn_valid_card_numbers_are_redacted(card: str) -> None:
    assert SANITIZER.redact(f"paid with {card} yesterday") == "paid with [REDACTED:card] yesterday"


@given(luhn_invalid_numbers())
def test_luhn_invalid_numbers_are_left_alone(number: str) -> None:
    text = f"order {number} shipped"
    assert SANITIZER.redact(text) == text


@given(st.emails())
def test_emails_are_redacted(email: str) -> None:
    assert SANITIZER.redact(f"contact {email} for access") == "contact [REDACTED:email] for access"


_SECRET_VALUES = [param.values[1] for param in SECRETS]


@given(st.lists(st.one_of(st.text(), st.sampled_from(_SECRET_VALUES))).map("".join))
def test_redaction_is_idempotent(text: str) -> None:
    once = SANITIZER.redact(text)
    assert SANITIZER.redact(once) == once


@given(st.lists(st.one_of(st.text(), st.sampled_from(_SECRET_VALUES)), max_size=6).map("".join))
def test_short_and_long_text_are_redacted_alike(text: str) -> None:
    # Short text takes a shortcut when no secret can be in it; padding forces the full scan.
    padding = " " * 300
    assert SANITIZER.redact(text + padding) == SANITIZER.redact(text) + padding


@given(st.text())
def test_redaction_of_any_text_is_idempotent(text: str) -> None:
    once = SANITIZER.redact(text)
    assert SANITIZER.redact(once) == once


PROSE = """\
The deploy on 2024-05-09 10:30:00 UTC took 42.5 s and cost $3.17 (order #98765, 1,204 tokens).
Bearer tokens go in the Authorization header; see RFC 6750 for Bearer authentication.
Our task-force uses sk-learn and scikit; ask @maria or ops@localhost, not the helpdesk.
Call +1 415 555 2671 or visit https://example.org/docs?page=2&lang=en for the FAQ.
Keys start with sdk- and are shown once. AKIA is a prefix, Asia is a continent.
Build 2024.05.1-rc3 shipped to eu-west-1 at 09:15; p95 latency 230 ms over 10000 calls.
"""

_WORDS = [
    *["the", "a", "deploy", "agent", "swarm", "budget", "cost", "latency", "model", "tokens"],
    *["request", "failed", "ok", "authorization", "header", "cache", "router", "fallback"],
    *["anthropic", "openai", "sk", "task-force", "42", "2024-05-09", "10:30:00", "3.50", "#123"],
    *["v1.2.3", "p95", "200", "(note)", "user_id", "ops@localhost"],
]


def test_plain_prose_is_unchanged() -> None:
    assert SANITIZER.redact(PROSE) == PROSE


@given(
    st.lists(
        st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", ", ", ". ", "\n", "; "])),
        max_size=60,
    )
)
def test_sentences_of_ordinary_words_are_unchanged(pairs: list[tuple[str, str]]) -> None:
    # Numbers joined by single spaces are what card numbers look like; prose puts commas.
    text = "".join(word + (", " if word[0].isdigit() else sep) for word, sep in pairs)
    assert SANITIZER.redact(text) == text


Usage = namedtuple("Usage", ["model", "note"])


def test_redact_obj_walks_nested_structures_and_blanks_secret_named_keys() -> None:
    key = "sk-proj-" + "k" * 40
    original = {
        "user": "jane@example.com",
        "password": "hunter2",
        "Authorization": "Basic dXNlcjpwYXNz",
        "X-Api-Key": "anything",
        "headers": [{"set-cookie": "sid=1"}, {"accept": "application/json"}],
        "nested": {"deeper": ({"access_token": "t0k", "note": f"key {key}"},)},
        "usage": {"max_tokens": 512, "prompt_tokens": 10, "total_tokens": 20, "token_type": "x"},
        "client_secret": None,
        "row": Usage("gpt-4o", "card 4111 1111 1111 1111"),
        7: ["plain"],
    }
    redacted = SANITIZER.redact_obj(original)
    assert redacted == {
        "user": "[REDACTED:email]",
        "password": REDACTED,
        "Authorization": REDACTED,
        "X-Api-Key": REDACTED,
        "headers": [{"set-cookie": REDACTED}, {"accept": "application/json"}],
        "nested": {"deeper": ({"access_token": REDACTED, "note": "key [REDACTED:api_key]"},)},
        "usage": {"max_tokens": 512, "prompt_tokens": 10, "total_tokens": 20, "token_type": "x"},
        "client_secret": None,
        "row": Usage("gpt-4o", "card [REDACTED:card]"),
        7: ["plain"],
    }
    assert isinstance(redacted["row"], Usage)
    assert original["password"] == "hunter2"  # the input is not modified


def test_redact_obj_survives_deep_nesting() -> None:
    deep: object = "sk-" + "z" * 30
    for _ in range(200):
        deep = [deep]
    assert "sk-" not in repr(SANITIZER.redact_obj(deep))


def test_custom_patterns_are_redacted() -> None:
    sanitizer = Sanitizer([r"ACME-\d{6}", r"(?i)internal-[a-z]+"])
    text = "ticket ACME-123456 from INTERNAL-billing"
    assert sanitizer.redact(text) == "ticket [REDACTED:pattern] from [REDACTED:pattern]"
    assert SANITIZER.redact(text) == text


@pytest.mark.parametrize("pattern", ["(unclosed", "[z-a]", "x**"])
def test_an_invalid_pattern_is_refused_by_name(pattern: str) -> None:
    with pytest.raises(ValueError, match="invalid redaction pattern") as caught:
        Sanitizer(["fine-\\d+", pattern])
    assert repr(pattern) in str(caught.value)


def test_a_pattern_matching_the_empty_string_is_refused() -> None:
    with pytest.raises(ValueError, match="empty string"):
        Sanitizer(["a*"])


@pytest.fixture
def restore_default_sanitizer() -> Iterator[None]:
    previous = default_sanitizer()
    yield
    set_default_sanitizer(previous)


@pytest.mark.usefixtures("restore_default_sanitizer")
def test_the_default_sanitizer_can_be_replaced() -> None:
    installed = Sanitizer([r"ACME-\d{6}"])
    set_default_sanitizer(installed)
    assert default_sanitizer() is installed
    assert default_sanitizer().redact("ACME-000001") == "[REDACTED:pattern]"


def _ten_kb_of_prose() -> str:
    rng = random.Random(7)
    text = ""
    while len(text) < 10_240:
        text += PROSE + " ".join(rng.choice(_WORDS) for _ in range(12)) + ".\n"
    return text[:10_240]


def test_redacting_10kb_without_secrets_is_well_under_a_millisecond() -> None:
    text = _ten_kb_of_prose()
    assert SANITIZER.redact(text) == text
    best = float("inf")
    for _ in range(30):
        started = time.perf_counter()
        SANITIZER.redact(text)
        best = min(best, time.perf_counter() - started)
    assert best < 0.001, f"{best * 1e6:.0f} us for 10 KB"
