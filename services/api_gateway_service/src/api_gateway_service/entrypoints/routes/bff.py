"""The teacher dashboard's API, proxied to the BFF with the same identity headers as every route.

The BFF's screens change with the dashboard, so its routes are documented by the BFF; here one
prefix is passed on, and the answer is streamed back (live progress is Server-Sent Events).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from api_gateway_service.entrypoints.context import gateway_context
from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from huleedu_service_libs.errors import NotFoundError

answers = answers_of("bff_teacher_service")
router = APIRouter(tags=["dashboard"])

BFF_PREFIX = "/bff/v1/teacher"
# A live-progress stream (Server-Sent Events) is quiet between events and heartbeats: the usual read
# timeout would cut it, so its read bound is the stream idle timeout instead.
EVENT_STREAM_SUFFIX = "/events"
# The run estimate waits on content, which may wait a minute for CJ's simulation of an unseen size.
ESTIMATE_SUFFIX = "/estimate"


async def teacher_dashboard(path: str, request: Request, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Whatever the BFF answers for `/bff/v1/teacher/{path}`; 503 while the BFF is down."""
    segments = path.split("/")
    # A dot segment would climb out of the prefix once the URL is normalised, and with the
    # gateway's internal key a client must not reach any other BFF route.
    if any(segment in {".", ".."} for segment in segments):
        raise NotFoundError("No such dashboard route")
    body = request.stream() if request.method in {"POST", "PUT", "PATCH"} else None
    settings = gateway_context(request).settings
    return await proxy.forward_stream(
        services.bff_teacher,
        request.method,
        f"{BFF_PREFIX}/{'/'.join(quote(segment, safe='') for segment in segments)}",
        params=request.query_params.multi_items(),
        content=body,
        read_timeout_s=settings.event_stream_idle_timeout_s if path.endswith(EVENT_STREAM_SUFFIX) else None,
        long=path.endswith(ESTIMATE_SUFFIX),
    )


for _method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    # One route per method, so each has its own operation id in the OpenAPI document.
    router.add_api_route(
        BFF_PREFIX + "/{path:path}",
        teacher_dashboard,
        methods=[_method],
        operation_id=f"teacher_dashboard_{_method.lower()}",
        responses=answers(None, 404),
    )
