"""API keys: thin routes over `KeyService`. The key itself is in the create answer only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from swarmdeck.api.body import RequestBody
from swarmdeck.api.deps import RuntimeDep, caller_of, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal

router = APIRouter(tags=["access"])


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    user: str
    role: str
    last4: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="the key itself: shown this once, never again")


class KeyCreate(RequestBody):
    user: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    role: str | None = Field(default=None, min_length=1, max_length=64)
    expires_in: int | None = Field(default=None, ge=1, le=315_360_000, description="seconds")


# Scoped "self": any role may hold key self-service; an unscoped grant covers every user's keys.
@router.get("/api/keys")
async def list_keys(
    request: Request, runtime: RuntimeDep, principal: Principal = require("key", "read", "self")
) -> list[KeyOut]:
    """Every key (with key:read), else the caller's own; never the keys themselves."""
    return [
        KeyOut.model_validate(key) for key in await runtime.keys.list(caller_of(request, principal))
    ]


@router.post("/api/keys", status_code=201, responses=error_responses(404))
async def create_key(
    body: KeyCreate,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("key", "write", "self"),
) -> KeyCreated:
    """Create a key whose role is at most its owner's and the caller's."""
    key, secret = await runtime.keys.create(
        caller_of(request, principal),
        user=body.user,
        name=body.name,
        role=body.role,
        expires_in=body.expires_in,
    )
    return KeyCreated(**KeyOut.model_validate(key).model_dump(), key=secret)


@router.delete("/api/keys/{key_id}", status_code=204, responses=error_responses(404))
async def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64)],
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("key", "delete", "self"),
) -> Response:
    """Revoke a key; it stops working at once on this replica, within seconds on others."""
    await runtime.keys.revoke(caller_of(request, principal), key_id)
    return Response(status_code=204)
