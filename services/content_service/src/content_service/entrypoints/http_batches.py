"""The teacher's batch API under ``/v1``.

Reached only through the API gateway (or the BFF), which sends the internal key, its service id
and the validated ``X-User-ID``: every view is guarded with ``internal_route`` and then needs the
identity, so an ``X-User-ID`` a client sends straight to this service is never trusted.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from quart import Blueprint, Response, request
from quart.typing import ResponseReturnValue

from common_core.http.content import (
    MAX_BATCHES_PER_PAGE,
    CreateBatchRequest,
    RenameBatchRequest,
    StartAssessmentRequest,
)
from content_service.entrypoints.request_helpers import content_context, dump
from content_service.service_layer import assessments, batches, uploads
from content_service.service_layer.estimates import estimate_assessment
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import current_accessor, current_identity, internal_route, json_body
from huleedu_service_libs.http.request_input import MAX_OFFSET, query_int

IDEMPOTENCY_HEADER = "Idempotency-Key"

blueprint = Blueprint("batches", __name__)


@blueprint.url_value_preprocessor
def _log_with_batch_id(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Every log line of a request about one batch names it (ARCHITECTURE §5).
    if values and "batch_id" in values:
        structlog.contextvars.bind_contextvars(batch_id=str(values["batch_id"]))


@blueprint.teardown_request
async def _forget_batch_id(_error: BaseException | None) -> None:
    structlog.contextvars.unbind_contextvars("batch_id")


@blueprint.post("/v1/batches")
@internal_route(*TEACHER_CALLERS)
@json_body(CreateBatchRequest)
async def create_batch(body: CreateBatchRequest) -> ResponseReturnValue:
    view = await batches.create_batch(content_context(), current_identity().user_id, body)
    return dump(view), 201


@blueprint.get("/v1/batches")
@internal_route(*TEACHER_CALLERS)
async def list_batches() -> ResponseReturnValue:
    owner = current_identity().user_id
    limit = query_int(request.args, "limit", 20, minimum=1, maximum=MAX_BATCHES_PER_PAGE)
    offset = query_int(request.args, "offset", 0, minimum=0, maximum=MAX_OFFSET)
    return dump(await batches.list_batches(content_context(), owner, limit, offset))


@blueprint.get("/v1/batches/<uuid:batch_id>")
@internal_route(*TEACHER_CALLERS)
async def get_batch(batch_id: uuid.UUID) -> ResponseReturnValue:
    return dump(await batches.get_batch(content_context(), current_identity().user_id, batch_id))


@blueprint.patch("/v1/batches/<uuid:batch_id>")
@internal_route(*TEACHER_CALLERS)
@json_body(RenameBatchRequest)
async def rename_batch(batch_id: uuid.UUID, body: RenameBatchRequest) -> ResponseReturnValue:
    owner = current_identity().user_id
    return dump(await batches.rename_batch(content_context(), owner, batch_id, body.title))


@blueprint.delete("/v1/batches/<uuid:batch_id>")
@internal_route(*TEACHER_CALLERS)
async def delete_batch(batch_id: uuid.UUID) -> ResponseReturnValue:
    await batches.delete_batch(content_context(), current_identity().user_id, batch_id)
    return Response(status=204)


@blueprint.get("/v1/batches/<uuid:batch_id>/essays")
@internal_route(*TEACHER_CALLERS)
async def list_essays(batch_id: uuid.UUID) -> ResponseReturnValue:
    owner = current_identity().user_id
    return dump(await batches.list_essays(content_context(), current_accessor(), owner, batch_id))


@blueprint.post("/v1/batches/<uuid:batch_id>/essays")
@internal_route(*TEACHER_CALLERS)
async def upload_essays(batch_id: uuid.UUID) -> ResponseReturnValue:
    owner = current_identity().user_id
    files = (await request.files).getlist("files")
    received = [uploads.UploadedFile(filename=f.filename or "", content=f.read()) for f in files]
    return dump(await uploads.upload_essays(content_context(), owner, batch_id, received))


@blueprint.post("/v1/batches/<uuid:batch_id>/assessments")
@internal_route(*TEACHER_CALLERS)
# An empty body means "the defaults": no assignment override, mock judge, default budget.
@json_body(StartAssessmentRequest, when_empty=StartAssessmentRequest)
async def start_assessment(batch_id: uuid.UUID, body: StartAssessmentRequest) -> ResponseReturnValue:
    owner = current_identity().user_id
    key = assessments.validate_idempotency_key(request.headers.get(IDEMPOTENCY_HEADER))
    accepted = await assessments.start_assessment(content_context(), owner, batch_id, body, key)
    return dump(accepted), 202


@blueprint.post("/v1/batches/<uuid:batch_id>/estimate")
@internal_route(*TEACHER_CALLERS)
# The body of POST .../assessments, so a caller estimates and then starts with the very same body.
@json_body(StartAssessmentRequest, when_empty=StartAssessmentRequest)
async def estimate_assessment_run(batch_id: uuid.UUID, body: StartAssessmentRequest) -> ResponseReturnValue:
    owner = current_identity().user_id
    return dump(await estimate_assessment(content_context(), owner, batch_id, body))
