"""LPS's comparison API (one ``POST /internal/v1/comparisons`` per wave, answered 202) and its usage estimates."""

from __future__ import annotations

import httpx

from common_core.http.estimates import UsageEstimate, UsageEstimateRequest
from common_core.http.llm_provider import ComparisonBatchAccepted, ComparisonBatchRequest
from huleedu_service_libs.errors import ExternalServiceError, ServiceUnavailableError, ValidationFailedError
from huleedu_service_libs.http.client import passed_on

COMPARISONS_PATH = "/internal/v1/comparisons"
ESTIMATES_PATH = "/internal/v1/estimates"


class LPSClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def submit(self, request: ComparisonBatchRequest) -> ComparisonBatchAccepted:
        """Submit one wave. Safe to repeat: the request ids are deterministic and LPS dedupes on them.

        Raises ``ExternalServiceError`` (retry later) for transport errors, 429 and 5xx, and
        ``ValidationFailedError`` when LPS refuses the request itself (a bug on this side).
        """
        try:
            response = await self._client.post(
                COMPARISONS_PATH, content=request.model_dump_json(), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise ExternalServiceError(f"LLM provider service unreachable: {type(exc).__name__}") from exc
        if response.status_code in (200, 202):
            return ComparisonBatchAccepted.model_validate_json(response.content)
        if response.status_code == 429 or response.status_code >= 500:
            raise ExternalServiceError(f"LLM provider service answered {response.status_code}")
        raise ValidationFailedError(
            f"LLM provider service refused the wave ({response.status_code})",
            details={"status": response.status_code, "body": response.text[:500]},
        )

    async def estimate(self, request: UsageEstimateRequest) -> UsageEstimate:
        """What LPS says these waves would cost. A model or mode LPS refuses is the caller's 400 (with
        LPS's reason); LPS down, timing out or failing is a 503, since a teacher is waiting."""
        try:
            response = await self._client.post(
                ESTIMATES_PATH, content=request.model_dump_json(), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(
                f"the LLM provider service could not be reached ({type(exc).__name__}); try again shortly"
            ) from exc
        if response.status_code == 200:
            return UsageEstimate.model_validate_json(response.content)
        if response.status_code == 400:
            raise passed_on(response, ValidationFailedError, "the LLM provider service refused the estimate")
        raise ServiceUnavailableError(
            f"the LLM provider service could not estimate (it answered {response.status_code}); try again shortly"
        )
