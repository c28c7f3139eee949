"""The owners' HTTP APIs, called with the internal key, the BFF's service id and the teacher's id.

No retries: a view is waiting, and a failed optional part becomes a gap rather than a slow page.
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    LLM_PROVIDER,
    RESULT_AGGREGATOR,
    OwnerError,
)
from common_core.http.cj_assessment import AssignmentList
from common_core.http.class_management import ClassList
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import BatchListResponse, UserSummaryResponse
from huleedu_service_libs.http.identity import USER_ID_HEADER
from huleedu_service_libs.http.internal_auth import internal_headers

SERVICE_ID = "bff_teacher_service"
ModelT = TypeVar("ModelT", bound=BaseModel)


class HttpOwners:
    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._api_key = settings.effective_internal_api_key()

    async def classes(self, user_id: str) -> ClassList:
        url = f"{self._settings.class_management_service_url.rstrip('/')}/v1/classes"
        return await self._get(CLASS_MANAGEMENT, url, ClassList, user_id)

    async def assignments(self, user_id: str) -> AssignmentList:
        url = f"{self._settings.cj_assessment_service_url.rstrip('/')}/v1/assignments"
        return await self._get(CJ_ASSESSMENT, url, AssignmentList, user_id)

    async def model_catalogue(self, user_id: str) -> ModelCatalogue:
        url = f"{self._settings.llm_provider_service_url.rstrip('/')}/internal/v1/providers"
        return await self._get(LLM_PROVIDER, url, ModelCatalogue, user_id)

    async def user_summary(self, user_id: str) -> UserSummaryResponse:
        url = f"{self._ras()}/internal/v1/users/{quote(user_id, safe='')}/summary"
        return await self._get(RESULT_AGGREGATOR, url, UserSummaryResponse, user_id)

    async def recent_batches(self, user_id: str, limit: int) -> BatchListResponse:
        url = f"{self._ras()}/internal/v1/users/{quote(user_id, safe='')}/batches"
        return await self._get(RESULT_AGGREGATOR, url, BatchListResponse, user_id, params={"limit": limit})

    def _ras(self) -> str:
        return self._settings.result_aggregator_service_url.rstrip("/")

    async def _get(
        self,
        owner: str,
        url: str,
        model: type[ModelT],
        user_id: str,
        params: dict[str, int] | None = None,
    ) -> ModelT:
        headers = internal_headers(SERVICE_ID, self._api_key)
        headers[USER_ID_HEADER] = user_id
        try:
            response = await self._client.get(url, headers=headers, params=params)
        except httpx.TimeoutException:
            raise OwnerError(owner, "did not answer in time") from None
        except httpx.HTTPError:
            raise OwnerError(owner, "could not be reached") from None
        if response.status_code != httpx.codes.OK:
            raise OwnerError(owner, f"answered with status {response.status_code}")
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise OwnerError(owner, "gave an answer outside its contract") from None
