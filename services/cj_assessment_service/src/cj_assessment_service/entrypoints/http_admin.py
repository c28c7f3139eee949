"""Teacher routes for assignments and anchors, reached through the gateway (which sends the internal
key, ``X-Service-ID`` and the validated ``X-User-ID``). Thin: parsing and status codes only."""

from __future__ import annotations

import uuid

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from cj_assessment_service.service_layer.assignments import AnchorFile, AssignmentService
from common_core.http.cj_assessment import AnchorCreateRequest, AssignmentCreateRequest, AssignmentUpdateRequest
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import current_identity, internal_route, json_body


def admin_blueprint(service: AssignmentService) -> Blueprint:
    bp = Blueprint("cj_admin", __name__)

    @bp.post("/v1/assignments")
    @internal_route(*TEACHER_CALLERS)
    @json_body(AssignmentCreateRequest)
    async def create_assignment(body: AssignmentCreateRequest) -> ResponseReturnValue:
        user = current_identity()
        view = await service.create(user.user_id, body)
        return view.model_dump(mode="json"), 201

    @bp.get("/v1/assignments")
    @internal_route(*TEACHER_CALLERS)
    async def list_assignments() -> ResponseReturnValue:
        return (await service.list_visible(current_identity().user_id)).model_dump(mode="json")

    @bp.get("/v1/assignments/<uuid:assignment_id>")
    @internal_route(*TEACHER_CALLERS)
    async def get_assignment(assignment_id: uuid.UUID) -> ResponseReturnValue:
        return (await service.get(assignment_id, current_identity().user_id)).model_dump(mode="json")

    @bp.patch("/v1/assignments/<uuid:assignment_id>")
    @internal_route(*TEACHER_CALLERS)
    @json_body(AssignmentUpdateRequest)
    async def update_assignment(assignment_id: uuid.UUID, body: AssignmentUpdateRequest) -> ResponseReturnValue:
        user = current_identity()
        return (await service.update(assignment_id, user.user_id, body)).model_dump(mode="json")

    @bp.get("/v1/assignments/<uuid:assignment_id>/anchors")
    @internal_route(*TEACHER_CALLERS)
    async def list_anchors(assignment_id: uuid.UUID) -> ResponseReturnValue:
        return (await service.list_anchors(assignment_id, current_identity().user_id)).model_dump(mode="json")

    @bp.post("/v1/assignments/<uuid:assignment_id>/anchors")
    @internal_route(*TEACHER_CALLERS)
    @json_body(AnchorCreateRequest)
    async def add_anchor(assignment_id: uuid.UUID, body: AnchorCreateRequest) -> ResponseReturnValue:
        user = current_identity()
        return (await service.add_anchor(assignment_id, user.user_id, body)).model_dump(mode="json"), 201

    @bp.post("/v1/assignments/<uuid:assignment_id>/anchors/bulk")
    @internal_route(*TEACHER_CALLERS)
    async def add_anchors_bulk(assignment_id: uuid.UUID) -> ResponseReturnValue:
        """multipart/form-data: ``files`` (one per anchor, label = file name) and ``grades`` (CSV or JSON)."""
        user = current_identity()
        # Another teacher's or an unknown assignment is a 404 before the upload is even parsed.
        await service.check_editable(assignment_id, user.user_id)
        parts = await request.files
        grades = parts.get("grades")
        grades_file = AnchorFile(grades.filename or "grades.csv", grades.read()) if grades is not None else None
        files = [AnchorFile(f.filename, f.read()) for f in parts.getlist("files") if f.filename]
        created = await service.add_anchor_files(assignment_id, user.user_id, grades_file, files)
        return created.model_dump(mode="json"), 201

    @bp.delete("/v1/assignments/<uuid:assignment_id>/anchors/<uuid:anchor_id>")
    @internal_route(*TEACHER_CALLERS)
    async def remove_anchor(assignment_id: uuid.UUID, anchor_id: uuid.UUID) -> ResponseReturnValue:
        await service.remove_anchor(assignment_id, anchor_id, current_identity().user_id)
        return "", 204

    return bp
