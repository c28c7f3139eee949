"""Asks CJ assessment service which assignments a teacher shares, before the teacher's account is deleted.

Fails closed: an account is deleted only after CJ answered an empty list. CJ down, timing out, or
answering anything but a ``SharedAssignmentList`` is a ``ServiceUnavailableError`` (503), and nothing
is deleted.
"""

from __future__ import annotations

import httpx
import structlog
from pydantic import ValidationError

from common_core.http.class_management import SharedAssignmentList, SharedAssignmentRef
from huleedu_service_libs.errors import ServiceUnavailableError
from huleedu_service_libs.http.client import request_with_retries
from huleedu_service_libs.http.identity import USER_ID_HEADER

logger = structlog.stdlib.get_logger(__name__)

_UNAVAILABLE = (
    "CJ assessment service could not say whether the account shares assignments with colleagues; "
    "nothing was deleted, try again shortly"
)


class CJSharedAssignments:
    """service_layer.ports.SharedAssignmentSource over CJ's internal route."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def shared_assignments(self, user_id: str) -> list[SharedAssignmentRef]:
        path = f"/internal/v1/users/{user_id}/shared-assignments"
        try:
            # A GET: safe to retry while CJ is briefly unreachable or answers 5xx.
            response = await request_with_retries(self._client, "GET", path, headers={USER_ID_HEADER: user_id})
            response.raise_for_status()
            return SharedAssignmentList.model_validate_json(response.content).items
        except (httpx.HTTPError, ValidationError) as exc:
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            logger.warning("shared_assignments_unavailable", user_id=user_id, error=type(exc).__name__, status=status)
            raise ServiceUnavailableError(_UNAVAILABLE) from exc
