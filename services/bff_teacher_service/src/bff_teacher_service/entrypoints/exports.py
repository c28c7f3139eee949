"""The batch's downloads: ``export.csv`` for any gradebook, ``export.xlsx`` with comparisons and settings, and
``export-agreement.csv``: the agreement report of teacher moderation (issue 24), the XLSX's ``Moderation`` sheet.

Same guard and identity as the views; another teacher's batch is a 404 here too.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.entrypoints.views import VIEW_PREFIX
from bff_teacher_service.service_layer.exports import CSV_TYPE, XLSX_TYPE, ExportFile, Exports
from bff_teacher_service.service_layer.ports import OwnerReply
from huleedu_service_libs.http.fastapi_support import Identity, internal_caller


def _exports(request: Request) -> Exports:
    exports: Exports = request.app.state.exports
    return exports


ExportsDep = Annotated[Exports, Depends(_exports)]

router = APIRouter(prefix=VIEW_PREFIX, tags=["exports"], dependencies=[Depends(internal_caller(GATEWAY))])


def _download(export: ExportFile) -> Response:
    # The results are the teacher's students': never kept by a shared cache.
    headers = {"content-disposition": export.content_disposition, "cache-control": "private, no-store"}
    return Response(export.content, media_type=export.media_type, headers=headers)


@router.get("/batches/{batch_id}/export.csv", response_class=Response, responses={200: {"content": {CSV_TYPE: {}}}})
async def export_csv(batch_id: UUID, identity: Identity, exports: ExportsDep) -> Response:
    """One row per student essay (UTF-8 with BOM, formula-looking cells escaped)."""
    return _download(await exports.csv(identity.user_id, batch_id))


@router.get("/batches/{batch_id}/export.xlsx", response_class=Response, responses={200: {"content": {XLSX_TYPE: {}}}})
async def export_xlsx(batch_id: UUID, identity: Identity, exports: ExportsDep) -> Response:
    """Sheets: the essays, every comparison with the judge's reasons, and the job's settings and reliability."""
    return _download(await exports.xlsx(identity.user_id, batch_id))


@router.get(
    "/batches/{batch_id}/export-agreement.csv", response_class=Response, responses={200: {"content": {CSV_TYPE: {}}}}
)
async def export_agreement_csv(batch_id: UUID, identity: Identity, exports: ExportsDep) -> Response:
    """The agreement report (the XLSX's Moderation sheet) as CSV: the batch's teacher only; CJ's 409 before the
    assessment has completed passes on."""
    export = await exports.moderation_csv(identity.user_id, batch_id)
    if isinstance(export, OwnerReply):
        return Response(export.body, status_code=export.status, media_type="application/json")
    return _download(export)
