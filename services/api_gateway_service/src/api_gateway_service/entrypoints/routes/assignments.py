"""Assignments and their anchor essays: CJ assessment's teacher routes (``/v1/assignments...``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep, UploadLimitsDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from api_gateway_service.upload_guard import guarded_upload
from common_core.http.cj_assessment import (
    AnchorCreateRequest,
    AnchorList,
    AnchorView,
    AssignmentCreateRequest,
    AssignmentList,
    AssignmentUpdateRequest,
    AssignmentView,
)

answers = answers_of("cj_assessment_service")
router = APIRouter(tags=["assignments"])

_MULTIPART_ANCHORS = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files", "grades"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One file per anchor (.txt, .md, .docx, .pdf); its label is the file name.",
                        },
                        "grades": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV `label,grade`, or JSON `{label: grade}` / `[{label, grade}]`.",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/v1/assignments", status_code=201, response_model=AssignmentView, responses=answers(AssignmentView, status=201)
)
async def create_assignment(body: AssignmentCreateRequest, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.cj_assessment, "POST", "/v1/assignments", body=body)


@router.get("/v1/assignments", response_model=AssignmentList, responses=answers(AssignmentList))
async def list_assignments(proxy: ProxyDep, services: ServicesDep) -> Response:
    """The teacher's own assignments and the shared ones."""
    return await proxy.forward(services.cj_assessment, "GET", "/v1/assignments")


@router.get("/v1/assignments/{assignment_id}", response_model=AssignmentView, responses=answers(AssignmentView, 404))
async def get_assignment(assignment_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.cj_assessment, "GET", f"/v1/assignments/{assignment_id}")


@router.patch(
    "/v1/assignments/{assignment_id}", response_model=AssignmentView, responses=answers(AssignmentView, 403, 404)
)
async def update_assignment(
    assignment_id: uuid.UUID, body: AssignmentUpdateRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Only the fields sent change; `student_prompt: null` and `rubric: null` remove them."""
    return await proxy.forward(services.cj_assessment, "PATCH", f"/v1/assignments/{assignment_id}", body=body)


@router.get("/v1/assignments/{assignment_id}/anchors", response_model=AnchorList, responses=answers(AnchorList, 404))
async def list_anchors(assignment_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.cj_assessment, "GET", f"/v1/assignments/{assignment_id}/anchors")


@router.post(
    "/v1/assignments/{assignment_id}/anchors",
    status_code=201,
    response_model=AnchorView,
    responses=answers(AnchorView, 403, 404, 409, status=201),
)
async def add_anchor(
    assignment_id: uuid.UUID, body: AnchorCreateRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """One anchor essay with its known grade."""
    path = f"/v1/assignments/{assignment_id}/anchors"
    return await proxy.forward(services.cj_assessment, "POST", path, body=body)


@router.post(
    "/v1/assignments/{assignment_id}/anchors/bulk",
    status_code=201,
    response_model=AnchorList,
    responses=answers(AnchorList, 403, 404, 409, 413, status=201),
    openapi_extra=_MULTIPART_ANCHORS,
)
async def add_anchors_bulk(
    assignment_id: uuid.UUID, request: Request, proxy: ProxyDep, services: ServicesDep, limits: UploadLimitsDep
) -> Response:
    """Many anchors at once, all or nothing, streamed to CJ (413 as soon as a limit is passed)."""
    headers = request.headers
    upload = guarded_upload(
        request.stream(), headers.get("content-type"), headers.get("content-length"), limits.anchors
    )
    path = f"/v1/assignments/{assignment_id}/anchors/bulk"
    return await proxy.forward(services.cj_assessment, "POST", path, content=upload, long=True)


@router.delete(
    "/v1/assignments/{assignment_id}/anchors/{anchor_id}",
    status_code=204,
    response_class=Response,
    responses=answers(None, 403, 404, status=204),
)
async def remove_anchor(
    assignment_id: uuid.UUID, anchor_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep
) -> Response:
    path = f"/v1/assignments/{assignment_id}/anchors/{anchor_id}"
    return await proxy.forward(services.cj_assessment, "DELETE", path)
