"""The teacher dashboard's files (the built Vue app), passed on from the BFF so a teacher needs one origin.

``GET`` and ``HEAD`` of ``/`` and of every path the gateway does not use itself go to the BFF as
they came, with no sign-in: the files are public, and the app signs in through ``/v1/auth/*``. So
the forward acts for nobody (no ``X-User-ID``), and the answer (content type, cache headers, ETag)
streams back unchanged. Under the gateway's own prefixes the catch-all does not match at all, so
an unknown API path stays the gateway's 404. Not in the OpenAPI document: it is not part of the API.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from api_gateway_service.entrypoints.forwarding import AnonymousProxyDep, ServicesDep
from huleedu_service_libs.errors import NotFoundError
from huleedu_service_libs.http.catch_all_route import CATCH_ALL_PATH, catch_all_route_outside

# Everything the gateway serves itself: the API, the BFF's prefix, probes, the API docs, the JWKS.
RESERVED_PREFIXES = (
    "/v1",
    "/bff",
    "/internal",
    "/healthz",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/.well-known",
)

router = APIRouter(route_class=catch_all_route_outside(RESERVED_PREFIXES))


async def dashboard_file(path: str, request: Request, proxy: AnonymousProxyDep, services: ServicesDep) -> Response:
    """Whatever the BFF answers for the path; 503 while the BFF is down."""
    segments = path.split("/")
    # A dot or empty segment ("//bff/...") could lead the forward, which carries the internal key,
    # to a path other than the one checked above; a trailing slash is an ordinary page path.
    if any(segment in {"", ".", ".."} for segment in segments[:-1]) or segments[-1] in {".", ".."}:
        raise NotFoundError("No such page")
    return await proxy.forward_stream(
        services.bff_teacher,
        request.method,
        "/" + "/".join(quote(segment, safe="") for segment in segments),
        params=request.query_params.multi_items(),
    )


router.add_api_route(CATCH_ALL_PATH, dashboard_file, methods=["GET", "HEAD"], include_in_schema=False)
