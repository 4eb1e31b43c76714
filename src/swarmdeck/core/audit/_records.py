"""What callers hand in (`Actor`) and get back (`AuditRecord`, `VerifyResult`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from swarmdeck.core.audit._chain import ts_text

AuditResult = Literal["success", "denied", "error"]
RESULTS: frozenset[str] = frozenset({"success", "denied", "error"})
# "anonymous": a refused attempt by a caller who never authenticated; "agent": a swarm
# agent with the short-lived token its worker minted.
ACTOR_TYPES: frozenset[str] = frozenset({"user", "key", "token", "system", "anonymous", "agent"})


@dataclass(frozen=True)
class Actor:
    """Who did it, with what credential, from where."""

    type: str
    name: str
    role: str | None = None
    credential_id: str | None = None
    client_address: str | None = None
    user_agent: str | None = None


SYSTEM_ACTOR = Actor(type="system", name="system", role="admin")


@dataclass(frozen=True)
class AuditRecord:
    """One stored record. `details` is None unless asked for and readable; when it could
    not be decrypted, `details_error` says why (the record itself still verifies)."""

    id: str
    seq: int
    ts: datetime
    actor: Actor
    action: str
    resource_type: str
    resource_id: str | None
    result: str
    details: dict[str, Any] | None
    prev_hash: str
    hash: str
    key_id: str | None = None
    details_error: str | None = None

    def to_dict(self, with_details: bool = False) -> dict[str, Any]:
        """JSON-ready values; `details` only when `with_details`."""
        return {
            "id": self.id,
            "seq": self.seq,
            "ts": ts_text(self.ts),
            "actor": {"type": self.actor.type, "name": self.actor.name, "role": self.actor.role},
            "client_address": self.actor.client_address,
            "user_agent": self.actor.user_agent,
            "credential_id": self.actor.credential_id,
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "result": self.result,
            "details": self.details if with_details else None,
            "details_error": self.details_error if with_details else None,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on the whole trail.

    `first_bad` is the id of the first record that cannot be trusted, `seq:N` when record
    N is missing, or `checkpoint:L` for a bad line L of the checkpoint file; `reason`
    names what was found (edited, deleted, reordered, truncated, swapped, forged).
    """

    ok: bool
    records: int
    first_bad: str | None = None
    reason: str | None = None
    checkpoints: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad": self.first_bad,
            "reason": self.reason,
            "checkpoints": self.checkpoints,
        }
