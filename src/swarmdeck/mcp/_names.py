"""Namespaced tool names: `<server>__<tool>`, at most 64 of `[a-zA-Z0-9_-]`, never a clash."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_LENGTH = 64
SEPARATOR = "__"
_VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_INVALID_CHAR = re.compile(r"[^a-zA-Z0-9_-]")

ToolKey = tuple[str, str]
"""(server name, the tool's name upstream)."""


def is_valid(name: str) -> bool:
    """Whether `name` is a tool name every client accepts."""
    return _VALID.fullmatch(name) is not None


def _preferred(server: str, tool: str) -> str | None:
    name = f"{server}{SEPARATOR}{tool}"
    return name if is_valid(name) else None


def _hashed(server: str, tool: str, digits: int) -> str:
    digest = hashlib.sha256(f"{server}\x00{tool}".encode()).hexdigest()[:digits]
    stem = _INVALID_CHAR.sub("_", f"{server}{SEPARATOR}{tool}")
    return f"{stem[: MAX_LENGTH - 1 - digits]}_{digest}"


def assign_names(keys: Iterable[ToolKey]) -> dict[str, ToolKey]:
    """Give every (server, tool) a unique public name, the same for the same set of keys.

    A tool whose plain `<server>__<tool>` is valid keeps it; the rest (too long, odd
    characters, or losing a clash to the key that sorts first) get the name cut short
    plus a hash of the key, lengthened until unique.
    """
    ordered = sorted(set(keys))
    names: dict[str, ToolKey] = {}
    deferred: list[ToolKey] = []
    for key in ordered:
        plain = _preferred(*key)
        if plain is not None and plain not in names:
            names[plain] = key
        else:
            deferred.append(key)
    # Hashed names are placed after every plain name, so a plain name never moves because
    # some other tool's hashed name happens to look like it.
    for key in deferred:
        digits = 8
        name = _hashed(*key, digits)
        while name in names:
            digits += 4
            if digits > 48:
                name = _numbered(key, names)
                break
            name = _hashed(*key, digits)
        names[name] = key
    return names


def _numbered(key: ToolKey, names: dict[str, ToolKey]) -> str:
    # Unreachable in practice (48 hex digits of SHA-256 clashing); kept so assignment never fails.
    stem = _hashed(*key, 8)
    counter = 1
    while f"{stem[: MAX_LENGTH - 8]}_{counter:07d}" in names:
        counter += 1
    return f"{stem[: MAX_LENGTH - 8]}_{counter:07d}"
