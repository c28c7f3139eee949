"""The owners' HTTP APIs, called with the internal key, the BFF's service id and the teacher's id.

No retries: a view is waiting, and a failed optional part becomes a gap rather than a slow page.
The adapter for an export (:meth:`HttpOwners.exporting`) also sends ``X-Access-Purpose: export`` on
every call, so each owner logs the read as an export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    CONTENT,
    LLM_PROVIDER,
    RESULT_AGGREGATOR,
    OwnerError,
    OwnerReply,
)
from common_core.events.cj_assessment import LLMSettings
from common_core.http.access import ACCESS_PURPOSE_HEADER, AccessAction, AccessLogPage
from common_core.http.cj_assessment import (
    AnchorList,
    AssignmentList,
    AssignmentView,
    EssayComparisons,
    JobComparisonPage,
    JobView,
)
from common_core.http.cj_moderation import ModeratedJobList
from common_core.http.class_management import (
    AccountLookupRequest,
    AccountLookupResponse,
    BatchClassInfoResponse,
    BatchStudentNamesResponse,
    ClassList,
    StudentRecord,
    UnconfirmedMatchesPage,
)
from common_core.http.content import EssayList, StartAssessmentRequest, StoredText
from common_core.http.estimates import AssessmentEstimate
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import (
    BatchDetailResponse,
    BatchHistoryResponse,
    BatchListResponse,
    UserSummaryResponse,
)
from common_core.status import BatchStatus
from huleedu_service_libs.http.identity import USER_ID_HEADER
from huleedu_service_libs.http.internal_auth import internal_headers

SERVICE_ID = "bff_teacher_service"
ModelT = TypeVar("ModelT", bound=BaseModel)
Params = list[tuple[str, str | int | float | bool | None]]


class HttpOwners:
    def __init__(self, client: httpx.AsyncClient, settings: Settings, *, purpose: AccessAction | None = None) -> None:
        self._client = client
        self._settings = settings
        self._api_key = settings.effective_internal_api_key()
        self._purpose = purpose

    def exporting(self) -> HttpOwners:
        return HttpOwners(self._client, self._settings, purpose=AccessAction.EXPORT)

    async def classes(self, user_id: str) -> ClassList:
        url = f"{self._settings.class_management_service_url.rstrip('/')}/v1/classes"
        return await self._get(CLASS_MANAGEMENT, url, ClassList, user_id)

    async def assignments(self, user_id: str) -> AssignmentList:
        url = f"{self._settings.cj_assessment_service_url.rstrip('/')}/v1/assignments"
        return await self._get(CJ_ASSESSMENT, url, AssignmentList, user_id)

    async def assignment(self, user_id: str, assignment_id: UUID) -> AssignmentView:
        url = f"{self._cj()}/v1/assignments/{assignment_id}"
        return await self._get(CJ_ASSESSMENT, url, AssignmentView, user_id)

    async def anchors(self, user_id: str, assignment_id: UUID) -> AnchorList:
        url = f"{self._cj()}/v1/assignments/{assignment_id}/anchors"
        return await self._get(CJ_ASSESSMENT, url, AnchorList, user_id)

    async def model_catalogue(self, user_id: str) -> ModelCatalogue:
        url = f"{self._settings.llm_provider_service_url.rstrip('/')}/internal/v1/providers"
        return await self._get(LLM_PROVIDER, url, ModelCatalogue, user_id)

    async def user_summary(self, user_id: str) -> UserSummaryResponse:
        url = f"{self._ras()}/internal/v1/users/{quote(user_id, safe='')}/summary"
        return await self._get(RESULT_AGGREGATOR, url, UserSummaryResponse, user_id)

    async def recent_batches(self, user_id: str, limit: int, statuses: Sequence[BatchStatus] = ()) -> BatchListResponse:
        url = f"{self._ras()}/internal/v1/users/{quote(user_id, safe='')}/batches"
        params: Params = [("limit", limit)] + [("status", status.value) for status in statuses]
        return await self._get(RESULT_AGGREGATOR, url, BatchListResponse, user_id, params=params)

    async def batch_detail(self, user_id: str, batch_id: UUID) -> BatchDetailResponse:
        url = f"{self._ras()}/internal/v1/batches/{batch_id}"
        return await self._get(RESULT_AGGREGATOR, url, BatchDetailResponse, user_id)

    async def batch_class_info(self, user_id: str, batch_id: UUID) -> BatchClassInfoResponse:
        url = f"{self._cms()}/internal/v1/batches/class-info"
        params: Params = [("batch_ids", str(batch_id))]
        return await self._get(CLASS_MANAGEMENT, url, BatchClassInfoResponse, user_id, params=params)

    async def student_names(self, user_id: str, batch_id: UUID) -> BatchStudentNamesResponse:
        url = f"{self._cms()}/internal/v1/batches/{batch_id}/student-names"
        return await self._get(CLASS_MANAGEMENT, url, BatchStudentNamesResponse, user_id)

    async def unconfirmed_matches(self, user_id: str, limit: int) -> UnconfirmedMatchesPage:
        url = f"{self._cms()}/internal/v1/batches/unconfirmed-matches"
        params: Params = [("limit", limit)]
        return await self._get(CLASS_MANAGEMENT, url, UnconfirmedMatchesPage, user_id, params=params)

    async def batch_essays(self, user_id: str, batch_id: UUID) -> EssayList:
        url = f"{self._content()}/v1/batches/{batch_id}/essays"
        return await self._get(CONTENT, url, EssayList, user_id)

    async def text(self, user_id: str, text_ref: str) -> StoredText:
        url = f"{self._content()}/internal/v1/texts/{quote(text_ref, safe='')}"
        return await self._get(CONTENT, url, StoredText, user_id)

    async def job(self, user_id: str, job_id: UUID) -> JobView:
        return await self._get(CJ_ASSESSMENT, f"{self._cj()}/internal/v1/jobs/{job_id}", JobView, user_id)

    async def essay_comparisons(self, user_id: str, job_id: UUID, essay_id: UUID) -> EssayComparisons:
        url = f"{self._cj()}/internal/v1/jobs/{job_id}/essays/{essay_id}/comparisons"
        return await self._get(CJ_ASSESSMENT, url, EssayComparisons, user_id)

    async def job_comparisons(self, user_id: str, job_id: UUID, limit: int, offset: int) -> JobComparisonPage:
        url = f"{self._cj()}/internal/v1/jobs/{job_id}/comparisons"
        params: Params = [("limit", limit), ("offset", offset)]
        return await self._get(CJ_ASSESSMENT, url, JobComparisonPage, user_id, params=params)

    async def estimate(self, user_id: str, batch_id: UUID, llm: LLMSettings) -> OwnerReply:
        """Content's estimate of a run with these settings; its refusals (404, 409, 422) are passed on."""
        url = f"{self._content()}/v1/batches/{batch_id}/estimate"
        body = StartAssessmentRequest(llm=llm).model_dump_json(exclude_defaults=True).encode()
        headers = {**self._headers(user_id), "content-type": "application/json"}
        # Content waits up to a minute for CJ's simulation of an unseen batch size.
        timeout = httpx.Timeout(self._settings.estimate_timeout_s)
        response = await self._send(CONTENT, "POST", url, headers=headers, content=body, timeout=timeout)
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise OwnerError(CONTENT, f"answered with status {response.status_code}", response.status_code)
        if response.status_code == httpx.codes.OK:
            _validated(CONTENT, AssessmentEstimate, response.content)
        return OwnerReply(response.status_code, response.content)

    async def access_log(self, user_id: str, owner: str, limit: int, before: datetime | None) -> AccessLogPage:
        base = {
            CONTENT: self._content(),
            CLASS_MANAGEMENT: self._cms(),
            CJ_ASSESSMENT: self._cj(),
            RESULT_AGGREGATOR: self._ras(),
        }[owner]
        url = f"{base}/internal/v1/users/{quote(user_id, safe='')}/access-log"
        params: Params = [("limit", limit)] + ([("before", before.isoformat())] if before else [])
        return await self._get(owner, url, AccessLogPage, user_id, params=params)

    async def student_record(self, user_id: str, student_id: UUID) -> StudentRecord:
        url = f"{self._cms()}/internal/v1/students/{student_id}/record"
        return await self._get(CLASS_MANAGEMENT, url, StudentRecord, user_id)

    async def batch_history(self, user_id: str, batch_id: UUID) -> BatchHistoryResponse:
        url = f"{self._ras()}/internal/v1/batches/{batch_id}/history"
        return await self._get(RESULT_AGGREGATOR, url, BatchHistoryResponse, user_id)

    async def moderation(
        self, user_id: str, job_id: UUID, method: str, path: str, body: bytes | None = None
    ) -> OwnerReply:
        """CJ's moderation route ``path`` of the job, for this teacher: CJ checks they own or moderate it.

        Its answers below 500 (200, 201, and its 400/404/409 with the error body) are passed on as they are.
        """
        url = f"{self._cj()}/internal/v1/jobs/{job_id}/moderation/{path}"
        headers = self._headers(user_id)
        if body is not None:
            headers["content-type"] = "application/json"
        response = await self._send(CJ_ASSESSMENT, method, url, headers=headers, content=body)
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise OwnerError(CJ_ASSESSMENT, f"answered with status {response.status_code}", response.status_code)
        return OwnerReply(response.status_code, response.content)

    async def moderated_jobs(self, user_id: str) -> ModeratedJobList:
        url = f"{self._cj()}/internal/v1/users/{quote(user_id, safe='')}/moderation/jobs"
        return await self._get(CJ_ASSESSMENT, url, ModeratedJobList, user_id)

    async def lookup_account(self, user_id: str, email: str) -> AccountLookupResponse:
        url = f"{self._cms()}/internal/v1/users/lookup"
        headers = {**self._headers(user_id), "content-type": "application/json"}
        body = AccountLookupRequest(email=email).model_dump_json().encode()
        response = await self._send(CLASS_MANAGEMENT, "POST", url, headers=headers, content=body)
        if response.status_code != httpx.codes.OK:
            raise OwnerError(CLASS_MANAGEMENT, f"answered with status {response.status_code}", response.status_code)
        return _validated(CLASS_MANAGEMENT, AccountLookupResponse, response.content)

    def _ras(self) -> str:
        return self._settings.result_aggregator_service_url.rstrip("/")

    def _cms(self) -> str:
        return self._settings.class_management_service_url.rstrip("/")

    def _cj(self) -> str:
        return self._settings.cj_assessment_service_url.rstrip("/")

    def _content(self) -> str:
        return self._settings.content_service_url.rstrip("/")

    def _headers(self, user_id: str) -> dict[str, str]:
        headers = internal_headers(SERVICE_ID, self._api_key)
        headers[USER_ID_HEADER] = user_id
        if self._purpose is not None:
            headers[ACCESS_PURPOSE_HEADER] = self._purpose.value
        return headers

    async def _get(
        self,
        owner: str,
        url: str,
        model: type[ModelT],
        user_id: str,
        params: Params | None = None,
    ) -> ModelT:
        response = await self._send(owner, "GET", url, headers=self._headers(user_id), params=params)
        if response.status_code != httpx.codes.OK:
            raise OwnerError(owner, f"answered with status {response.status_code}", response.status_code)
        return _validated(owner, model, response.content)

    async def _send(self, owner: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise OwnerError(owner, "did not answer in time", timed_out=True) from None
        except httpx.HTTPError:
            raise OwnerError(owner, "could not be reached") from None


def _validated(owner: str, model: type[ModelT], content: bytes) -> ModelT:
    try:
        return model.model_validate_json(content)
    except ValidationError:
        raise OwnerError(owner, "gave an answer outside its contract") from None
