"""CJ's estimate of an assessment (``POST /internal/v1/estimates``), asked for the teacher in ``X-User-ID``.

CJ's refusals keep their meaning and its words (404 for an assignment the teacher may not use, 400 for
settings it cannot run, 409 for a run that would fail); CJ down, timing out or failing is a 503.
"""

from __future__ import annotations

import httpx
import structlog

from common_core.http.estimates import AssessmentEstimate, AssessmentEstimateRequest
from huleedu_service_libs.errors import (
    ConflictError,
    HuleEduError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from huleedu_service_libs.http.client import passed_on
from huleedu_service_libs.http.identity import USER_ID_HEADER

logger = structlog.stdlib.get_logger(__name__)

ESTIMATES_PATH = "/internal/v1/estimates"
_PASSED_ON: dict[int, type[HuleEduError]] = {400: ValidationFailedError, 404: NotFoundError, 409: ConflictError}


class CJEstimates:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def estimate(self, owner_id: str, request: AssessmentEstimateRequest) -> AssessmentEstimate:
        try:
            # A POST, but it changes nothing: still sent once, as every POST is.
            response = await self._client.post(
                ESTIMATES_PATH,
                content=request.model_dump_json(),
                headers={"Content-Type": "application/json", USER_ID_HEADER: owner_id},
            )
        except httpx.HTTPError as exc:
            logger.warning("estimate_failed", peer="cj_assessment_service", error=type(exc).__name__)
            raise ServiceUnavailableError(
                f"CJ assessment service could not be reached for the estimate ({type(exc).__name__}); try again shortly"
            ) from exc
        if response.status_code == 200:
            return AssessmentEstimate.model_validate_json(response.content)
        refusal = _PASSED_ON.get(response.status_code)
        if refusal is not None:
            raise passed_on(response, refusal, "CJ refused the estimate")
        logger.warning("estimate_failed", peer="cj_assessment_service", status=response.status_code)
        raise ServiceUnavailableError(
            f"CJ assessment service could not estimate (it answered {response.status_code}); try again shortly"
        )
