"""Serving a browser page of native ES modules (no build step, no CDN): fixed media types, revalidated on every
load, and a Content-Security-Policy that lets the page talk only to its own origin.

Used by the district dashboard (services/district/web.py) and the staff workbench (services/staff_web/web.py).
What both pages share lives once, in `webkit/` beside this module (the page frame `page.html`, `base.css`, and the
modules `dom.js`, `i18n.js`, `shell.js`, `storage.js`); each page mounts it at its own `common/`, so either app
runs without the other.
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
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

# The pages' shared frame, styles and modules.
WEBKIT = Path(__file__).with_name("webkit")

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


def page_html(folder: Path, *, title: str, mark_colour: str) -> str:
    """The page: the shared frame (`webkit/page.html`) with this page's title, the colour of its browser-tab mark
    and its own header tools (`folder/header-tools.html`, placed before the language and sign-out buttons)."""
    tools = (folder / "header-tools.html").read_text(encoding="utf-8").strip("\n").splitlines()
    frame = Template((WEBKIT / "page.html").read_text(encoding="utf-8"))
    return frame.substitute(title=title, mark_colour=mark_colour.lstrip("#"),
                            header_tools="\n".join("        " + line for line in tools))


def page_router(folder: Path, name: str, *, title: str, mark_colour: str) -> APIRouter:
    """`/` serves the page (public HTML: every data call the page makes carries a bearer token), `/static/...` the
    folder's modules and styles and `/common/...` the ones every page shares (`webkit/`)."""
    web = APIRouter(include_in_schema=False)
    html = page_html(folder, title=title, mark_colour=mark_colour)

    @web.get("/")
    def index() -> HTMLResponse:
        return HTMLResponse(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    web.mount("/static", ModuleFiles(directory=folder), name=f"{name}-static")
    web.mount("/common", ModuleFiles(directory=WEBKIT), name=f"{name}-common")
    return web
