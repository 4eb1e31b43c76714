"""Read every route's permission declaration from the app (for tests, docs and audits)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute

from swarmdeck.api.deps import Authenticated, Public, Requirement

Declaration = Requirement | Public | Authenticated


@dataclass(frozen=True)
class DeclaredRoute:
    method: str  # "WS" for WebSocket routes
    path: str
    declarations: tuple[Declaration, ...]
    route: BaseRoute


def _declarations(dependant: Dependant) -> Iterator[Declaration]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement | Public | Authenticated):
            yield dependency.call
        yield from _declarations(dependency)


def _walk(routes: Iterable[BaseRoute], prefix: str) -> Iterator[tuple[str, BaseRoute]]:
    for route in routes:
        included: Any = getattr(route, "original_router", None)
        if included is not None:  # FastAPI keeps included routers as branches
            context: Any = getattr(route, "include_context", None)
            yield from _walk(included.routes, prefix + str(getattr(context, "prefix", "")))
        else:
            yield prefix, route


def declared_routes(app: FastAPI) -> list[DeclaredRoute]:
    """Every API and WebSocket route with the declarations found in its dependencies."""
    found: list[DeclaredRoute] = []
    for prefix, route in _walk(app.routes, ""):
        if isinstance(route, APIRoute):
            declared = tuple(_declarations(route.dependant))
            found.extend(
                DeclaredRoute(method, prefix + route.path, declared, route)
                for method in sorted(route.methods or ())
            )
        elif isinstance(getattr(route, "declaration", None), Requirement):
            # Plain routes on the gateway's hot path declare their permission directly.
            declared = (route.declaration,)  # type: ignore[attr-defined]
            found.extend(
                DeclaredRoute(method, prefix + route.path, declared, route)  # type: ignore[attr-defined]
                for method in sorted(getattr(route, "methods", None) or ())
                if method != "HEAD"
            )
        elif isinstance(route, APIWebSocketRoute):
            found.append(
                DeclaredRoute(
                    "WS", prefix + route.path, tuple(_declarations(route.dependant)), route
                )
            )
    return found


def undeclared_plain_routes(app: FastAPI) -> list[str]:
    """Paths of plain (non-FastAPI) routes that declare nothing, beyond FastAPI's own docs."""
    own_docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    return [
        prefix + str(getattr(route, "path", "?"))
        for prefix, route in _walk(app.routes, "")
        if not isinstance(route, APIRoute | APIWebSocketRoute)
        and getattr(route, "declaration", None) is None
        and getattr(route, "path", None) not in own_docs
    ]
