"""The four internal queries. Thin: parse the request, ask ReadModelQueries, answer or 404.

Every route sits under /internal, so setup_quart_app's guard checks the key and the caller
(bff_teacher_service, api_gateway_service) before any of this runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from common_core.http.result_aggregator import MAX_PAGE_SIZE
from common_core.status import BatchStatus
from huleedu_service_libs.errors import NotFoundError, ValidationFailedError
from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.domain.folding import term_start

DEFAULT_PAGE_SIZE = 20
MAX_TITLE_QUERY = 200


def _int_param(args: MultiDict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailedError(f"{name} must be an integer", details={name: raw}) from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationFailedError(f"{name} must be {bounds}", details={name: value})
    return value


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
        raise NotFoundError("batch not found") from None


def _owner(args: MultiDict[str, str]) -> str:
    user_id = (args.get("user_id") or "").strip()
    if not user_id:
        raise ValidationFailedError("user_id is required: the batch is only shown to its owner")
    return user_id


def _json(model: BaseModel) -> Response:
    # pydantic-core serialises straight to JSON bytes: no intermediate dicts for Quart to encode.
    return Response(model.model_dump_json(), content_type="application/json")


def internal_queries(queries: ReadModelQueries, term_start_months: Sequence[int]) -> Blueprint:
    routes = Blueprint("result_aggregator_internal", __name__, url_prefix="/internal/v1")

    @routes.get("/users/<user_id>/batches")
    async def list_batches(user_id: str) -> ResponseReturnValue:
        args = request.args
        title_query = (args.get("q") or "").strip()
        if len(title_query) > MAX_TITLE_QUERY:
            raise ValidationFailedError(f"q must be at most {MAX_TITLE_QUERY} characters")
        page = await queries.list_batches(
            user_id,
            statuses=parse_statuses(args.getlist("status")),
            title_query=title_query or None,
            limit=_int_param(args, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
            offset=_int_param(args, "offset", 0, 0),
        )
        return _json(page)

    @routes.get("/batches/<batch_id>")
    async def batch_detail(batch_id: str) -> ResponseReturnValue:
        owner = _owner(request.args)
        detail = await queries.batch_detail(_batch_id(batch_id), owner)
        if detail is None:
            raise NotFoundError("batch not found")
        return _json(detail)

    @routes.get("/batches/<batch_id>/history")
    async def batch_history(batch_id: str) -> ResponseReturnValue:
        owner = _owner(request.args)
        history = await queries.batch_history(_batch_id(batch_id), owner)
        if history is None:
            raise NotFoundError("batch not found")
        return _json(history)

    @routes.get("/users/<user_id>/summary")
    async def user_summary(user_id: str) -> ResponseReturnValue:
        summary = await queries.user_summary(user_id, term_start(datetime.now(UTC), term_start_months))
        return _json(summary)

    return routes
