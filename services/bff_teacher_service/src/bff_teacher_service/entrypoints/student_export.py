"""``GET /internal/v1/students/{student_id}/export``: a student's data export, for the gateway only.

An internal route: the key and the gateway's service id are checked before routing (the shared
``/internal`` guard, allow-list ``api_gateway_service``) and again here; the teacher is ``X-User-ID``
(401 without one). The gateway exposes it as ``GET /v1/students/{student_id}/export`` and names the file.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.service_layer.student_export import StudentExports
from common_core.http.access import StudentDataExport
from huleedu_service_libs.http.fastapi_support import Identity, internal_caller


def _student_exports(request: Request) -> StudentExports:
    exports: StudentExports = request.app.state.student_exports
    return exports


StudentExportsDep = Annotated[StudentExports, Depends(_student_exports)]

router = APIRouter(tags=["student data export"], dependencies=[Depends(internal_caller(GATEWAY))])


@router.get("/internal/v1/students/{student_id}/export", response_model=StudentDataExport)
async def student_export(
    student_id: UUID, identity: Identity, exports: StudentExportsDep, response: Response
) -> StudentDataExport:
    """Everything the platform holds about the student: their classes, and every essay confirmed as theirs
    with its text, result and the comparisons that judged it; 404 when the student is not the teacher's."""
    # A student's personal data: never kept by a shared cache.
    response.headers["cache-control"] = "private, no-store"
    return await exports.export(identity.user_id, student_id)
