"""Which classes and assignments a teacher may name: asked of their owners over internal HTTP.

CMS owns classes (``GET /internal/v1/classes/{id}``), CJ owns assignments
(``GET /internal/v1/assignments/{id}``); both act for the teacher in ``X-User-ID`` and answer 404
for what the teacher may not use. A peer that cannot answer (down, timing out, or answering
something else) is a ``ServiceUnavailableError``: a batch is never created unchecked.
"""

from __future__ import annotations

import uuid

import httpx
import structlog
from pydantic import ValidationError

from common_core.http.class_management import BatchStudentNamesResponse
from huleedu_service_libs.errors import ServiceUnavailableError
from huleedu_service_libs.http.client import request_with_retries
from huleedu_service_libs.http.identity import USER_ID_HEADER

logger = structlog.stdlib.get_logger(__name__)


async def _may_use(client: httpx.AsyncClient, peer: str, path: str, owner_id: str) -> bool:
    try:
        # A GET: safe to retry when the peer is briefly unreachable or answers 5xx.
        response = await request_with_retries(client, "GET", path, headers={USER_ID_HEADER: owner_id})
    except httpx.HTTPError as exc:
        logger.warning("peer_lookup_failed", peer=peer, path=path, error=type(exc).__name__)
        raise ServiceUnavailableError(f"{peer} could not be reached to check this; try again shortly") from exc
    if response.status_code == 200:
        return True
    if response.status_code == 404:
        return False
    logger.warning("peer_lookup_failed", peer=peer, path=path, status=response.status_code)
    raise ServiceUnavailableError(
        f"{peer} could not check this (it answered {response.status_code}); try again shortly"
    )


class ClassManagementClassLookup:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def owns_class(self, owner_id: str, class_id: uuid.UUID) -> bool:
        return await _may_use(self._client, "class management service", f"/internal/v1/classes/{class_id}", owner_id)

    async def student_names(self, owner_id: str, batch_id: uuid.UUID) -> dict[uuid.UUID, str]:
        path = f"/internal/v1/batches/{batch_id}/student-names"
        try:
            response = await request_with_retries(self._client, "GET", path, headers={USER_ID_HEADER: owner_id})
        except httpx.HTTPError as exc:
            logger.warning("peer_lookup_failed", peer="class management service", path=path, error=type(exc).__name__)
            raise ServiceUnavailableError(_NAMES_UNAVAILABLE) from exc
        if response.status_code == 404:  # CMS has no associations for the batch
            return {}
        try:
            response.raise_for_status()
            names = BatchStudentNamesResponse.model_validate_json(response.content)
        except (httpx.HTTPStatusError, ValidationError) as exc:
            logger.warning(
                "peer_lookup_failed", peer="class management service", path=path, status=response.status_code
            )
            raise ServiceUnavailableError(_NAMES_UNAVAILABLE) from exc
        return {s.essay_id: f"{s.first_name} {s.last_name}" for s in names.students}


_NAMES_UNAVAILABLE = (
    "class management service could not say which students wrote the essays (their names are kept from the "
    "LLM provider); try again shortly"
)


class CJAssignmentLookup:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def may_use_assignment(self, owner_id: str, assignment_id: uuid.UUID) -> bool:
        path = f"/internal/v1/assignments/{assignment_id}"
        return await _may_use(self._client, "CJ assessment service", path, owner_id)
