"""``POST /internal/v1/texts/files``: one uploaded file into the text store, vetted like an essay.

CJ sends each anchor file of a bulk anchor upload here, so that there is one text extraction, with
one set of limits, for every text a teacher uploads.
"""

from __future__ import annotations

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from common_core.http.content import TEXT_FILE_FIELD, StoreTextFileForm
from content_service.entrypoints.request_helpers import content_context, dump
from content_service.service_layer import texts
from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.quart_support import internal_route, optional_identity

TEXT_FILE_WRITERS = ("cj_assessment_service",)

blueprint = Blueprint("text_files", __name__)


@blueprint.post("/internal/v1/texts/files")
@internal_route(*TEXT_FILE_WRITERS)
async def store_text_file() -> ResponseReturnValue:
    files = (await request.files).getlist(TEXT_FILE_FIELD)
    if len(files) != 1:
        raise ValidationFailedError(
            f"Send exactly one file in the multipart field '{TEXT_FILE_FIELD}'", details={"field": TEXT_FILE_FIELD}
        )
    form = StoreTextFileForm.model_validate(dict((await request.form).items()))
    identity = optional_identity()  # the teacher whose anchor it is, when CJ names them
    owner = identity.user_id if identity else None
    stored, created = await texts.store_text_file(
        content_context(), owner, files[0].filename, files[0].read(), form.kind
    )
    return dump(stored), 201 if created else 200
