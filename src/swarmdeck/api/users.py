"""Users: thin routes over `UserService`."""

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
from swarmdeck.core.auth import MIN_PASSWORD_LENGTH, Principal

router = APIRouter(tags=["access"])

UserName = Annotated[str, Path(min_length=1, max_length=64)]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(RequestBody):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    role: str = Field(min_length=1, max_length=64)


class UserPatch(RequestBody):
    role: str | None = Field(default=None, min_length=1, max_length=64)
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=1024)


@router.get("/api/users")
async def list_users(runtime: RuntimeDep, _: Principal = require("user", "read")) -> list[UserOut]:
    """Every user."""
    return [UserOut.model_validate(user) for user in await runtime.users.list()]


@router.post("/api/users", status_code=201, responses=error_responses(409))
async def create_user(
    body: UserCreate,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("user", "write"),
) -> UserOut:
    """Create a user with a role no greater than the caller's."""
    user = await runtime.users.create(
        caller_of(request, principal), body.name, body.password, body.role
    )
    return UserOut.model_validate(user)


@router.patch("/api/users/{name}", responses=error_responses(404, 409))
async def update_user(
    name: UserName,
    body: UserPatch,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("user", "write"),
) -> UserOut:
    """Change a user's role, enable or disable them, or set a new password."""
    user = await runtime.users.update(
        caller_of(request, principal),
        name,
        role=body.role,
        disabled=body.disabled,
        password=body.password,
    )
    return UserOut.model_validate(user)


@router.delete("/api/users/{name}", status_code=204, responses=error_responses(404, 409))
async def delete_user(
    name: UserName,
    request: Request,
    runtime: RuntimeDep,
    principal: Principal = require("user", "delete"),
) -> Response:
    """Delete a user and their keys."""
    await runtime.users.delete(caller_of(request, principal), name)
    return Response(status_code=204)
