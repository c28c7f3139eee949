"""The built dashboard served from a build folder: files, page fallback, cache headers, the API's
paths left alone, no way out of the folder, and the page shown while there is no build."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from bff_teacher_service.app import create_app
from bff_teacher_service.config import Settings
from bff_teacher_service.entrypoints.dashboard_files import BUILD_COMMAND, RESERVED_PREFIXES
from huleedu_service_libs.http.catch_all_route import CATCH_ALL_PATH, is_under
from services.bff_teacher_service.tests.live_progress.support import IdleFeed

KEY = "bff-unit-test-key"
GATEWAY_HEADERS = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "teacher-1"}
INDEX_HTML = b'<!doctype html><div id="app"></div><script type="module" src="/assets/index-BqU3gHcZ.js"></script>'
FILES = {
    "index.html": INDEX_HTML,
    "assets/index-BqU3gHcZ.js": b"console.log('dashboard')",
    "assets/index-3f2a1b9c.css": b"body{margin:0}",
    "assets/inter-latin-Ab_d-F12.woff2": b"wOF2",
    "assets/logo-9x8y7z6w.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    "favicon.ico": b"\x00\x00\x01\x00",
    "icon.png": b"\x89PNG\r\n",
    "site.webmanifest": b'{"name": "HuleEdu"}',
    "version.json": b'{"build": 1}',
}
IMMUTABLE = "public, max-age=31536000, immutable"


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "correlation_id", "service", "details"}
    code: str = body["error"]["code"]
    return code


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build folder beside a secret that symlinks inside the folder point at."""
    folder = tmp_path / "dist"
    for name, content in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    (tmp_path / "secret.txt").write_text("not the dashboard's")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("not the dashboard's either")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    return folder


async def client_for(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = await create_app(Settings(HULEEDU_INTERNAL_API_KEY=KEY, dashboard_dist_dir=dist), progress_feed=IdleFeed)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bff") as client,
    ):
        yield client


@pytest.fixture
async def client(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(dist):
        yield client


@pytest.fixture
async def unbuilt(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(tmp_path / "no-build-here"):
        yield client


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/assets/index-BqU3gHcZ.js", "text/javascript; charset=utf-8"),
        ("/assets/index-3f2a1b9c.css", "text/css; charset=utf-8"),
        ("/assets/inter-latin-Ab_d-F12.woff2", "font/woff2"),
        ("/assets/logo-9x8y7z6w.svg", "image/svg+xml"),
        ("/favicon.ico", "image/x-icon"),
        ("/icon.png", "image/png"),
        ("/site.webmanifest", "application/manifest+json"),
        ("/version.json", "application/json"),
        ("/index.html", "text/html; charset=utf-8"),
    ],
)
async def test_a_file_of_the_build_is_served_with_its_content_type(
    client: httpx.AsyncClient, path: str, content_type: str
):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.content == FILES[path.removeprefix("/")]
    assert response.headers["content-type"] == content_type
    assert response.headers["etag"]
    assert response.headers["last-modified"]


async def test_hashed_assets_are_cached_for_a_year_and_everything_else_revalidated(client: httpx.AsyncClient):
    for hashed in ("/assets/index-BqU3gHcZ.js", "/assets/index-3f2a1b9c.css", "/assets/inter-latin-Ab_d-F12.woff2"):
        assert (await client.get(hashed)).headers["cache-control"] == IMMUTABLE
    for unhashed in ("/", "/index.html", "/favicon.ico", "/site.webmanifest", "/batches/123"):
        assert (await client.get(unhashed)).headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/batches/123", "/batches/123/", "/batches/123/essays/e-1", "/assets"])
async def test_a_page_of_the_app_gets_index_html(client: httpx.AsyncClient, path: str):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.content == INDEX_HTML
    assert response.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("path", ["/assets/gone-1a2b3c4d.js", "/robots.txt", "/batches/123/report.pdf"])
async def test_a_missing_file_is_a_404_not_the_app(client: httpx.AsyncClient, path: str):
    response = await client.get(path)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


async def test_the_apis_paths_keep_their_own_answers(client: httpx.AsyncClient):
    unknown_view = await client.get("/bff/v1/teacher/nope", headers=GATEWAY_HEADERS)
    assert (unknown_view.status_code, error_code(unknown_view)) == (404, "NOT_FOUND")
    assert (await client.get("/bff/v1/teacher/nope")).status_code == 401  # still guarded before routing
    for path in ("/v1/batches", "/v1", "/healthz/more", "/metrics/more", "/internal/v1/x"):
        response = await client.get(path, headers=GATEWAY_HEADERS)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND"), path
    # A wrong method on an unknown API path is its 404, not the dashboard route's 405.
    posted = await client.post("/v1/batches", headers=GATEWAY_HEADERS)
    assert (posted.status_code, error_code(posted)) == (404, "NOT_FOUND")
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert (await client.get("/metrics")).headers["content-type"].startswith("text/plain")


