"""Serving a browser page of native ES modules (no build step, no CDN): fixed media types, revalidated on every
load, and a Content-Security-Policy that lets the page talk only to its own origin.

Used by the district dashboard (services/district/web.py) and the staff workbench (services/staff_web/web.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

# The page talks only to its own origin; nothing inline but styles set from script (SVG attributes).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# Browsers run a module script only if it is served with a JavaScript MIME type, and the platform's guess varies
# (Python 3.11 without /etc/mime.types says application/javascript): say it outright.
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class ModuleFiles(StaticFiles):
    """A page's static files with fixed media types, revalidated on every load (ETag), so that a browser never
    runs a module graph mixed from two versions."""

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(Path(full_path).suffix)
        if media_type and isinstance(response, FileResponse):
            response.headers["content-type"] = media_type
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def page_router(folder: Path, name: str) -> APIRouter:
    """`/` serves `folder/index.html` (public HTML: every data call the page makes carries a bearer token) and
    `/static/...` the folder's modules and styles."""
    web = APIRouter(include_in_schema=False)

    @web.get("/")
    def index() -> FileResponse:
        return FileResponse(folder / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    web.mount("/static", ModuleFiles(directory=folder), name=f"{name}-static")
    return web
