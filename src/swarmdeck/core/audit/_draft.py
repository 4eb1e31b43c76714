"""Preparing a record: validation, the sanitiser, sealing the details, and its chained row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from swarmdeck.core.audit._chain import CHAIN_FIELDS, record_hash, ts_text
from swarmdeck.core.audit._crypto import Keyring
from swarmdeck.core.audit._records import ACTOR_TYPES, RESULTS, Actor, AuditRecord
from swarmdeck.core.errors import InvalidInput
from swarmdeck.core.models import uuid7
from swarmdeck.core.sanitize import default_sanitizer

MAX_DETAILS_BYTES: Final = 64 * 1024
# Free-form fields are cut to their column's size rather than losing the record.
_LIMITS: Final = {
    "actor_name": 255,
    "actor_role": 64,
    "client_address": 64,
    "user_agent": 512,
    "credential_id": 128,
    "resource_id": 255,
}


@dataclass(frozen=True)
class Draft:
    """A record prepared outside the write lock: validated, sanitised, details sealed."""

    id: str
    actor: Actor
    action: str
    resource_type: str
    resource_id: str | None
    result: str
    details: dict[str, Any] | None
    key_id: str | None
    sealed: str | None


def _cut(value: str | None, field: str) -> str | None:
    return None if value is None else value[: _LIMITS[field]]


def make_draft(
    keyring: Keyring,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: str | None,
    result: str,
    details: Mapping[str, Any] | None,
) -> Draft:
    """Validate, sanitise and seal a record before the write lock is taken."""
    if actor.type not in ACTOR_TYPES:
        raise InvalidInput(f"unknown actor type {actor.type!r}", details={"actor": actor.type})
    if result not in RESULTS:
        raise InvalidInput(f"unknown audit result {result!r}", details={"result": result})
    if not 0 < len(action) <= 128 or not 0 < len(resource_type) <= 64:
        raise InvalidInput("audit action and resource type must be 1-128 and 1-64 characters")
    record_id = str(uuid7())
    clean: dict[str, Any] | None = None
    key_id = sealed = None
    if details is not None:
        clean, plaintext = clean_details(details)
        key_id, sealed = keyring.seal(plaintext, record_id=record_id)
    return Draft(
        id=record_id,
        actor=Actor(
            type=actor.type,
            name=_cut(actor.name, "actor_name") or "",
            role=_cut(actor.role, "actor_role"),
            credential_id=_cut(actor.credential_id, "credential_id"),
            client_address=_cut(actor.client_address, "client_address"),
            user_agent=_cut(actor.user_agent, "user_agent"),
        ),
        action=action,
        resource_type=resource_type,
        resource_id=_cut(resource_id, "resource_id"),
        result=result,
        details=clean,
        key_id=key_id,
        sealed=sealed,
    )


def clean_details(details: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Sanitised, JSON-shaped details and their plaintext, capped in size."""
    redacted = default_sanitizer().redact_obj(dict(details))
    # A round trip makes keys strings and values JSON (what a reader will get back).
    shaped: dict[str, Any] = json.loads(json.dumps(redacted, default=str))
    plaintext = json.dumps(shaped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(plaintext.encode()) > MAX_DETAILS_BYTES:
        shaped = {"truncated": True, "size": len(plaintext.encode()), "keys": sorted(shaped)[:50]}
        plaintext = json.dumps(shaped, sort_keys=True, separators=(",", ":"))
    return shaped, plaintext.encode()


def chained_row(draft: Draft, seq: int, ts: datetime, prev_hash: str) -> dict[str, Any]:
    """The stored row of a draft at `seq`, its hash computed over every other field."""
    row: dict[str, Any] = {
        "id": draft.id,
        "seq": seq,
        "ts": ts,
        "actor_type": draft.actor.type,
        "actor_name": draft.actor.name,
        "actor_role": draft.actor.role,
        "client_address": draft.actor.client_address,
        "user_agent": draft.actor.user_agent,
        "credential_id": draft.actor.credential_id,
        "action": draft.action,
        "resource_type": draft.resource_type,
        "resource_id": draft.resource_id,
        "result": draft.result,
        "key_id": draft.key_id,
        "details": draft.sealed,
        "prev_hash": prev_hash,
    }
    row["hash"] = record_hash([ts_text(ts) if f == "ts" else row[f] for f in CHAIN_FIELDS])
    return row


def to_record(draft: Draft, row: Mapping[str, Any]) -> AuditRecord:
    return AuditRecord(
        id=draft.id,
        seq=row["seq"],
        ts=row["ts"],
        actor=draft.actor,
        action=draft.action,
        resource_type=draft.resource_type,
        resource_id=draft.resource_id,
        result=draft.result,
        details=draft.details,
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        key_id=draft.key_id,
    )
