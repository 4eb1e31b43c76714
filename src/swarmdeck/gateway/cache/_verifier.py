"""Do two prompts agree on everything that changes meaning? The guard behind a semantic hit.

A sentence embedding puts "convert 5 km to miles" next to "convert 6 km to miles" and
"who wrote Hamlet" next to "who did not write Hamlet". Before a neighbour's answer is
served, both prompts must carry the same numbers (with units, in order), dates, quoted
strings and code, proper names and identifiers (in order), negations, comparatives,
polar words (before/after, add/remove, ...) and operators. When in doubt the verifier
disagrees: a miss costs one provider call, a false hit serves a wrong answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FENCE = re.compile(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|«([^»]+)»|`([^`]+)`|(?<![\w'])'([^'\n]+)'(?![\w'])")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PATH = re.compile(r"(?<!\w)(?:~|\.{1,2})?(?:/[\w.@+-]+)+/?|\b\w+(?:\\[\w.-]+)+")
_DOTTED = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?")
_NUMBER = re.compile(
    r"(?<![\w.])([$€£¥])?\s*([-+]?)(\d[\d,]*(?:\.\d+)?|\.\d+)(?:(st|nd|rd|th)\b)?"
    r"(\s*(?:%|°\s*[cfCF]?|[a-zA-Zµ$€£¥]+))?"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_TOKEN = re.compile(r"[A-Za-z0-9_][\w'.-]*[\w]|[A-Za-z0-9_]")
_SENTENCE_BREAK = frozenset(".!?:;\n")
_SYMBOLS = frozenset("+*/=<>^#&|~")  # currency signs and % travel with their numbers

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
    "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
    "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
    "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000",
    "billion": "1000000000", "dozen": "12", "half": "0.5", "twice": "2", "double": "2",
    "triple": "3", "once": "1", "thrice": "3", "single": "1", "pair": "2", "couple": "2",
    "third": "3", "fourth": "4", "fifth": "5",
}  # fmt: skip
_UNITS = {
    "%": "%", "percent": "%", "pct": "%", "per": None,
    "km": "km", "kilometer": "km", "kilometre": "km", "kms": "km",
    "m": "m", "meter": "m", "metre": "m", "cm": "cm", "centimeter": "cm", "centimetre": "cm",
    "mm": "mm", "millimeter": "mm", "millimetre": "mm", "mi": "mile", "mile": "mile",
    "ft": "ft", "foot": "ft", "feet": "ft", "in": None, "inch": "inch", "inche": "inch",
    "kg": "kg", "kilogram": "kg", "kilo": "kg", "g": "g", "gram": "g", "mg": "mg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "oz": "oz", "ounce": "oz",
    "l": "l", "liter": "l", "litre": "l", "ml": "ml", "milliliter": "ml", "millilitre": "ml",
    "c": "°c", "°c": "°c", "celsius": "°c", "f": "°f", "°f": "°f", "fahrenheit": "°f",
    "°": "°", "degree": "°", "deg": "°", "k": "k", "kelvin": "kelvin",
    "s": "s", "sec": "s", "second": "s", "ms": "ms", "millisecond": "ms",
    "min": "min", "minute": "min", "h": "h", "hr": "h", "hour": "h", "day": "day",
    "week": "week", "month": "month", "year": "year", "yr": "year",
    "usd": "usd", "$": "usd", "dollar": "usd", "buck": "usd", "eur": "eur", "€": "eur",
    "euro": "eur", "gbp": "gbp", "£": "gbp", "sterling": "gbp", "jpy": "jpy", "¥": "jpy",
    "yen": "jpy", "b": "byte", "byte": "byte", "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb",
    "kib": "kib", "mib": "mib", "gib": "gib", "bit": "bit", "px": "px", "pixel": "px",
    "x": "x", "times": "x",
}  # fmt: skip
_NOT_UNITS = _wordset(
    "a an the and or of to for from by at on into with as is are was were be it its this "
    "that these those than then so if but what which who how when where"
)
_NEGATIONS = _wordset(
    "not no never none nobody nothing nowhere neither nor without cannot cant dont doesnt "
    "didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt mustnt "
    "neednt except excluding exclude unless lacking"
)
_COMPARATIVES = _wordset(
    "more less most least fewer fewest better best worse worst bigger biggest smaller smallest "
    "larger largest greater greatest higher highest lower lowest faster fastest slower slowest "
    "cheaper cheapest longer longest shorter shortest older oldest newer newest younger "
    "youngest earlier earliest later latest stronger strongest weaker weakest heavier "
    "heaviest lighter lightest easier easiest harder hardest safer safest riskier riskiest "
    "warmer warmest colder coldest hotter hottest richer richest poorer poorest deeper "
    "deepest wider widest narrower narrowest taller tallest closer closest farther farthest "
    "further furthest max maximum min minimum maximal minimal ascending descending"
)
_POLES = {
    "before": "before", "after": "after", "prior": "before", "until": "before",
    "above": "above", "below": "below", "increase": "increase", "decrease": "decrease",
    "add": "add", "insert": "add", "remove": "remove", "delete": "remove", "drop": "remove",
    "enable": "enable", "disable": "disable", "allow": "allow", "deny": "deny",
    "block": "deny", "accept": "accept", "reject": "reject", "buy": "buy", "sell": "sell",
    "open": "open", "close": "close", "start": "start", "stop": "stop", "import": "import",
    "export": "export", "upload": "upload", "download": "download", "encrypt": "encrypt",
    "decrypt": "decrypt", "encode": "encode", "decode": "decode", "compress": "compress",
    "decompress": "decompress", "push": "push", "pull": "pull", "true": "true",
    "false": "false", "male": "male", "female": "female", "positive": "positive",
    "negative": "negative", "odd": "odd", "even": "even", "north": "north", "south": "south",
    "east": "east", "west": "west", "left": "left", "right": "right", "top": "top",
    "bottom": "bottom", "upper": "upper", "first": "first", "last": "last", "next": "next",
    "previous": "previous", "always": "always", "sometimes": "sometimes", "rarely": "rarely",
    "often": "often", "usually": "usually", "plus": "+", "minus": "-", "times": "*",
    "multiplied": "*", "divided": "/", "sum": "sum", "product": "product",
    "quotient": "quotient", "average": "average", "median": "median", "input": "input", "output": "output", "include": "include",
    "exclude": "exclude", "win": "win", "lose": "lose", "pass": "pass", "fail": "fail",
    "success": "success", "failure": "failure", "online": "online", "offline": "offline",
    "inbound": "inbound", "outbound": "outbound", "sync": "sync", "async": "async",
    "synchronous": "sync", "asynchronous": "async", "horizontal": "horizontal",
    "vertical": "vertical", "inner": "inner", "outer": "outer", "public": "public",
    "private": "private", "client": "client", "server": "server",
}  # fmt: skip
_MONTHS = {
    "jan": "january", "feb": "february", "apr": "april", "jun": "june",
    "jul": "july", "aug": "august", "sep": "september", "sept": "september", "oct": "october",
    "nov": "november", "dec": "december", "tue": "tuesday", "tues": "tuesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday",
}  # fmt: skip
_TIME_WORDS = _wordset(
    "january february april june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday "
    "tonight morning afternoon evening night weekend weekday noon midnight "
    "spring summer autumn winter hourly daily weekly monthly yearly annually quarterly "
    "q1 q2 q3 q4"
)
_COMMON_STARTS = _wordset(
    "a an the i i'm i'd i've i'll we you he she it they this that these those there here "
    "what what's whats which who whom whose why how how's when where whether is are was were "
    "am be been do does did can could would should will shall may might must have has had "
    "please pls kindly tell give show write explain describe list name define summarise "
    "summarize translate compare find calculate compute convert make create generate help "
    "provide suggest recommend rewrite fix implement draft outline let let's lets in on at "
    "for from with without by about after before during if so and but or also then now "
    "hey hi hello ok okay thanks thank yes no not my our your his her their its any some "
    "all every each one two many much more most other another such just only even still "
    "quick quickly briefly simply again is's using use given assuming suppose "
    "imagine consider check verify search look get put set go run add remove delete "
    "update change turn keep note why's"
)
_CAPITALISED = re.compile(r"^[A-Z][\w'-]*$")
_IDENTIFIER = re.compile(
    r"^(?:[a-z]+[A-Z]\w*|[A-Z]\w*[a-z]\w*[A-Z]\w*|\w*_\w+|[A-Z]{2,}\w*|"
    r"(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w]+(?:-[\w]+)*)$"
)


_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u2212": "-"})


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_TYPOGRAPHIC)


def _number(raw: str) -> str:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return raw
    return format(value.normalize(), "f")


def _unit(raw: str | None) -> str | None:
    if raw is None:
        return None
    word = raw.strip().lower().replace(" ", "")
    if word in _NOT_UNITS:
        return None
    if word in _UNITS:
        return _UNITS[word]
    if word.endswith("s") and word[:-1] in _UNITS:
        return _UNITS[word[:-1]]
    # Any other word after a number is the thing counted, which the sentence embedding
    # weighs (five apples vs five pears); the number itself still has to match.
    return None


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Meaning:
    """What of a prompt must match exactly for a cached answer to fit it."""

    numbers: tuple[tuple[str, str | None], ...]
    quoted: frozenset[str]
    code: frozenset[str]
    names: tuple[str, ...]
    soft_names: frozenset[str]
    words: frozenset[str]
    word_sequence: tuple[str, ...]
    negations: int
    comparatives: frozenset[str]
    polar: frozenset[str]
    times: frozenset[str]
    symbols: frozenset[str]


def _code_blocks(text: str) -> tuple[str, frozenset[str]]:
    blocks = frozenset(
        "\n".join(line.rstrip() for line in match.group(1).strip("\n").splitlines())
        for match in _FENCE.finditer(text)
    )
    return _FENCE.sub(" ", text), blocks


_OBJECT_STARTS = _wordset(
    "a an the me my us our your this that these those some it them him her all any one two"
)


def _common_start(word: str) -> bool:
    bare = word.replace("'", "")
    return word in _COMMON_STARTS or bare in _COMMON_STARTS or bare in _NEGATIONS


def _imperative(text: str, end: int) -> bool:
    """A sentence opener followed by an article or a pronoun is a verb ("Compose a haiku")."""
    following = text[end : end + 12].split(maxsplit=1)
    return bool(following) and following[0].lower().strip(",") in _OBJECT_STARTS


def _names(text: str) -> tuple[list[str], set[str]]:
    """Proper names and identifiers in order, and capitalised sentence openers."""
    names: list[str] = []
    soft: set[str] = set()
    for pattern in (_URL, _EMAIL, _PATH, _DOTTED):
        for match in pattern.finditer(text):
            names.append(match.group(0).rstrip(".,;:!?)").lower())
        text = pattern.sub(" ", text)
    previous_end: int | None = None
    for match in _TOKEN.finditer(text):
        token = match.group(0).rstrip(".'")
        lowered = token.lower()
        gap = text[previous_end or 0 : match.start()]
        at_start = previous_end is None or any(c in _SENTENCE_BREAK for c in gap)
        previous_end = match.end()
        if _IDENTIFIER.match(token) and not token.isdigit() and not _NUMBER.fullmatch(token):
            if not (at_start and _common_start(lowered)):
                names.append(lowered)
        elif _CAPITALISED.match(token) and token not in ("I", "I'm", "I'd", "I've", "I'll"):
            if not at_start:
                names.append(lowered)
            elif not _common_start(lowered) and not _imperative(text, match.end()):
                soft.add(lowered)
    return names, soft


def _numbers(text: str) -> list[tuple[str, str | None]]:
    """Numbers in order of appearance, each with the unit that follows (or currency before)."""
    found: list[tuple[int, tuple[str, str | None]]] = []
    for match in _NUMBER.finditer(text):
        currency, sign, digits, _, unit = match.groups()
        value = ("-" if sign == "-" else "") + _number(digits)
        found.append((match.start(), (value, _unit(currency) or _unit(unit))))
    for match in _WORD.finditer(text):
        word = match.group(0).lower()
        if word in _NUMBER_WORDS:
            after = text[match.end() :].split(maxsplit=1)
            unit = after[0].strip(".,;:!?") if after else None
            found.append((match.start(), (_NUMBER_WORDS[word], _unit(unit))))
    return [item for _, item in sorted(found)]


def meaning(prompt: str) -> Meaning:
    """The meaning-bearing features of `prompt`."""
    text = _plain(prompt)
    text, code = _code_blocks(text)
    quoted = frozenset(next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text))
    names, soft = _names(text)
    numbers = _numbers(text)
    words = [w.lower().replace("'", "") for w in _WORD.findall(text)]
    plain_words = [_MONTHS.get(w, w) for w in words]
    return Meaning(
        numbers=tuple(numbers),
        quoted=quoted,
        code=code,
        names=tuple(dict.fromkeys(names)),
        soft_names=frozenset(soft),
        words=frozenset(plain_words) | frozenset(w.lower() for w in _TOKEN.findall(text)),
        word_sequence=tuple(plain_words),
        negations=sum(w in _NEGATIONS for w in words),
        comparatives=frozenset(w for w in plain_words if w in _COMPARATIVES),
        polar=frozenset(_POLES[s] for w in plain_words if (s := _singular(w)) in _POLES),
        times=frozenset(w for w in plain_words if w in _TIME_WORDS),
        symbols=frozenset(c for c in text if c in _SYMBOLS),
    )


def _names_agree(a: Meaning, b: Meaning) -> bool:
    for one, other in ((a, b), (b, a)):
        if any(name not in other.words and name not in other.names for name in one.names):
            return False
        if any(name not in other.words for name in one.soft_names):
            return False
    common = set(a.names) & set(b.names)
    return [n for n in a.names if n in common] == [n for n in b.names if n in common]


def disagreement(a: str, b: str) -> str | None:
    """Why prompts `a` and `b` may not share an answer, or None when they agree."""
    if a.strip() == b.strip():
        return None
    left, right = meaning(a), meaning(b)
    checks = (
        ("numbers", left.numbers == right.numbers),
        ("quoted strings", left.quoted == right.quoted),
        ("code", left.code == right.code),
        ("names", _names_agree(left, right)),
        ("negation", left.negations == right.negations),
        ("comparatives", left.comparatives == right.comparatives),
        ("opposites", left.polar == right.polar),
        ("dates", left.times == right.times),
        ("operators", left.symbols == right.symbols),
        (
            "word order",
            sorted(left.word_sequence) != sorted(right.word_sequence)
            or left.word_sequence == right.word_sequence,
        ),
    )
    return next((name for name, ok in checks if not ok), None)


def agree(a: str, b: str) -> bool:
    """True when `a` and `b` agree on numbers, names, negation, ... and may share an answer."""
    return disagreement(a, b) is None
