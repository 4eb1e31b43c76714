"""Serve the built dashboard: hashed assets cached for good, every other page gets index.html."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from swarmdeck.api.deps import PUBLIC

WEB_DIST = Path(__file__).resolve().parent.parent / "web_dist"
# Paths that belong to the API, never to the single-page app.
_NOT_UI = ("api/", "v1/", "mcp", "metrics", "healthz", "readyz")
_IMMUTABLE = "public, max-age=31536000, immutable"

_NOT_BUILT = """<!doctype html><html><head><title>SwarmDeck</title></head>
<body style="font-family:system-ui;padding:3rem;background:#0b1020;color:#e2e8f0">
<h1>SwarmDeck is running</h1><p>The dashboard has not been built. Run <code>make install</code>
(it builds <code>web/</code> into <code>src/swarmdeck/web_dist/</code>), then reload.</p>
<p>The API is at <a style="color:#93c5fd" href="/api/docs">/api/docs</a>.</p></body></html>"""


def mount_ui(app: FastAPI, dist: Path = WEB_DIST) -> None:
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:path}", dependencies=[PUBLIC])
    def spa(path: str, request: Request) -> Response:  # sync: file checks run in the threadpool
        if path.startswith(_NOT_UI):
            raise HTTPException(404)
        index = dist / "index.html"
        if not index.exists():
            return HTMLResponse(_NOT_BUILT)
        if path:
            candidate = (dist / path).resolve()
            if candidate.is_relative_to(dist.resolve()) and candidate.is_file():
                cache = _IMMUTABLE if path.startswith("assets/") else "public, max-age=3600"
                return FileResponse(candidate, headers={"cache-control": cache})
            if path.startswith("assets/"):
                raise HTTPException(404)
        # index.html names the hashed assets of this build: never cache it.
        return FileResponse(index, headers={"cache-control": "no-cache"})

    app.include_router(router)
