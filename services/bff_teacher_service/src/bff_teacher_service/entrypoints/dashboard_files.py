"""The built dashboard (``frontend/dist``) at ``/`` and at every path the API does not use.

A file in the build folder is served as it is. Any other path that looks like one of the app's
pages (its last segment has no file extension, e.g. ``/batches/123``) gets ``index.html``, so
that a reload lands in the Vue router. A missing file (``/assets/gone-1a2b3c4d.js``) stays a 404:
``index.html`` served as a script would only fail later, and more obscurely, in the browser.

Vite names each file under ``assets/`` after a hash of its content, so such a file never changes
and may be cached for a year; ``index.html`` names the current ones, so it is revalidated on every
load (``no-cache``). A path that could lead out of the folder (``..``, encoded or not, an empty
segment, a backslash, a symlink pointing outside) is a 404 with the error body; a NUL never gets
here (the input guard answers 400).

The folder is looked at on every request, so building the dashboard needs no restart. Without a
build, the pages answer a short page that says how to make one: 200, not 503, because the BFF and
its API work; the page is the answer, and a 5xx would read as a server fault to every probe.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path

import structlog
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from huleedu_service_libs.errors import NotFoundError
from huleedu_service_libs.http.catch_all_route import CATCH_ALL_PATH, catch_all_route_outside

logger = structlog.stdlib.get_logger(__name__)

# The API's paths and the BFF's own: there an unknown path stays the API's 404 in the error body.
RESERVED_PREFIXES = ("/bff", "/v1", "/internal", "/healthz", "/metrics", "/docs", "/redoc", "/openapi.json")
INDEX = "index.html"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
BUILD_COMMAND = "cd frontend && npm ci && npm run build"

# Vite's ``assets/[name]-[hash][extname]``: the hash is 8 or more URL-safe base64 characters.
_HASHED_ASSET = re.compile(r"assets/(?:[^/]+/)*[^/]+-[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9]+)+")
# Named here rather than guessed from the host's mime.types, which differs between machines and images.
_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
}
_LEAVING_THE_FOLDER = frozenset({"", ".", ".."})

NOT_BUILT_PAGE = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>HuleEdu: the dashboard is not built</title></head>
<body>
<h1>The dashboard is not built yet</h1>
<p>Build it once, then reload this page:</p>
<pre>{BUILD_COMMAND.replace("&", "&amp;")}</pre>
<p>The teacher BFF serves <code>frontend/dist</code>, or the folder named by
<code>BFF_TEACHER_SERVICE_DASHBOARD_DIST_DIR</code>. The API works without it.</p>
</body>
</html>
"""


def router_for(dist_dir: Path) -> APIRouter:
    """The catch-all route serving ``dist_dir``; include it after every other router."""
    if not (dist_dir / INDEX).is_file():
        logger.info("dashboard_not_built", dist_dir=str(dist_dir), build_with=BUILD_COMMAND)
    router = APIRouter(route_class=catch_all_route_outside(RESERVED_PREFIXES))

    # A plain function: FastAPI runs it in a worker thread, so the file lookups never block the event loop.
    def dashboard_file(path: str) -> Response:
        return _answer_for(dist_dir, path)

    router.add_api_route(CATCH_ALL_PATH, dashboard_file, methods=["GET", "HEAD"], include_in_schema=False)
    return router


def _answer_for(dist_dir: Path, path: str) -> Response:
    """The file ``path`` names in ``dist_dir``, else ``index.html`` for a page, else a 404."""
    segments = _segments(path)
    root = dist_dir.resolve()
    found = _file_in(root, segments)
    if found is not None:
        return _file_response(found, "/".join(segments))
    if segments and "." in segments[-1]:
        raise NotFoundError("No such file in the dashboard")
    index = root / INDEX
    if index.is_file():
        return _file_response(index, INDEX)
    return HTMLResponse(NOT_BUILT_PAGE, headers={"Cache-Control": "no-store"})


def _segments(path: str) -> list[str]:
    """The path's segments (a trailing slash ignored); a 404 for any that could lead out of the folder."""
    segments = path.removesuffix("/").split("/") if path else []
    if "\\" in path or "\x00" in path or _LEAVING_THE_FOLDER.intersection(segments):
        raise NotFoundError("No such file in the dashboard")
    return segments


def _file_in(root: Path, segments: list[str]) -> Path | None:
    try:
        candidate = root.joinpath(*segments).resolve()
        is_file = candidate.is_file()
    except (OSError, RuntimeError):  # a name too long for the file system; a symlink loop
        return None
    # Resolved, so a symlink counts by where it leads.
    if not candidate.is_relative_to(root):
        raise NotFoundError("No such file in the dashboard")
    return candidate if is_file else None


def _file_response(file: Path, name: str) -> FileResponse:
    cache_control = IMMUTABLE if _HASHED_ASSET.fullmatch(name) else REVALIDATE
    return FileResponse(
        file,
        media_type=_content_type(name),
        headers={"Cache-Control": cache_control},
        stat_result=os.stat(file),
    )


def _content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
