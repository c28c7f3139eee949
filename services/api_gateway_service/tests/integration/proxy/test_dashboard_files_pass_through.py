"""The dashboard's files through the gateway: every path the gateway does not use is passed on to
the BFF with no sign-in and no identity, its cache headers come back, and the gateway's own paths
keep their own answers.

The BFF is a stand-in on a real socket that serves a page and a hashed script and records what it
receives; the gateway is the real app with its edge (``conftest.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from quart import Quart, Response, request
from werkzeug.datastructures import Headers

from api_gateway_service.entrypoints.dashboard_files import RESERVED_PREFIXES
from api_gateway_service.proxying import GATEWAY_SERVICE_ID
from huleedu_service_libs.http.catch_all_route import CATCH_ALL_PATH, is_under
from huleedu_service_libs.testing.local_server import served
from services.api_gateway_service.tests.integration.proxy.conftest import Gateway
from tests.integration.robustness.service_apps import KEY

PAGE = b"<!doctype html><div id=app></div>"
SCRIPT = b"console.log('dashboard')"
IMMUTABLE = "public, max-age=31536000, immutable"
FORGED = {"X-User-ID": "victim", "x-org-id": "school", "X-Internal-API-Key": "guess", "X-Service-ID": "content_service"}


@dataclass
class FilesStandIn:
    """What the BFF serves, and what it was asked."""

    seen: list[tuple[str, str, bytes, Headers]] = field(default_factory=list)

    def app(self) -> Quart:
        app = Quart("bff_files_stand_in")

        @app.get("/", defaults={"path": ""})
        @app.get("/<path:path>")
        async def dashboard_file(path: str) -> Response:
            self.seen.append((request.method, request.path, request.query_string, Headers(request.headers)))
            if path.endswith(".js"):
                headers = {
                    "Cache-Control": IMMUTABLE,
                    "ETag": '"js-1"',
                    "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT",
                }
                return Response(SCRIPT, content_type="text/javascript; charset=utf-8", headers=headers)
            headers = {"Cache-Control": "no-cache", "ETag": '"page-1"'}
            return Response(PAGE, content_type="text/html; charset=utf-8", headers=headers)

        return app


@contextlib.asynccontextmanager
async def anonymous_client(gateway: Gateway) -> AsyncIterator[tuple[httpx.AsyncClient, FilesStandIn]]:
    """A client with no token, in front of the gateway with the files stand-in as its BFF."""
    bff = FilesStandIn()
    async with served(bff.app()) as bff_url:
        gateway.point_bff_at_the_stand_in(bff_url)
        transport = httpx.ASGITransport(app=gateway.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, bff


async def test_the_page_and_assets_come_from_the_bff_without_sign_in_or_identity(gateway: Gateway):
    async with anonymous_client(gateway) as (client, bff):
        page = await client.get("/", headers=FORGED)
        script = await client.get("/assets/index-BqU3gHcZ.js")

    assert (page.status_code, page.content) == (200, PAGE)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert (page.headers["cache-control"], page.headers["etag"]) == ("no-cache", '"page-1"')
    assert (script.status_code, script.content) == (200, SCRIPT)
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == IMMUTABLE
    assert script.headers["last-modified"] == "Tue, 01 Dec 2026 10:00:00 GMT"

    (method, path, _, headers), _ = bff.seen
    assert (method, path) == ("GET", "/")
    assert headers.getlist("X-User-ID") == []
    assert headers.getlist("X-Org-ID") == []
    assert headers.getlist("Authorization") == []
    assert headers.getlist("X-Service-ID") == [GATEWAY_SERVICE_ID]
    assert headers.getlist("X-Internal-API-Key") == [KEY]


async def test_a_page_path_and_its_query_are_passed_on_and_head_works(gateway: Gateway):
    async with anonymous_client(gateway) as (client, bff):
        page = await client.get("/batches/123/essays/", params={"tab": "comparisons"})
        head = await client.head("/assets/index-BqU3gHcZ.js")

    assert (page.status_code, page.content) == (200, PAGE)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["cache-control"] == IMMUTABLE
    assert [(method, path, query) for method, path, query, _ in bff.seen] == [
        ("GET", "/batches/123/essays/", b"tab=comparisons"),
        ("HEAD", "/assets/index-BqU3gHcZ.js", b""),
    ]


async def test_the_gateways_own_paths_keep_their_own_answers(gateway: Gateway):
    async with anonymous_client(gateway) as (client, bff):
        unknown = [await client.get(path) for path in ("/v1/nope", "/v1", "/healthz/x", "/.well-known/x", "/docs/x")]
        posted = await client.post("/v1/nope")
        no_token = await client.get("/bff/v1/teacher/dashboard")
        health = await client.get("/healthz")

    assert [(r.status_code, r.json()["error"]["code"]) for r in unknown] == [(404, "NOT_FOUND")] * 5
    assert (posted.status_code, posted.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (no_token.status_code, no_token.json()["error"]["code"]) == (401, "TOKEN_MISSING")
    assert health.status_code == 200
    assert bff.seen == []


async def test_other_methods_are_a_405_and_dot_segments_a_404_not_forwarded(gateway: Gateway):
    async with anonymous_client(gateway) as (client, bff):
        posted = await client.post("/", json={})
        deleted = await client.delete("/batches/123")
        # Encoded, so the client keeps them; the gateway sees them decoded, as it would a raw "..".
        climbing = await client.get("/x/%2e%2e/bff/v1/teacher/dashboard")
        doubled = await client.get("http://gateway.test//bff/v1/teacher/dashboard")

    for response in (posted, deleted):
        assert (response.status_code, response.json()["error"]["code"]) == (405, "METHOD_NOT_ALLOWED")
        assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    for response in (climbing, doubled):
        assert (response.status_code, response.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert bff.seen == []


async def test_with_the_bff_down_the_page_is_a_503(gateway: Gateway):
    transport = httpx.ASGITransport(app=gateway.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        response = await client.get("/")
    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"service": "bff_teacher_service"}


async def test_every_other_route_of_the_gateway_lies_under_a_reserved_prefix(gateway: Gateway):
    # The app's own routing table, so a route added later under a new prefix fails here.
    routes = [context.original_route for context in iter_route_contexts(gateway.app.routes)]
    catch_alls = [route for route in routes if isinstance(route, APIRoute) and route.path == CATCH_ALL_PATH]
    assert len(catch_alls) == 1
    others = {str(getattr(route, "path", "")) for route in routes if route not in catch_alls}
    assert len(others) > 25
    assert [path for path in others if not is_under(path, RESERVED_PREFIXES)] == []
    assert not {"/", "/{path}"} & set(gateway.app.openapi()["paths"])  # not part of the API
