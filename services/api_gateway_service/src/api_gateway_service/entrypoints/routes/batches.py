"""Batches, essays and assessments: the content service's teacher routes (``/v1/batches...``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep, UploadLimitsDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from api_gateway_service.upload_guard import guarded_upload
from common_core.http.content import (
    MAX_BATCHES_PER_PAGE,
    AssessmentAccepted,
    BatchPage,
    BatchView,
    CreateBatchRequest,
    EssayList,
    RenameBatchRequest,
    StartAssessmentRequest,
    UploadResult,
)
from common_core.http.estimates import AssessmentEstimate
from huleedu_service_libs.http.request_input import MAX_OFFSET

answers = answers_of("content_service")
router = APIRouter(tags=["batches"])

# An empty body means "the defaults" for both the start and its estimate (as at the content service).
OptionalStart = Annotated[StartAssessmentRequest | None, Body()]

_IDEMPOTENCY_KEY = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "Makes a retry safe: the same key answers the same request_id.",
        }
    ]
}
_MULTIPART_FILES = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more essays: .txt, .md, .docx or .pdf.",
                        }
                    },
                }
            }
        },
    }
}


@router.post("/v1/batches", status_code=201, response_model=BatchView, responses=answers(BatchView, 404, status=201))
async def create_batch(body: CreateBatchRequest, proxy: ProxyDep, services: ServicesDep) -> Response:
    """A new draft batch. A `class_id` or `assignment_id` must be one the teacher may use (else 404)."""
    return await proxy.forward(services.content, "POST", "/v1/batches", body=body)


@router.get("/v1/batches", response_model=BatchPage, responses=answers(BatchPage))
async def list_batches(
    proxy: ProxyDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_BATCHES_PER_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """The teacher's batches, newest first."""
    return await proxy.forward(services.content, "GET", "/v1/batches", params={"limit": limit, "offset": offset})


@router.get("/v1/batches/{batch_id}", response_model=BatchView, responses=answers(BatchView, 404))
async def get_batch(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.content, "GET", f"/v1/batches/{batch_id}")


@router.patch("/v1/batches/{batch_id}", response_model=BatchView, responses=answers(BatchView, 404))
async def rename_batch(
    batch_id: uuid.UUID, body: RenameBatchRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    return await proxy.forward(services.content, "PATCH", f"/v1/batches/{batch_id}", body=body)


@router.delete(
    "/v1/batches/{batch_id}", status_code=204, response_class=Response, responses=answers(None, 404, status=204)
)
async def delete_batch(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Erases the batch, in any state, from every service: its essays, texts, grades and the judges' reasons;
    a running assessment is stopped (docs/data-protection.md)."""
    return await proxy.forward(services.content, "DELETE", f"/v1/batches/{batch_id}")


@router.get("/v1/batches/{batch_id}/essays", response_model=EssayList, responses=answers(EssayList, 404))
async def list_essays(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.content, "GET", f"/v1/batches/{batch_id}/essays")


@router.post(
    "/v1/batches/{batch_id}/essays",
    response_model=UploadResult,
    responses=answers(UploadResult, 404, 409, 413),
    openapi_extra=_MULTIPART_FILES,
)
async def upload_essays(
    batch_id: uuid.UUID, request: Request, proxy: ProxyDep, services: ServicesDep, limits: UploadLimitsDep
) -> Response:
    """Multipart field `files`, streamed to the content service: one outcome per file.

    Over a limit (files per upload, bytes per file, bytes per request) the upload is refused with
    413 as soon as it passes it, before the rest is read.
    """
    headers = request.headers
    upload = guarded_upload(request.stream(), headers.get("content-type"), headers.get("content-length"), limits.essays)
    return await proxy.forward(
        services.content,
        "POST",
        f"/v1/batches/{batch_id}/essays",
        content=upload,
        long=True,
    )


@router.post(
    "/v1/batches/{batch_id}/assessments",
    status_code=202,
    response_model=AssessmentAccepted,
    responses=answers(AssessmentAccepted, 404, 409, 422, status=202),
    openapi_extra=_IDEMPOTENCY_KEY,
)
async def start_assessment(
    batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep, body: OptionalStart = None
) -> Response:
    """Starts assessing the batch (an empty body: the defaults).

    Send an `Idempotency-Key` header to make a retry safe: the same key returns the same
    `request_id`; the same key with other settings is a 422.
    """
    return await proxy.forward(services.content, "POST", f"/v1/batches/{batch_id}/assessments", body=body)


@router.post(
    "/v1/batches/{batch_id}/estimate",
    response_model=AssessmentEstimate,
    responses=answers(AssessmentEstimate, 404, 409),
)
async def estimate_assessment(
    batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep, body: OptionalStart = None
) -> Response:
    """What starting the assessment with this very body would take: comparisons, calls, tokens, cost, time."""
    return await proxy.forward(
        services.content,
        "POST",
        f"/v1/batches/{batch_id}/estimate",
        body=body,
        long=True,
    )
