"""The audit trail: browse and filter records, verify the chain, export for compliance."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.responses import StreamingResponse

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.core.audit import MAX_LIMIT, AuditRecord, VerifyResult
from swarmdeck.core.auth import Permission, Principal
from swarmdeck.core.models import utcnow
from swarmdeck.runtime import Runtime

router = APIRouter(tags=["audit"])

# Routes need `audit:read:records`; the decrypted `details` need `audit:read:details` too.
# An unscoped `audit:read` covers both; a role granted only `audit:read:records` sees
# who did what, but not the details.
DETAILS = Permission("audit", "read", "details")
_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

Since = Annotated[
    datetime | None, Query(description="records at or after (ISO 8601; UTC if no zone)")
]
Until = Annotated[datetime | None, Query(description="records before (ISO 8601; UTC if no zone)")]


class AuditActor(BaseModel):
    type: str
    name: str
    role: str | None


class AuditRecordOut(BaseModel):
    id: str
    seq: int
    ts: datetime
    actor: AuditActor
    client_address: str | None
    user_agent: str | None
    credential_id: str | None
    action: str
    resource_type: str
    resource_id: str | None
    result: Literal["success", "denied", "error"]
    details: dict[str, Any] | None = Field(
        description="decrypted details; null without audit:read:details or when there are none"
    )
    details_error: str | None = Field(
        default=None, description="why the details could not be decrypted (e.g. unknown key)"
    )
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, record: AuditRecord, *, with_details: bool) -> AuditRecordOut:
        return cls.model_validate(record.to_dict(with_details=with_details))


class AuditPage(BaseModel):
    records: list[AuditRecordOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page")


class AuditVerification(BaseModel):
    ok: bool
    records: int = Field(description="records verified before the first problem (all when ok)")
    first_bad: str | None = Field(
        description="id of the first untrustworthy record, `seq:N` when record N is missing, "
        "or `checkpoint:L` for a bad line of the checkpoint file"
    )
    reason: str | None
    checkpoints: int = Field(description="signed checkpoints checked against the chain")

    @classmethod
    def of(cls, result: VerifyResult) -> AuditVerification:
        return cls.model_validate(result.to_dict())


def may_read_details(runtime: Runtime, principal: Principal) -> bool:
    return runtime.auth.roles.allows(principal.role, DETAILS)


@router.get("/api/audit")
async def list_audit(
    runtime: RuntimeDep,
    principal: Principal = require("audit", "read", "records"),
    actor: Annotated[str | None, Query(max_length=255, description="actor name")] = None,
    action: Annotated[
        str | None, Query(max_length=128, description="exact, or a prefix ending in `*`")
    ] = None,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    result: Literal["success", "denied", "error"] | None = None,
    since: Since = None,
    until: Until = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AuditPage:
    """Audit records, newest first; details only for callers with `audit:read:details`."""
    with_details = may_read_details(runtime, principal)
    records, following = await runtime.audit.query(
        actor=actor,
        action=action,
        resource_type=resource_type,
        result=result,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
        with_details=with_details,
    )
    return AuditPage(
        records=[AuditRecordOut.of(r, with_details=with_details) for r in records],
        next_cursor=following,
    )


@router.get("/api/audit/verify")
async def verify_audit(
    runtime: RuntimeDep, _: Principal = require("audit", "read", "records")
) -> AuditVerification:
    """Re-walk the whole hash chain and the signed checkpoints; name the first problem."""
    return AuditVerification.of(await runtime.audit.verify())


@router.get(
    "/api/audit/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/json": {}},
            "description": "the records, oldest first, ending with the chain's verification",
        }
    },
)
async def export_audit(
    runtime: RuntimeDep,
    principal: Principal = require("audit", "read", "records"),
    format: Literal["csv", "json"] = "csv",
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """Download the records in `[since, until)` as CSV or JSON (streamed)."""
    chunks = runtime.audit.export(
        format=format,
        since=since,
        until=until,
        with_details=may_read_details(runtime, principal),
    )
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        chunks,
        media_type=_MEDIA[format],
        headers={
            "content-disposition": f'attachment; filename="swarmdeck-audit-{stamp}.{format}"',
            "cache-control": "no-store",
        },
    )
