"""Who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PrincipalKind = Literal["user", "key", "token", "system", "agent"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a user, an API key, the bootstrap admin token, a swarm agent
    (a short-lived signed token its worker minted), or the system."""

    name: str
    role: str
    kind: PrincipalKind
    # How it authenticated: "bearer" or "session" (cookie); cookie callers need CSRF proof.
    via: Literal["bearer", "session", "internal"] = "bearer"
    csrf: str | None = None
    # Set for cookie sessions, so logout can revoke exactly this one until it would expire.
    session_id: str | None = None
    session_expires: float | None = None
    key_id: str | None = None


SYSTEM = Principal(name="system", role="admin", kind="system", via="internal")