async def test_every_other_route_of_the_app_lies_under_a_reserved_prefix(dist: Path):
    # The app's own routing table, so a route added later under a new prefix fails here.
    app = await create_app(Settings(HULEEDU_INTERNAL_API_KEY=KEY, dashboard_dist_dir=dist), progress_feed=IdleFeed)
    routes = [context.original_route for context in iter_route_contexts(app.routes)]
    catch_alls = [route for route in routes if isinstance(route, APIRoute) and route.path == CATCH_ALL_PATH]
    assert len(catch_alls) == 1
    others = {str(getattr(route, "path", "")) for route in routes if route not in catch_alls}
    assert others
    assert [path for path in others if not is_under(path, RESERVED_PREFIXES)] == []


@pytest.mark.parametrize(
    "path",
    [
        # httpx keeps percent-encoded dots, and the app sees them decoded: "/../secret.txt", exactly
        # what a literal "..", which no server normalises away either, would give.
        "/%2e%2e/secret.txt",
        "/assets/%2E%2E/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%5Csecret.txt",
        "/assets%5C..%5C..%5Csecret.txt",
        "//etc/passwd",
        "/assets//index-BqU3gHcZ.js",
        "/%2e/index.html",
        "/leak.txt",
        "/linked/secret.txt",
        "/linked",
    ],
)
async def test_no_path_leads_out_of_the_folder(client: httpx.AsyncClient, path: str):
    # An absolute URL: a path starting "//" would otherwise be read as a host.
    response = await client.get("http://bff" + path)
    assert (response.status_code, error_code(response)) == (404, "NOT_FOUND"), path
    assert b"not the dashboard" not in response.content


async def test_names_the_file_system_cannot_hold_are_no_file(client: httpx.AsyncClient, dist: Path):
    (dist / "loop.js").symlink_to(dist / "loop.js")
    page = await client.get("/" + "x" * 10_000)
    assert (page.status_code, page.content) == (200, INDEX_HTML)
    for path in ("/" + "x" * 10_000 + ".js", "/loop.js"):
        response = await client.get(path)
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")


async def test_a_nul_in_the_path_is_refused_before_the_folder_is_looked_at(client: httpx.AsyncClient):
    response = await client.get("/index.html%00.js")
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")


async def test_head_answers_the_headers_of_get_without_the_body(client: httpx.AsyncClient):
    for path in ("/assets/index-BqU3gHcZ.js", "/batches/123"):
        head, get = await client.head(path), await client.get(path)
        assert (head.status_code, head.content) == (200, b"")
        for header in ("content-type", "content-length", "cache-control", "etag"):
            assert head.headers[header] == get.headers[header], (path, header)


async def test_other_methods_are_a_405_with_the_error_body(client: httpx.AsyncClient):
    response = await client.post("/batches/123")
    assert (response.status_code, error_code(response)) == (405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


async def test_without_a_build_the_pages_say_how_to_make_one(unbuilt: httpx.AsyncClient):
    for path in ("/", "/batches/123"):
        response = await unbuilt.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert BUILD_COMMAND.replace("&", "&amp;") in response.text
    missing = await unbuilt.get("/assets/index-BqU3gHcZ.js")
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")


async def test_a_build_made_after_start_is_served_without_a_restart(tmp_path: Path):
    dist = tmp_path / "later"
    async for client in client_for(dist):
        assert BUILD_COMMAND.replace("&", "&amp;") in (await client.get("/")).text
        dist.mkdir()
        (dist / "index.html").write_bytes(INDEX_HTML)
        assert (await client.get("/")).content == INDEX_HTML


def test_a_relative_build_folder_is_taken_from_the_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    repository = Path(__file__).resolve().parents[3]
    relative = Settings(HULEEDU_INTERNAL_API_KEY=KEY, dashboard_dist_dir=Path("frontend/dist"))
    assert relative.dashboard_dist_dir == repository / "frontend" / "dist"
    assert Settings(HULEEDU_INTERNAL_API_KEY=KEY).dashboard_dist_dir == repository / "frontend" / "dist"
