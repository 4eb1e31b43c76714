"""The sanitiser: strips credentials and personal data from text before it is logged or traced.

Each secret is replaced by a typed marker (`[REDACTED:api_key]`, `[REDACTED:card]`, ...) so a
reader still sees what kind of value was there. Markers contain no character any pattern
matches, so redacting twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar, cast

__all__ = ["REDACTED", "Sanitizer", "default_sanitizer", "set_default_sanitizer"]

_T = TypeVar("_T")

REDACTED: Final = "[REDACTED]"
"""What `redact_obj` puts in place of the value of a secret-named key."""

# (kind, pattern). Every pattern starts with a literal, which lets the regex engine skip to
# candidates at memchr speed; the look-behind that keeps a token from starting in the middle
# of a longer word therefore comes right after the literal. A 10 KB text costs ~7 us a pattern.
_TOKEN_PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    # OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-...) keys.
    ("api_key", r"sk-(?<![A-Za-z0-9_-]sk-)[A-Za-z0-9_-]{20,}"),
    # SwarmDeck's own keys.
    ("api_key", r"sdk-(?<![A-Za-z0-9_-]sdk-)[A-Za-z0-9_-]{20,}"),
    # Google API keys.
    ("api_key", r"AIza(?<![A-Za-z0-9_-]AIza)[A-Za-z0-9_-]{35,}"),
    ("github_token", r"gh(?<![A-Za-z0-9_]gh)[pousr]_[A-Za-z0-9]{20,}"),
    ("github_token", r"github_pat_(?<![A-Za-z0-9_]github_pat_)[A-Za-z0-9_]{20,}"),
    ("slack_token", r"xox(?<![A-Za-z0-9_-]xox)[abprs]-[A-Za-z0-9-]{10,}"),
    ("aws_key", r"A(?<![A-Za-z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    ("jwt", r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
)

_BEARER = re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)")
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]{7,18}[.]?")

# Emails are found from their "@" outwards: a scan for "@" is memchr-fast, a regex starting
# with the local part's character class is not. The local part is RFC 5322 atext plus the
# dots of dot-atoms, at most 64 characters.
_EMAIL_LOCAL = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-"
)
_EMAIL_LOCAL_MAX = 64
_EMAIL_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)

# A maximal run of at least 13 digits with single spaces or dashes between them, not glued
# to a word. The regex starts with a character class, which the engine tries at every
# position (~200 us for 10 KB), so it only runs on regions found cheaply first: the text as
# one byte a character (latin-1, "?" for the rest), digits, spaces and dashes mapped to "0",
# searched for 13 of them in a row, a literal the engine skips to.
_WORD = "A-Za-z0-9_"
_DIGIT_RUN = re.compile(
    rf"[0-9](?<![{_WORD}][0-9])(?<![0-9][ -][0-9])(?:[ -]?[0-9]){{12,}}(?![{_WORD}])(?![ -][0-9])"
)
_DIGIT_SHAPE = bytes(ord("0") if b in b"0123456789 -" else ord("x") for b in range(256))
_DIGIT_REGION = re.compile(b"0" * 13 + b"+")
_SEPARATOR = re.compile(r"([ -])")
_LUHN_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_CARD_MIN, _CARD_MAX = 13, 19

# Every built-in rule needs one of these. On short text one search for them is cheaper than
# running the rules (log messages and JSON values are short); on long text the rules' own
# literal scans are cheaper than this regex, which the engine tries at every position.
_ANY_CANDIDATE = re.compile(
    r"@|sk-|sdk-|AIza|gh[pousr]_|github_pat_|xox[abprs]-|A[KS]IA|eyJ|(?i:bearer)"
    r"|[0-9](?:[ -]?[0-9]){12}"
)
_SHORT = 256

_SECRET_KEY = re.compile(
    r"password|passwd|secret|api_?key|authorization|cookie|private_?key"
    r"|token(?!s|_?(?:count|limit|budget|usage|type)|iz)"
)
_MAX_DEPTH = 64
_KEY_CACHE_SIZE = 4096
_MAX_PASSES = 3


def _marker(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        total += _LUHN_DOUBLED[value] if index % 2 else value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return _CARD_MIN <= len(digits) <= _CARD_MAX and _luhn_ok(digits)


def _redact_digit_run(run: str) -> str:
    """Redact a digit run that is a card number, or else the group-aligned stretches of it
    that are (a card followed by "12/25" or a year, say)."""
    if _is_card(run.replace(" ", "").replace("-", "")):
        return _marker("card")
    parts = _SEPARATOR.split(run)
    if len(parts) == 1:
        return run
    groups, seps = parts[0::2], parts[1::2]
    out: list[str] = []
    i = 0
    while i < len(groups):
        end = _longest_card_window(groups, i)
        if end is None:
            out.append(groups[i])
            i += 1
        else:
            out.append(_marker("card"))
            i = end
        if i < len(groups):
            out.append(seps[i - 1])
    return "".join(out)


def _longest_card_window(groups: list[str], start: int) -> int | None:
    """End index of the longest card-valid run of groups starting at `start`, if any."""
    best: int | None = None
    digits = ""
    for end in range(start + 1, len(groups) + 1):
        digits += groups[end - 1]
        if len(digits) > _CARD_MAX:
            break
        if _is_card(digits):
            best = end
    return best


def _redact_bearer(match: re.Match[str]) -> str:
    # Keep prose ("Bearer authentication."): one plain word, at most its first letter capital.
    if _PLAIN_WORD.fullmatch(match.group(1)):
        return match.group()
    return _marker("bearer")


def _redact_bearers(text: str) -> str:
    if "bearer" not in text.lower():
        return text
    return _BEARER.sub(_redact_bearer, text)


def _redact_emails(text: str) -> str:
    at = text.find("@")
    if at < 0:
        return text
    out: list[str] = []
    done = 0  # text[:done] is settled
    while at >= 0:
        start, floor = at, max(done, at - _EMAIL_LOCAL_MAX)
        while start > floor and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        domain = _EMAIL_DOMAIN.match(text, at + 1) if start < at else None
        if domain is None:
            at = text.find("@", at + 1)
            continue
        out.append(text[done:start])
        out.append(_marker("email"))
        done = domain.end()
        at = text.find("@", done)
    out.append(text[done:])
    return "".join(out)


def _redact_cards(text: str) -> str:
    shape = text.encode("latin-1", "replace").translate(_DIGIT_SHAPE)
    out: list[str] = []
    done = 0
    for region in _DIGIT_REGION.finditer(shape):
        # endpos one past the region: the look-aheads need the character that ends it.
        for run in _DIGIT_RUN.finditer(text, region.start(), region.end() + 1):
            out.append(text[done : run.start()])
            out.append(_redact_digit_run(run.group()))
            done = run.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _pattern_rule(pattern: re.Pattern[str], marker: str) -> Callable[[str], str]:
    def rule(text: str) -> str:
        return pattern.sub(marker, text)

    return rule


def _is_secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key.lower().replace("-", "_")) is not None


class Sanitizer:
    """Redacts secrets and personal data from text and from nested JSON-like values.

    `extra_patterns` are regular expressions (from config) whose matches become
    `[REDACTED:pattern]`; an invalid one raises `ValueError` naming it.
    """

    def __init__(self, extra_patterns: Sequence[str] = ()) -> None:
        self.extra_patterns: tuple[str, ...] = tuple(extra_patterns)
        # Emails first: a key in a local part (or a URL's userinfo) goes with its address.
        rules: list[Callable[[str], str]] = [_redact_emails]
        rules += [
            _pattern_rule(re.compile(pattern), _marker(kind)) for kind, pattern in _TOKEN_PATTERNS
        ]
        rules += [_redact_bearers, _redact_cards]
        self._rules: tuple[Callable[[str], str], ...] = tuple(rules)
        self._extra_rules = tuple(
            _pattern_rule(_compile_extra(pattern), _marker("pattern"))
            for pattern in self.extra_patterns
        )
        self._keys: dict[str, tuple[str, bool]] = {}  # key name -> (redacted, secret-named)

    def redact(self, text: str) -> str:
        """Return `text` with every secret replaced by its typed marker."""
        for _ in range(_MAX_PASSES):
            redacted = text
            if len(text) > _SHORT or _ANY_CANDIDATE.search(text):
                for rule in self._rules:
                    redacted = rule(redacted)
            for rule in self._extra_rules:
                redacted = rule(redacted)
            if redacted == text:
                break
            # Once more: a look-around may judge differently next to a new marker.
            text = redacted
        return text

    def redact_obj(self, obj: _T) -> _T:
        """Redact strings inside dicts, lists, tuples and sets; values of secret-named keys
        (password, token, api_key, cookie, ...) become `[REDACTED]`. Returns a copy."""
        return cast(_T, self._redact_value(obj, 0))

    def _redact_value(self, obj: object, depth: int) -> object:
        if isinstance(obj, str):
            return self.redact(obj)
        if depth >= _MAX_DEPTH and isinstance(obj, Mapping | list | tuple | set | frozenset):
            return _marker("depth")
        if isinstance(obj, Mapping):
            out: dict[object, object] = {}
            for key, value in obj.items():
                if isinstance(key, str):
                    key, secret = self._key(key)
                    if secret and value is not None:
                        out[key] = REDACTED
                        continue
                out[key] = self._redact_value(value, depth + 1)
            return out
        if isinstance(obj, list):
            return [self._redact_value(item, depth + 1) for item in obj]
        if isinstance(obj, tuple):
            items = [self._redact_value(item, depth + 1) for item in obj]
            make = getattr(obj, "_make", None)  # a namedtuple keeps its type
            return make(items) if callable(make) else tuple(items)
        if isinstance(obj, set | frozenset):
            return type(obj)(self._redact_value(item, depth + 1) for item in obj)
        return obj

    def _key(self, key: str) -> tuple[str, bool]:
        """The redacted key and whether it names a secret; cached, as key names repeat."""
        known = self._keys.get(key)
        if known is None:
            if len(self._keys) >= _KEY_CACHE_SIZE:
                self._keys.clear()
            known = self._keys[key] = (self.redact(key), _is_secret_key(key))
        return known


def _compile_extra(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid redaction pattern {pattern!r}: {exc}") from exc
    if compiled.fullmatch(""):
        raise ValueError(f"invalid redaction pattern {pattern!r}: it matches the empty string")
    return compiled


_default = Sanitizer()


def default_sanitizer() -> Sanitizer:
    """The process-wide sanitiser that logging and telemetry use."""
    return _default


def set_default_sanitizer(sanitizer: Sanitizer) -> None:
    """Install the process-wide sanitiser (config does, to add its `redact_patterns`)."""
    global _default
    _default = sanitizer
