"""FastAPI wiring: error body, internal-auth guard, identity, HTTP metrics, /healthz and /metrics.

A FastAPI service calls :func:`setup_fastapi_app` once, before the app starts::

    setup_fastapi_app(app, settings, health_checks={"redis": redis_check(settings.redis_url)})

The middlewares are plain ASGI (no ``BaseHTTPMiddleware``), outermost first: correlation id,
metrics, error boundary, ``/internal`` guard, input guard. The boundary answers unexpected exceptions itself
rather than leaving them to Starlette's ``ServerErrorMiddleware``, which runs outside every
user middleware: there the correlation id is already unbound and the 500 would not be counted.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huleedu_service_libs.errors import HuleEduError
from huleedu_service_libs.http.correlation_middleware import CorrelationIdMiddleware, HttpMiddleware
from huleedu_service_libs.http.error_body import (
    ErrorReply,
    reply_for_error,
    reply_for_http_status,
    reply_for_unexpected,
    reply_for_validation,
)
from huleedu_service_libs.http.health import HealthCheck, run_health_checks
from huleedu_service_libs.http.identity import (
    ORG_ID_HEADER,
    USER_ID_HEADER,
    IdentityContext,
    identity_from_headers,
    require_identity,
)
from huleedu_service_libs.http.internal_auth import API_KEY_HEADER, SERVICE_ID_HEADER, InternalAuth, is_internal_path
from huleedu_service_libs.http.metrics import (
    HEALTH_PATH,
    METRICS_CONTENT_TYPE,
    METRICS_PATH,
    metrics_payload,
    record_request,
)
from huleedu_service_libs.http.request_input import check_query, check_storable, parse_json_body
from huleedu_service_libs.settings import ServiceSettings

_AUTH_STATE = "huleedu_internal_auth"

logger = structlog.stdlib.get_logger(__name__)


def _reply(error: Exception, service_name: str) -> ErrorReply:
    if isinstance(error, HuleEduError):
        return reply_for_error(error, service_name)
    if isinstance(error, RequestValidationError | ValidationError):
        return reply_for_validation(error.errors(), service_name)
    if isinstance(error, StarletteHTTPException):
        return reply_for_http_status(error.status_code, error.detail, service_name, error.headers)
    return reply_for_unexpected(error, service_name)


def _json(reply: ErrorReply) -> JSONResponse:
    return JSONResponse(reply.body(), status_code=reply.status, headers=reply.headers)


def _route_template(scope: Scope) -> str | None:
    # Starlette's router stores the matched route in the (shared) scope, 405 matches included.
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else None


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the ``root_path`` a proxy mounted the app under."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


class _ResponseStart:
    """Hands the app's messages on to ``send`` and remembers the status once the response started."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self._send(message)


class HttpMetricsMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, service_name: str) -> None:
        super().__init__(app)
        self.service_name = service_name

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response = _ResponseStart(send)
        try:
            await self.app(scope, receive, response.send)
        finally:
            # 500: what the client gets if the app raises before answering.
            status = 500 if response.status is None else response.status
            record_request(
                self.service_name, scope["method"], _route_template(scope), status, time.perf_counter() - started
            )


class ErrorBoundaryMiddleware(HttpMiddleware):
    """Answers any exception that escaped the exception handlers with the one error body."""

    def __init__(self, app: ASGIApp, service_name: str) -> None:
        super().__init__(app)
        self.service_name = service_name

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = _ResponseStart(send)
        try:
            await self.app(scope, receive, response.send)
        except Exception as exc:
            if response.status is not None:
                # Too late for an error body; log here, where the correlation id is still bound.
                logger.error("exception_after_response_started", error_type=type(exc).__name__, exc_info=exc)
                raise
            await _json(_reply(exc, self.service_name))(scope, receive, send)


