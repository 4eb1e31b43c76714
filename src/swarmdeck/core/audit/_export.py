"""Compliance exports: the records as CSV or JSON text chunks, ending with the verdict.

Chunks are produced a page at a time so an export of any size streams in constant memory.
The verification at the end covers the whole trail, not only the exported range: a range
is only as trustworthy as the chain it sits in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from swarmdeck.core.audit._chain import ts_text
from swarmdeck.core.audit._records import AuditRecord, VerifyResult
from swarmdeck.core.models import utcnow

CSV_COLUMNS: Final = (
    "id",
    "seq",
    "ts",
    "actor_type",
    "actor_name",
    "actor_role",
    "client_address",
    "user_agent",
    "credential_id",
    "action",
    "resource_type",
    "resource_id",
    "result",
    "details",
    "prev_hash",
    "hash",
)
CSV_VERIFICATION_PREFIX: Final = "# verification: "
# A cell starting with one of these is a formula to a spreadsheet; a quote keeps it text.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(record: AuditRecord, with_details: bool) -> list[Any]:
    data = record.to_dict(with_details=with_details)
    details: str | None = None
    if with_details:
        shown: Any = record.details
        if record.details_error is not None:
            shown = {"unreadable": record.details_error}
        details = None if shown is None else json.dumps(shown, sort_keys=True)
    actor = data["actor"]
    values = [
        record.id,
        record.seq,
        data["ts"],
        actor["type"],
        actor["name"],
        actor["role"],
        data["client_address"],
        data["user_agent"],
        data["credential_id"],
        record.action,
        record.resource_type,
        record.resource_id,
        record.result,
        details,
        record.prev_hash,
        record.hash,
    ]
    return [_cell(v) for v in values]


def _csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _verdict(result: VerifyResult) -> str:
    return json.dumps(result.to_dict(), separators=(",", ":"))


async def export_chunks(
    format: str,
    pages: AsyncIterator[list[AuditRecord]],
    verify: Callable[[], Awaitable[VerifyResult]],
    *,
    since: datetime | None,
    until: datetime | None,
    with_details: bool,
) -> AsyncIterator[str]:
    """Text chunks of a CSV or JSON export of `pages`, closed by `verify()`'s result."""
    if format == "csv":
        yield _csv_text([list(CSV_COLUMNS)])
        async for page in pages:
            yield _csv_text([_csv_row(record, with_details) for record in page])
        yield f"{CSV_VERIFICATION_PREFIX}{_verdict(await verify())}\n"
        return
    header = {
        "exported_at": ts_text(utcnow()),
        "since": None if since is None else ts_text(since),
        "until": None if until is None else ts_text(until),
        "with_details": with_details,
    }
    yield json.dumps(header, separators=(",", ":"))[:-1] + ',"records":['
    first = True
    async for page in pages:
        body = ",".join(json.dumps(r.to_dict(with_details=with_details)) for r in page)
        yield body if first else "," + body
        first = False
    yield f'],"verification":{_verdict(await verify())}}}\n'
