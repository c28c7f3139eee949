"""A student's data export (issue 23): the BFF composes it from every owner; the gateway names the file.

``GET /v1/students/{student_id}/export`` is the BFF's internal ``GET /internal/v1/students/{id}/export``
for the token's teacher, answered as a download. The BFF asks the owners one step after another (the
student, then their batches, then each essay's text and comparisons), each call under its own bound, so
the gateway waits the long bound for it, as for an upload or an estimate.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from common_core.http.access import StudentDataExport

answers = answers_of("bff_teacher_service")
router = APIRouter(tags=["classes and students"])

_DOWNLOAD = answers(StudentDataExport, 404)
_DOWNLOAD[200]["headers"] = {
    "Content-Disposition": {
        "description": 'A download: `attachment; filename="student-<student_id>.json"`.',
        "schema": {"type": "string"},
    }
}


@router.get("/v1/students/{student_id}/export", response_model=StudentDataExport, responses=_DOWNLOAD)
async def export_student_data(student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Everything the platform holds about the student, as one JSON file (schema: `StudentDataExport`): the
    student and their classes, and every essay confirmed as theirs with its text, result and the comparisons
    that judged it (the other essay by id only). `gaps` names a service that did not answer: its part is
    missing. Each service logs the export in the teacher's access log."""
    path = f"/internal/v1/students/{student_id}/export"
    response = await proxy.forward(services.bff_teacher, "GET", path, long=True)
    if response.status_code == 200:
        response.headers["content-disposition"] = f'attachment; filename="student-{student_id}.json"'
    return response
