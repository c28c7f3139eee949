"""The BFF's job read API, cancellation, the assignment lookup, class management's question before it
deletes an account, and the teacher's access log (internal; identity from ``X-User-ID``)."""

from __future__ import annotations

import uuid

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from cj_assessment_service.service_layer.assignments import AssignmentService
from cj_assessment_service.service_layer.job_queries import JobQueries
from common_core.http.cj_assessment import MAX_COMPARISON_PAGE
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.http.quart_support import access_log_page, current_accessor, current_identity, internal_route
from huleedu_service_libs.http.request_input import MAX_OFFSET, query_int

READ_CALLERS = ("bff_teacher_service", "api_gateway_service")
CANCEL_CALLERS = ("api_gateway_service", "content_service", "bff_teacher_service")
# Content service checks a batch's or an assessment's assignment before storing it (issue 14, defect 10).
ASSIGNMENT_LOOKUP_CALLERS = ("content_service", "api_gateway_service", "bff_teacher_service")
# Class management refuses to delete an account that still shares assignments (issue 23).
SHARED_ASSIGNMENTS_CALLERS = ("class_management_service",)
ACCESS_LOG_READERS = ("bff_teacher_service",)


def internal_blueprint(queries: JobQueries, assignments: AssignmentService, access_log: AccessLog) -> Blueprint:
    bp = Blueprint("cj_internal", __name__)

    @bp.get("/internal/v1/jobs/<uuid:job_id>")
    @internal_route(*READ_CALLERS)
    async def get_job(job_id: uuid.UUID) -> ResponseReturnValue:
        return (await queries.job(job_id, current_identity().user_id)).model_dump(mode="json")

    @bp.get("/internal/v1/jobs/<uuid:job_id>/essays/<uuid:essay_id>/comparisons")
    @internal_route(*READ_CALLERS)
    async def essay_comparisons(job_id: uuid.UUID, essay_id: uuid.UUID) -> ResponseReturnValue:
        view = await queries.essay_comparisons(job_id, essay_id, current_identity().user_id, current_accessor())
        return view.model_dump(mode="json")

    @bp.get("/internal/v1/jobs/<uuid:job_id>/comparisons")
    @internal_route(*READ_CALLERS)
    async def job_comparisons(job_id: uuid.UUID) -> ResponseReturnValue:
        limit = query_int(request.args, "limit", 200, minimum=1, maximum=MAX_COMPARISON_PAGE)
        offset = query_int(request.args, "offset", 0, minimum=0, maximum=MAX_OFFSET)
        view = await queries.job_comparisons(job_id, current_identity().user_id, current_accessor(), limit, offset)
        return view.model_dump(mode="json")

    @bp.post("/internal/v1/jobs/<uuid:job_id>/cancel")
    @internal_route(*CANCEL_CALLERS)
    async def cancel_job(job_id: uuid.UUID) -> ResponseReturnValue:
        return (await queries.cancel(job_id, current_identity().user_id)).model_dump(mode="json")

    @bp.get("/internal/v1/assignments/<uuid:assignment_id>")
    @internal_route(*ASSIGNMENT_LOOKUP_CALLERS)
    async def usable_assignment(assignment_id: uuid.UUID) -> ResponseReturnValue:
        return (await assignments.usable(assignment_id, current_identity().user_id)).model_dump(mode="json")

    @bp.get("/internal/v1/users/<user_id>/shared-assignments")
    @internal_route(*SHARED_ASSIGNMENTS_CALLERS)
    async def shared_assignments(user_id: str) -> ResponseReturnValue:
        return (await assignments.shared_by(user_id, current_identity().user_id)).model_dump(mode="json")

    @bp.get("/internal/v1/users/<user_id>/access-log")
    @internal_route(*ACCESS_LOG_READERS)
    async def user_access_log(user_id: str) -> ResponseReturnValue:
        return (await access_log_page(access_log, user_id)).model_dump(mode="json")

    return bp
