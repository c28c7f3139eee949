"""Quart wiring: error body, internal-auth guard, identity, HTTP metrics, /healthz and /metrics, background work.

A Quart service calls :func:`setup_quart_app` once, after creating the app::

    setup_quart_app(app, settings, health_checks={"database": sqlalchemy_check(engine)},
                    internal_allow_list={"cj_assessment_service"})
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pydantic import BaseModel, ValidationError
from quart import Quart, Response, current_app, g, request
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from common_core.http.access import ACCESS_PURPOSE_HEADER, MAX_ACCESS_LOG_PAGE, AccessLogPage
from huleedu_service_libs.access_log import AccessLog, Accessor, accessor_from_headers
from huleedu_service_libs.correlation import current_correlation_id
from huleedu_service_libs.errors import HuleEduError, NotFoundError, ValidationFailedError
from huleedu_service_libs.http.correlation_middleware import CorrelationIdMiddleware
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
from huleedu_service_libs.http.multipart_form import TolerantRequest
from huleedu_service_libs.http.request_input import check_query, check_storable, parse_json_body
from huleedu_service_libs.settings import ServiceSettings

if TYPE_CHECKING:
    from dishka import AsyncContainer

    from huleedu_service_libs.background import BackgroundWork

P = ParamSpec("P")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_AUTH_EXTENSION = "huleedu_internal_auth"
_STARTED_ATTR = "_huleedu_request_started"
# Set on a view by internal_route / json_body; functools.wraps carries both to outer decorators,
# so the OPTIONS guard and the route-enumerating robustness tests can read them off the URL map.
CALLERS_ATTR = "huleedu_internal_callers"
BODY_MODEL_ATTR = "huleedu_body_model"


def _reply(error: Exception, service_name: str) -> ErrorReply:
    if isinstance(error, HuleEduError):
        return reply_for_error(error, service_name)
    if isinstance(error, ValidationError):
        return reply_for_validation(error.errors(), service_name)
    if isinstance(error, HTTPException) and error.code is not None:
        # Keep Allow (405) and the like; the body is ours, so its content type is too.
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        return reply_for_http_status(error.code, error.description, service_name, headers)
    return reply_for_unexpected(error, service_name)


def register_error_handlers(app: Quart, service_name: str) -> None:
    """Every exception, including Quart's own 404/405/400/413, answers with the one error body."""

    async def handle(error: Exception) -> ResponseReturnValue:
        reply = _reply(error, service_name)
        return reply.body(), reply.status, reply.headers

    # One handler for Exception: Quart picks it for every error through the MRO, HTTPException
    # included, and a service can still register a more specific handler of its own.
    app.register_error_handler(Exception, handle)


def _prepend_before_request(app: Quart, func: Callable[[], Awaitable[None]]) -> None:
    # Ahead of the service's own hooks: time everything, and refuse before any work is done.
    app.before_request_funcs.setdefault(None, []).insert(0, func)


def install_http_metrics(app: Quart, service_name: str) -> None:
    async def start_timer() -> None:
        setattr(g, _STARTED_ATTR, time.perf_counter())

    async def record(response: Response) -> Response:
        started = getattr(g, _STARTED_ATTR, None)
        elapsed = time.perf_counter() - started if started is not None else 0.0
        route = request.url_rule.rule if request.url_rule is not None else None
        record_request(service_name, request.method, route, response.status_code, elapsed)
        return response

    _prepend_before_request(app, start_timer)
    app.after_request(record)


def _authorize(auth: InternalAuth, allowed: Iterable[str] | None) -> str:
    return auth.authorize(request.headers.get(API_KEY_HEADER), request.headers.get(SERVICE_ID_HEADER), allowed=allowed)


def _guarded_callers() -> tuple[str, ...] | None:
    """The allow-list of the view this request is routed to, when internal_route guards it."""
    rule = request.url_rule
    view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
    callers: tuple[str, ...] | None = getattr(view, CALLERS_ATTR, None)
    return callers


def install_internal_guard(app: Quart, auth: InternalAuth) -> None:
    """Every path under ``/internal`` needs the key and a caller on the app's allow-list.

    Quart answers ``OPTIONS`` itself, without calling the view, so a view's own guard never
    sees it: the automatic answer (and its ``Allow`` header) is given only after the same
    check the view would make.
    """
    app.extensions[_AUTH_EXTENSION] = auth

    async def guard() -> None:
        if is_internal_path(request.path):
            _authorize(auth, None)
        if request.method == "OPTIONS":
            callers = _guarded_callers()
            if callers is not None:
                _authorize(auth, callers or None)

    _prepend_before_request(app, guard)


def install_input_checks(app: Quart) -> None:
    """Query parameters and path segments that PostgreSQL could not store are a 400, on every route."""

    async def check() -> None:
        check_query(request.args.items(multi=True))
        for name, value in (request.view_args or {}).items():
            if isinstance(value, str):
                check_storable(value, name)

    app.before_request(check)


