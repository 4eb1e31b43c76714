"""The FastAPI app factory: routers, error shape, middleware, the dashboard, the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from swarmdeck import __version__
from swarmdeck.api import (
    alerts,
    audit,
    budgets,
    costs,
    events,
    gateway,
    keys,
    mcp,
    mcp_http,
    models,
    roles,
    session,
    swarms,
    system,
    users,
    workflows,
    ws,
)
from swarmdeck.api.errors import COMMON_ERRORS, install_error_handlers
from swarmdeck.api.middleware import RequestContextMiddleware
from swarmdeck.api.ui import mount_ui
from swarmdeck.config import FileConfig, Settings, load_file_config, load_settings
from swarmdeck.core.sanitize import Sanitizer, set_default_sanitizer
from swarmdeck.core.telemetry import configure_telemetry
from swarmdeck.runtime import Runtime


def create_app(settings: Settings | None = None, config: FileConfig | None = None) -> FastAPI:
    """Build the app; nothing connects until the lifespan starts the runtime."""
    settings = settings or load_settings()
    config = config or load_file_config(settings.config_path())
    set_default_sanitizer(Sanitizer(config.telemetry.redact_patterns))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        telemetry = configure_telemetry(
            service_name=config.telemetry.service_name,
            service_version=__version__,
            otlp_endpoint=settings.otlp_endpoint,
        )
        runtime = Runtime.build(settings, config)
        app.state.runtime = runtime
        try:
            await runtime.start()
            async with mcp_door.serving(runtime.mcp.registry):
                yield
        finally:
            await runtime.stop()
            telemetry.shutdown()

    app = _SwarmDeckApp(
        title="SwarmDeck",
        version=__version__,
        summary="Control plane for teams that run LLM agents in production",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        lifespan=lifespan,
        # Our middleware records http.server.request.duration by route; FastAPI's own copy
        # would double it. FastAPI's server spans stay on.
        telemetry={"metrics": False},
    )
    install_error_handlers(app)
    for module in (
        system, session, events, ws, users, keys, roles, audit, alerts, costs, budgets, models, mcp,
        swarms, workflows,
    ):  # fmt: skip
        app.include_router(module.router, responses=COMMON_ERRORS)
    app.router.routes.extend(gateway.ROUTES)
    mcp_door = mcp_http.McpDoor()  # `/mcp`: its SDK session manager runs in the lifespan
    app.router.routes.extend(mcp_door.routes)
    mount_ui(app)  # last: its catch-all must not shadow API routes
    return app


class _SwarmDeckApp(FastAPI):
    _gateway_path: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The LLM front doors are the hot path: they skip FastAPI's per-request machinery.
        if gateway.is_gateway_request(scope):
            if self._gateway_path is None:
                self._gateway_path = RequestContextMiddleware(gateway.FastPath(self))
            await self._gateway_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        # Outermost, so even a 500 from Starlette's error middleware carries x-request-id
        # and is counted in the metrics.
        return RequestContextMiddleware(super().build_middleware_stack())
