"""Health, readiness, metrics, component status, the caller, and the effective settings."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from swarmdeck.api.deps import AUTHENTICATED, PUBLIC, Requirement, RuntimeDep, require
from swarmdeck.config import effective_settings, masked
from swarmdeck.core.auth import Permission, Principal
from swarmdeck.core.telemetry import render_prometheus
from swarmdeck.workflows.worker import COMPONENT as WORKFLOWS

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str | None]


class Component(BaseModel):
    name: str
    status: Literal["starting", "ok", "degraded", "down"]
    detail: str | None
    changed_at: str


class SystemStatus(BaseModel):
    version: str
    mode: Literal["embedded", "scaled"]
    instance_id: str
    components: list[Component]
    temporal_ui: str | None = None
    """The embedded Temporal dev server's Web UI, when it serves one (loopback only)."""


class Me(BaseModel):
    name: str
    role: str
    kind: str
    permissions: list[str]


class EffectiveSettings(BaseModel):
    settings: dict[str, Any]
    config_file: str | None
    file: dict[str, Any]


@router.get("/healthz", tags=["system"], dependencies=[PUBLIC])
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    tags=["system"],
    dependencies=[PUBLIC],
    responses={503: {"model": Readiness, "description": "a dependency is unreachable"}},
)
async def readyz(runtime: RuntimeDep) -> Response:
    """The process can serve: database, event bus and counters answer, and the embedded
    Temporal dev server is up. A Temporal cluster's state is reported but does not fail
    readiness: while it is away runs wait, and the gateway must go on serving."""
    checks = await runtime.check()
    ready = all(
        problem is None
        for name, problem in checks.items()
        if name != WORKFLOWS or runtime.workflows.embedded
    )
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


_METRICS_READ = Requirement(Permission("metrics", "read"))


@router.get("/metrics", tags=["system"], dependencies=[PUBLIC], response_class=Response)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus exposition; behind `metrics:read` when `telemetry.metrics_public` is false."""
    if not runtime.config.telemetry.metrics_public:
        await _METRICS_READ(request)
    body, content_type = render_prometheus()
    return Response(body, media_type=content_type)


@router.get("/api/system/status", tags=["system"])
async def system_status(
    runtime: RuntimeDep, _: Principal = require("dashboard", "read")
) -> SystemStatus:
    """Every component's status, as the Overview page shows it."""
    return SystemStatus(
        version=runtime.version,
        mode="embedded" if runtime.settings.embedded else "scaled",
        instance_id=runtime.instance_id,
        components=[Component(**c.to_dict()) for c in runtime.status.snapshot()],
        temporal_ui=runtime.workflows.ui_url,
    )


@router.get("/api/me", tags=["auth"])
async def me(runtime: RuntimeDep, principal: Principal = AUTHENTICATED) -> Me:
    """Who the caller is and what they may do."""
    return Me(
        name=principal.name,
        role=principal.role,
        kind=principal.kind,
        permissions=runtime.auth.permissions_of(principal),
    )


@router.get("/api/settings", tags=["system"])
async def settings(
    runtime: RuntimeDep, _: Principal = require("settings", "read")
) -> EffectiveSettings:
    """The effective settings and YAML config, every secret masked."""
    path = runtime.settings.config_path()
    return EffectiveSettings(
        settings=effective_settings(runtime.settings),
        config_file=str(path) if path else None,
        file=masked(runtime.config),
    )
