"""Signed, expiring session cookies, swarm agents' tokens, and the bootstrap admin token.

A session is `base64url(json).base64url(hmac-sha256)` under the server's secret key,
so any replica can verify it without shared state. It carries a CSRF token that
cookie-authenticated state changes must echo in a header (double submit, bound to the
signed session).

An agent token (`sda-...`) has the same shape under a key of its own, so neither can pass
for the other. Workers hold the secret key too: they mint one for each agent turn, valid
for minutes, and never store it (not in workflow inputs, not in Temporal's history).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from swarmdeck.core.auth._permissions import AGENT_ROLE
from swarmdeck.core.auth._principal import Principal

SESSION_COOKIE = "swarmdeck_session"
CSRF_COOKIE = "swarmdeck_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL_SECONDS = 12 * 3600
AGENT_TOKEN_PREFIX = "sda-"  # noqa: S105 (a prefix)
AGENT_TOKEN_MAX_TTL_SECONDS = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy token: enough to store and compare it, never to recover it."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionSigner:
    """Issues and verifies session cookies with the server's secret key."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = hashlib.sha256(b"swarmdeck-session\x00" + secret_key).digest()
        self._agent_key = hashlib.sha256(b"swarmdeck-agent-token\x00" + secret_key).digest()

    def _sign(self, payload: bytes, key: bytes | None = None) -> str:
        return _b64(hmac.new(key or self._key, payload, hashlib.sha256).digest())

    def issue_agent_token(self, name: str, *, ttl: float, now: float | None = None) -> str:
        """A bearer token for a swarm agent (`name`, e.g. `agent:research/planner`) holding
        the built-in `agent` role for `ttl` seconds (at most an hour)."""
        if not 0 < ttl <= AGENT_TOKEN_MAX_TTL_SECONDS:
            raise ValueError(f"an agent token lives 0-{AGENT_TOKEN_MAX_TTL_SECONDS} seconds")
        claims = {
            "sub": name,
            "role": AGENT_ROLE,
            "exp": int((now or time.time()) + ttl),
            "jti": secrets.token_urlsafe(12),
        }
        payload = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
        return f"{AGENT_TOKEN_PREFIX}{_b64(payload)}.{self._sign(payload, self._agent_key)}"

    def verify_agent_token(self, token: str, *, now: float | None = None) -> Principal | None:
        """The agent principal of a valid, unexpired agent token, else None."""
        if not token.startswith(AGENT_TOKEN_PREFIX):
            return None
        try:
            body, signature = token[len(AGENT_TOKEN_PREFIX) :].split(".", 1)
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload, self._agent_key), signature):
            return None
        try:
            claims = json.loads(payload)
            current = now or time.time()
            expires = float(claims["exp"])
            # A token that claims to live longer than any we issue was not issued by us.
            if not current < expires <= current + AGENT_TOKEN_MAX_TTL_SECONDS:
                return None
            if claims["role"] != AGENT_ROLE or not isinstance(claims["sub"], str):
                return None
            return Principal(name=claims["sub"], role=AGENT_ROLE, kind="agent")
        except (ValueError, KeyError, TypeError):
            return None

    def issue(
        self, principal: Principal, *, binding: str = "", now: float | None = None
    ) -> tuple[str, str]:
        """Return `(cookie value, csrf token)` for a principal; `binding` ties it to a credential."""
        csrf = secrets.token_urlsafe(24)
        claims = {
            "sub": principal.name,
            "role": principal.role,
            "kind": principal.kind,
            "exp": int((now or time.time()) + SESSION_TTL_SECONDS),
            "csrf": csrf,
            "bind": binding,
            "sid": secrets.token_urlsafe(16),
        }
        payload = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{self._sign(payload)}", csrf

    def verify(self, cookie: str, *, now: float | None = None) -> tuple[Principal, str] | None:
        """Return `(principal, binding)` for a valid unexpired cookie, else None."""
        try:
            body, signature = cookie.split(".", 1)
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            claims = json.loads(payload)
            if claims["exp"] < (now or time.time()):
                return None
            principal = Principal(
                name=claims["sub"],
                role=claims["role"],
                kind=claims["kind"],
                via="session",
                csrf=claims["csrf"],
                session_id=claims["sid"],
                session_expires=float(claims["exp"]),
            )
            return principal, str(claims.get("bind", ""))
        except (ValueError, KeyError, TypeError):
            return None


class AdminTokens:
    """The bootstrap admin bearer tokens: `SWARMDECK_ADMIN_TOKEN` and/or one generated at first start."""

    def __init__(self, digests: list[str]) -> None:
        self._digests = [digest for digest in digests if digest]

    @property
    def configured(self) -> bool:
        return bool(self._digests)

    def match(self, token: str) -> str | None:
        """The digest of a matching token (used to bind sessions to it), else None."""
        presented = token_digest(token)
        found = None
        for digest in self._digests:
            # Compare against every digest so timing says nothing about which one matched.
            if hmac.compare_digest(presented, digest):
                found = digest
        return found

    def still_valid(self, digest: str) -> bool:
        return any(hmac.compare_digest(digest, known) for known in self._digests)