def internal_route(*allowed_services: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Guard one async view; ``allowed_services`` narrows the app's allow-list for it.

    Works on any path, not only ``/internal``. Without :func:`setup_quart_app` the view
    fails closed (500) rather than running unauthenticated.
    """

    def decorator(view: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(view)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
            auth = current_app.extensions.get(_AUTH_EXTENSION)
            if not isinstance(auth, InternalAuth):
                raise RuntimeError("internal_route needs setup_quart_app() (or install_internal_guard()) first")
            _authorize(auth, allowed_services or None)
            return await view(*args, **kwargs)

        setattr(guarded, CALLERS_ATTR, tuple(allowed_services))
        return guarded

    return decorator


def json_body(
    model: type[M], *, when_empty: Callable[[], M] | None = None
) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Parse the request body as ``model`` and pass it to the view as ``body``.

    Unreadable bodies (not UTF-8, not JSON, nested too deeply, NUL in a string) and invalid
    fields are a 400 with the error body. ``when_empty`` supplies the value for an empty body,
    for routes where "no body" means "the defaults". Put it below ``internal_route``, so that
    the caller is checked before the body is read.
    """

    def decorator(view: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @functools.wraps(view)
        async def with_body(*args: Any, **kwargs: Any) -> T:
            raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
            if when_empty is not None and not raw.strip():
                body = when_empty()
            else:
                body = model.model_validate(parse_json_body(raw))
            return await view(*args, body=body, **kwargs)

        setattr(with_body, BODY_MODEL_ATTR, model)
        return with_body

    return decorator


def current_identity() -> IdentityContext:
    """The gateway-authenticated user of this request; 401 when there is none."""
    return require_identity(request.headers.get(USER_ID_HEADER), request.headers.get(ORG_ID_HEADER))


def optional_identity() -> IdentityContext | None:
    return identity_from_headers(request.headers.get(USER_ID_HEADER), request.headers.get(ORG_ID_HEADER))


def mount_health_and_metrics(app: Quart, checks: Mapping[str, HealthCheck], *, timeout_s: float = 2.0) -> None:
    async def healthz() -> ResponseReturnValue:
        report = await run_health_checks(checks, timeout_s=timeout_s)
        return report.body(), report.status_code

    async def metrics() -> Response:
        return Response(metrics_payload(), content_type=METRICS_CONTENT_TYPE)

    app.add_url_rule(HEALTH_PATH, "huleedu_healthz", healthz, methods=["GET"])
    app.add_url_rule(METRICS_PATH, "huleedu_metrics", metrics, methods=["GET"])


def setup_quart_app(
    app: Quart,
    settings: ServiceSettings,
    *,
    health_checks: Mapping[str, HealthCheck] | None = None,
    internal_allow_list: Iterable[str] = (),
    health_timeout_s: float = 2.0,
) -> None:
    """Wire correlation ids, metrics, the internal guard, error handlers, /healthz and /metrics.

    An empty ``internal_allow_list`` admits no caller, so an ``/internal`` route added by
    mistake is never open.
    """
    service_name = settings.service_name
    app.request_class = TolerantRequest
    # Quart's own wrapping idiom. The ignores only bridge two typings of the same ASGI protocol
    # (hypercorn's TypedDicts in Quart, plain mappings in Starlette).
    app.asgi_app = CorrelationIdMiddleware(app.asgi_app)  # type: ignore[method-assign, assignment, arg-type]
    # Both prepend a before_request hook: the timer, installed last, runs first, so refused
    # internal calls are timed and counted too.
    install_internal_guard(app, InternalAuth(settings.effective_internal_api_key(), internal_allow_list))
    install_http_metrics(app, service_name)
    install_input_checks(app)
    register_error_handlers(app, service_name)
    mount_health_and_metrics(app, health_checks or {}, timeout_s=health_timeout_s)


def serve_with_background(
    app: Quart,
    background: BackgroundWork,
    container: AsyncContainer,
    *,
    before_start: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start the background work (consumers, relays) when the app starts serving; stop it, then close the
    container, when the app stops.

    ``before_start`` runs first, for start-up work the background must not race.
    """

    @app.before_serving
    async def start_background_work() -> None:
        if before_start is not None:
            await before_start()
        background.start()

    @app.after_serving
    async def stop_background_work() -> None:
        await background.stop()
        await container.close()


def current_accessor() -> Accessor:
    """Who this request reads for, for the access log: the teacher, the calling service, read or export."""
    identity = optional_identity()
    return accessor_from_headers(
        identity.user_id if identity else None,
        request.headers.get(SERVICE_ID_HEADER),
        request.headers.get(ACCESS_PURPOSE_HEADER),
        current_correlation_id(),
    )


async def access_log_page(access_log: AccessLog, user_id: str) -> AccessLogPage:
    """``GET /internal/v1/users/{user_id}/access-log?limit&before`` for the teacher of this request.

    Another teacher's id in the path is a 404, like any data that is not the caller's.
    """
    if current_identity().user_id != user_id:
        raise NotFoundError("No access log for this user")
    limit = request.args.get("limit", "50")
    before_raw = request.args.get("before")
    # isascii: "²" is a digit to str.isdigit but not to int().
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_ACCESS_LOG_PAGE:
        raise ValidationFailedError(
            f"limit must be a whole number from 1 to {MAX_ACCESS_LOG_PAGE}", details={"field": "limit"}
        )
    before = None
    if before_raw:
        try:
            before = datetime.fromisoformat(before_raw)
        except ValueError:
            raise ValidationFailedError("before must be an ISO 8601 time", details={"field": "before"}) from None
        if before.tzinfo is None:
            raise ValidationFailedError("before must carry a time zone", details={"field": "before"})
        try:
            # 0001-01-01T00:00+01:00 is a valid ISO time, but before year 1 in UTC, as the database sees it.
            before = before.astimezone(UTC)
        except OverflowError:
            raise ValidationFailedError("before is out of range", details={"field": "before"}) from None
    return await access_log.page(user_id, limit=int(limit), before=before)
