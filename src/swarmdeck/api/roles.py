"""Roles: built-in, from the config file, and custom ones made here."""

from __future__ import annotations

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

RoleName = Annotated[str, Path(min_length=1, max_length=64)]


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    permissions: list[str]
    inherits: list[str]
    builtin: bool
    source: str
    effective: list[str]


class RoleBody(RequestBody):
    permissions: list[Annotated[str, Field(min_length=3, max_length=128)]] = Field(max_length=200)
    inherits: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )


class RoleCreate(RoleBody):
    name: str = Field(min_length=1, max_length=64)


@router.get("/api/roles")
async def list_roles(runtime: RuntimeDep, _: Principal = require("role", "read")) -> list[RoleOut]:
    """Every role with its own and its effective permissions."""
    return [RoleOut.model_validate(role) for role in runtime.roles.list()]


@router.post("/api/roles", status_code=201, responses=error_responses(409))
async def create_role(
    body: RoleCreate,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("role", "write"),
) -> RoleOut:
    """Create a custom role holding no more than the caller holds."""
    role = await runtime.roles.create(
        caller_of(request, principal), body.name, body.permissions, body.inherits
    )
    return RoleOut.model_validate(role)


@router.put("/api/roles/{name}", responses=error_responses(404, 409))
async def replace_role(
    name: RoleName,
    body: RoleBody,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("role", "write"),
) -> RoleOut:
    """Replace a custom role's permissions and parents (built-in and config roles: 409)."""
    role = await runtime.roles.replace(
        caller_of(request, principal), name, body.permissions, body.inherits
    )
    return RoleOut.model_validate(role)


@router.delete("/api/roles/{name}", status_code=204, responses=error_responses(404, 409))
async def delete_role(
    name: RoleName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("role", "delete"),
) -> Response:
    """Delete a custom role nobody holds any more."""
    await runtime.roles.delete(caller_of(request, principal), name)
    return Response(status_code=204)
