"""The internal queries. Thin: parse the request, ask the ReadModelReader, answer or 404.

Every route sits under /internal, so setup_quart_app's guard checks the key and the caller
(bff_teacher_service, api_gateway_service) before any of this runs. The teacher is always
``X-User-ID`` (401 without it): a user id in the path must be that teacher, and anything
that is not theirs answers the same 404 as an unknown batch (ARCHITECTURE §4).

A batch's detail and history carry each essay's rank and grade, so their reads are logged in the
access log (subject ``batch``) before they are answered; the list and the summary carry no student's
data and are not (issue 23).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from common_core.http.access import AccessSubject
from common_core.http.result_aggregator import MAX_PAGE_SIZE
from common_core.status import BatchStatus
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.errors import NotFoundError, ValidationFailedError
from huleedu_service_libs.http.quart_support import (
    access_log_page,
    current_accessor,
    current_identity,
    internal_route,
)
from huleedu_service_libs.http.request_input import MAX_OFFSET, query_int
from result_aggregator_service.domain.folding import term_start
from result_aggregator_service.service_layer.ports import ReadModelReader

DEFAULT_PAGE_SIZE = 20
MAX_TITLE_QUERY = 200
# A batch view for its teacher: (batch id, teacher) -> the view, or None when the batch is not theirs.
BatchRead = Callable[[uuid.UUID, str], Awaitable[BaseModel | None]]


def parse_statuses(values: Sequence[str]) -> list[BatchStatus]:
    """``status=a&status=b`` and ``status=a,b`` both work; an unknown status is a 400."""
    statuses: list[BatchStatus] = []
    for part in (p.strip() for value in values for p in value.split(",")):
        if not part:
            continue
        try:
            status = BatchStatus(part)
        except ValueError:
            allowed = ", ".join(s.value for s in BatchStatus)
            raise ValidationFailedError(f"unknown status {part!r} (allowed: {allowed})") from None
        if status not in statuses:
            statuses.append(status)
    return statuses


def _batch_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        # Not a batch id at all, so no such batch: the same answer as an unknown id.
        raise _not_found() from None


def _not_found() -> NotFoundError:
    return NotFoundError("batch not found")


def _teacher() -> str:
    return current_identity().user_id


def _the_caller(user_id: str) -> str:
    """The path's user, when it is the caller; another teacher's data is answered as if absent."""
    if user_id != _teacher():
        raise _not_found()
    return user_id


def _json(model: BaseModel) -> Response:
    # pydantic-core serialises straight to JSON bytes: no intermediate dicts for Quart to encode.
    return Response(model.model_dump_json(), content_type="application/json")


def internal_queries(queries: ReadModelReader, access_log: AccessLog, term_start_months: Sequence[int]) -> Blueprint:
    routes = Blueprint("result_aggregator_internal", __name__, url_prefix="/internal/v1")

    async def logged_batch_read(raw_batch_id: str, read: BatchRead) -> Response:
        """The caller's batch as ``read`` gives it (404 when absent), logged as a read before it is answered."""
        batch_id = _batch_id(raw_batch_id)
        view = await read(batch_id, _teacher())
        if view is None:
            raise _not_found()
        # The batch is the caller's (another teacher's is a 404 above), so the owner is the reader.
        accessor = current_accessor()
        if accessor.user_id is not None:
            await access_log.record(accessor.user_id, accessor, [(AccessSubject.BATCH, str(batch_id))])
        return _json(view)

    @routes.get("/users/<user_id>/batches")
    async def list_batches(user_id: str) -> ResponseReturnValue:
        args = request.args
        title_query = (args.get("q") or "").strip()
        if len(title_query) > MAX_TITLE_QUERY:
            raise ValidationFailedError(f"q must be at most {MAX_TITLE_QUERY} characters")
        page = await queries.list_batches(
            _the_caller(user_id),
            statuses=parse_statuses(args.getlist("status")),
            title_query=title_query or None,
            limit=query_int(args, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE),
            offset=query_int(args, "offset", 0, minimum=0, maximum=MAX_OFFSET),
        )
        return _json(page)

    @routes.get("/batches/<batch_id>")
    async def batch_detail(batch_id: str) -> ResponseReturnValue:
        return await logged_batch_read(batch_id, queries.batch_detail)

    @routes.get("/batches/<batch_id>/history")
    async def batch_history(batch_id: str) -> ResponseReturnValue:
        return await logged_batch_read(batch_id, queries.batch_history)

    @routes.get("/users/<user_id>/summary")
    async def user_summary(user_id: str) -> ResponseReturnValue:
        now = datetime.now(UTC)
        summary = await queries.user_summary(
            _the_caller(user_id),
            term_start(now, term_start_months),
            now.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        )
        return _json(summary)

    @routes.get("/users/<user_id>/access-log")
    @internal_route("bff_teacher_service")
    async def user_access_log(user_id: str) -> ResponseReturnValue:
        """Who read or exported the caller's batches' results here, newest first."""
        return _json(await access_log_page(access_log, user_id))

    return routes
