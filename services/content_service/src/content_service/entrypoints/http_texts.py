"""The internal text store: ``/internal/v1/texts`` for CJ, CMS, the BFF and the gateway (internal key only).

Reads with ``X-User-ID`` act for that teacher, see only the essays of their own batches and are written
to the access log. Reads without a user are service-to-service lookups (processing, not access), open
only to CJ (a job's essays and assignment texts) and CMS (essay openings for name matching).
A store with ``X-User-ID`` makes that teacher an owner of the text (see ``service_layer/texts.py``).
"""

from __future__ import annotations

import re

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from common_core.http.content import BatchGetTextsRequest, StoreTextRequest
from content_service.entrypoints.request_helpers import content_context, dump
from content_service.service_layer import texts
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.internal_auth import SERVICE_ID_HEADER
from huleedu_service_libs.http.quart_support import (
    current_accessor,
    current_identity,
    internal_route,
    json_body,
    optional_identity,
)

TEXT_WRITERS = ("cj_assessment_service", "bff_teacher_service", "api_gateway_service")
# CMS only reads: the first lines of uploaded essays, to match them to students (issue 6).
TEXT_READERS = (*TEXT_WRITERS, "class_management_service")
USERLESS_READERS = ("cj_assessment_service", "class_management_service")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

blueprint = Blueprint("texts", __name__)


def _reader() -> Accessor:
    """Who reads: a teacher, or (no user) CJ's and CMS's own lookups; 401 for anyone else without a user."""
    # internal_route has authenticated the service id already.
    if optional_identity() is None and request.headers.get(SERVICE_ID_HEADER) not in USERLESS_READERS:
        current_identity()  # raises the 401
    return current_accessor()


@blueprint.get("/internal/v1/texts/<text_id>")
@internal_route(*TEXT_READERS)
async def get_text(text_id: str) -> ResponseReturnValue:
    if not _SHA256_HEX.match(text_id):
        raise ValidationFailedError(
            "text_id must be 64 lower-case hex characters (sha256)", details={"field": "text_id"}
        )
    return dump(await texts.get_text(content_context(), _reader(), text_id))


@blueprint.post("/internal/v1/texts/batch-get")
@internal_route(*TEXT_READERS)
@json_body(BatchGetTextsRequest)
async def batch_get_texts(body: BatchGetTextsRequest) -> ResponseReturnValue:
    return dump(await texts.get_texts(content_context(), _reader(), body.text_ids))


@blueprint.post("/internal/v1/texts")
@internal_route(*TEXT_WRITERS)
@json_body(StoreTextRequest)
async def store_text(body: StoreTextRequest) -> ResponseReturnValue:
    identity = optional_identity()  # the teacher whose assignment text it is, when the caller names them
    stored, created = await texts.store_text(content_context(), identity.user_id if identity else None, body)
    return dump(stored), 201 if created else 200
