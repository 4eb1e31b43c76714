"""Reading the trail: filters, newest-first pages with an opaque cursor, oldest-first export
pages, and stored rows turned back into records (details decrypted only when asked)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, func, select

from swarmdeck.core.audit._crypto import DetailsUnreadable, Keyring
from swarmdeck.core.audit._model import AuditRow
from swarmdeck.core.audit._records import RESULTS, Actor, AuditRecord
from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput

MAX_LIMIT: Final = 1000


def aware(value: datetime | None) -> datetime | None:
    """Times without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "seq":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("invalid cursor", details={"cursor": cursor[:100]}) from None


def filters(
    *,
    actor: str | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    result: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions for the given filters; `InvalidInput` for a bad one."""
    conditions: list[ColumnElement[bool]] = []
    if result is not None and result not in RESULTS:
        raise InvalidInput(
            f"result must be one of {', '.join(sorted(RESULTS))}", details={"result": result}
        )
    if actor is not None:
        conditions.append(AuditRow.actor_name == actor)
    if action is not None and action.endswith("*"):
        conditions.append(AuditRow.action.startswith(action[:-1], autoescape=True))
    elif action is not None:
        conditions.append(AuditRow.action == action)
    if resource_type is not None:
        conditions.append(AuditRow.resource_type == resource_type)
    if result is not None:
        conditions.append(AuditRow.result == result)
    if (start := aware(since)) is not None:
        conditions.append(AuditRow.ts >= start)
    if (end := aware(until)) is not None:
        conditions.append(AuditRow.ts < end)
    return conditions


def from_row(row: AuditRow, keyring: Keyring, *, details: bool) -> AuditRecord:
    """The record a stored row holds; details decrypted when asked and readable."""
    opened: dict[str, Any] | None = None
    error: str | None = None
    if details and row.details is not None:
        try:
            opened = json.loads(keyring.open(row.key_id or "", row.details, record_id=row.id))
        except (DetailsUnreadable, ValueError) as exc:
            error = f"unreadable: {exc}"
    return AuditRecord(
        id=row.id,
        seq=row.seq,
        ts=row.ts,
        actor=Actor(
            type=row.actor_type,
            name=row.actor_name,
            role=row.actor_role,
            credential_id=row.credential_id,
            client_address=row.client_address,
            user_agent=row.user_agent,
        ),
        action=row.action,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        result=row.result,
        details=opened,
        prev_hash=row.prev_hash,
        hash=row.hash,
        key_id=row.key_id,
        details_error=error,
    )


async def newest_first(
    db: Database,
    keyring: Keyring,
    conditions: list[ColumnElement[bool]],
    *,
    cursor: str | None,
    limit: int,
    details: bool,
) -> tuple[list[AuditRecord], str | None]:
    """One page, newest first, and the cursor of the next (None on the last page)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", details={"limit": limit})
    if cursor is not None:
        conditions = [*conditions, AuditRow.seq < decode_cursor(cursor)]
    statement = select(AuditRow).where(*conditions).order_by(AuditRow.seq.desc())
    async with db.session() as session:
        rows = list(await session.scalars(statement.limit(limit + 1)))
    following = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
    return [from_row(row, keyring, details=details) for row in rows[:limit]], following


async def oldest_first(
    db: Database, keyring: Keyring, conditions: list[ColumnElement[bool]], *, details: bool
) -> AsyncIterator[list[AuditRecord]]:
    """Every matching record up to today's head, oldest first, a page at a time."""
    async with db.session() as session:
        upto = (await session.execute(select(func.max(AuditRow.seq)))).scalar() or 0
    after = 0
    while after < upto:
        statement = (
            select(AuditRow)
            .where(*conditions, AuditRow.seq > after, AuditRow.seq <= upto)
            .order_by(AuditRow.seq)
            .limit(MAX_LIMIT)
        )
        async with db.session() as session:
            rows = list(await session.scalars(statement))
        if not rows:
            return
        yield [from_row(row, keyring, details=details) for row in rows]
        after = rows[-1].seq