class InternalPathGuardMiddleware:
    """Every path under ``/internal`` needs the key and a caller on the app's allow-list.

    It runs before routing, so a refused call is counted under the ``<unmatched>`` route.
    """

    def __init__(self, app: ASGIApp, auth: InternalAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_internal_path(_route_path(scope)):
            headers = Headers(scope=scope)
            self.auth.authorize(headers.get(API_KEY_HEADER), headers.get(SERVICE_ID_HEADER))
        await self.app(scope, receive, send)


class InputGuardMiddleware(HttpMiddleware):
    """Hostile input is a 400 before FastAPI parses it (the Quart twin is ``json_body``).

    FastAPI's own JSON parsing lets ``RecursionError`` escape as a 500 and passes NUL characters
    and lone surrogates on to the database. So a JSON body is read here, checked with
    :func:`parse_json_body`, and handed on unchanged; a NUL in the path or the query is refused too.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        check_storable(scope["path"], "path")
        check_query(QueryParams(scope["query_string"]).multi_items())
        content_type = Headers(scope=scope).get("content-type", "")
        if not _is_json(content_type):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if body.strip():
            parse_json_body(body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await more()

        await self.app(scope, replay, send)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away: hand the disconnect on to whoever reads next.
            return b"".join(chunks), functools.partial(_again, message)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), receive


async def _again(message: Message) -> Message:
    return message


def register_error_handlers(app: FastAPI, service_name: str) -> None:
    """Every exception, including FastAPI's own 404/405 and request validation, answers with the
    one error body. Adds the error boundary middleware, so call it before adding outer ones."""

    async def handle(request: Request, exc: Exception) -> Response:
        return _json(_reply(exc, service_name))

    for exc_type in (HuleEduError, RequestValidationError, ValidationError, StarletteHTTPException):
        app.add_exception_handler(exc_type, handle)
    app.add_middleware(ErrorBoundaryMiddleware, service_name=service_name)


def internal_caller(*allowed_services: str) -> Callable[[Request], Awaitable[str]]:
    """A dependency returning the calling service's id; ``allowed_services`` narrows the app's list.

    Use it per route or per router: ``APIRouter(dependencies=[Depends(internal_caller())])``.
    """

    async def dependency(request: Request) -> str:
        auth = getattr(request.app.state, _AUTH_STATE, None)
        if not isinstance(auth, InternalAuth):
            raise RuntimeError("internal_caller needs setup_fastapi_app() first")
        return auth.authorize(
            request.headers.get(API_KEY_HEADER),
            request.headers.get(SERVICE_ID_HEADER),
            allowed=allowed_services or None,
        )

    return dependency


async def get_identity(request: Request) -> IdentityContext:
    """The gateway-authenticated user of this request; 401 when there is none."""
    return require_identity(request.headers.get(USER_ID_HEADER), request.headers.get(ORG_ID_HEADER))


async def get_optional_identity(request: Request) -> IdentityContext | None:
    return identity_from_headers(request.headers.get(USER_ID_HEADER), request.headers.get(ORG_ID_HEADER))


Identity = Annotated[IdentityContext, Depends(get_identity)]


def mount_health_and_metrics(app: FastAPI, checks: Mapping[str, HealthCheck], *, timeout_s: float = 2.0) -> None:
    async def healthz() -> JSONResponse:
        report = await run_health_checks(checks, timeout_s=timeout_s)
        return JSONResponse(report.body(), status_code=report.status_code)

    async def metrics() -> Response:
        return Response(metrics_payload(), media_type=METRICS_CONTENT_TYPE)

    app.add_api_route(HEALTH_PATH, healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route(METRICS_PATH, metrics, methods=["GET"], include_in_schema=False)


def setup_fastapi_app(
    app: FastAPI,
    settings: ServiceSettings,
    *,
    health_checks: Mapping[str, HealthCheck] | None = None,
    internal_allow_list: Iterable[str] = (),
    health_timeout_s: float = 2.0,
    edge_middleware: Sequence[Middleware] = (),
) -> None:
    """Wire correlation ids, metrics, the internal guard, error handlers, /healthz and /metrics.

    An empty ``internal_allow_list`` admits no caller, so an ``/internal`` route added by
    mistake is never open. ``edge_middleware`` (outermost first) runs inside the error boundary
    but before the guards read anything, so a body limit bounds what the input guard buffers and
    a refusal raised there still gets the error body, the correlation id and a metric.
    """
    service_name = settings.service_name
    auth = InternalAuth(settings.effective_internal_api_key(), internal_allow_list)
    setattr(app.state, _AUTH_STATE, auth)
    # add_middleware wraps what is already there: add the innermost first.
    app.add_middleware(InputGuardMiddleware)
    app.add_middleware(InternalPathGuardMiddleware, auth=auth)
    for middleware in reversed(edge_middleware):
        app.add_middleware(middleware.cls, *middleware.args, **middleware.kwargs)
    register_error_handlers(app, service_name)
    app.add_middleware(HttpMetricsMiddleware, service_name=service_name)
    app.add_middleware(CorrelationIdMiddleware)
    mount_health_and_metrics(app, health_checks or {}, timeout_s=health_timeout_s)
