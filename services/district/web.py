"""The district dashboard: a static page (vanilla JS as native ES modules, inline SVG charts) served by the district app.

The page itself is public HTML; every data call it makes carries the operator's bearer token.
No CDN, no build step, no external requests: everything it needs lives in `web/` (entry module `web/main.js`).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope
from shared.platform.http import OneHopRoute

WEB = Path(__file__).with_name("web")

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


class DashboardFiles(StaticFiles):
    """The dashboard's static files with fixed media types, revalidated on every load (ETag), so that a browser never
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


def web_router() -> APIRouter:
    web = APIRouter(include_in_schema=False, route_class=OneHopRoute)

    @web.get("/")
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    web.mount("/static", DashboardFiles(directory=WEB), name="district-static")
    return web
