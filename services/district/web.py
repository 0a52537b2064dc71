"""The district dashboard: a static page (vanilla JS, inline SVG charts) served by the district app.

The page itself is public HTML; every data call it makes carries the operator's bearer token.
No CDN, no external requests: everything it needs lives in `web/`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB = Path(__file__).with_name("web")

# The page talks only to its own origin; nothing inline but styles set from script (SVG attributes).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def web_router() -> APIRouter:
    web = APIRouter(include_in_schema=False)

    @web.get("/")
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    web.mount("/static", StaticFiles(directory=WEB), name="district-static")
    return web
