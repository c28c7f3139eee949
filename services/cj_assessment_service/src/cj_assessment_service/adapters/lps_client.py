"""LPS's comparison API: one ``POST /internal/v1/comparisons`` per wave, answered 202."""

from __future__ import annotations

import httpx

from common_core.http.llm_provider import ComparisonBatchAccepted, ComparisonBatchRequest
from huleedu_service_libs.errors import ExternalServiceError, ValidationFailedError

COMPARISONS_PATH = "/internal/v1/comparisons"


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
