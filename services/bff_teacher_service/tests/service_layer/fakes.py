"""Owners that answer from the contract examples, fail on request, or hang past any timeout."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel

from bff_teacher_service.service_layer.ports import OwnerError, OwnerReply
from common_core.events.cj_assessment import LLMSettings
from common_core.http.access import AccessLogPage
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
    AccountLookupResponse,
    BatchClassInfoResponse,
    BatchStudentNamesResponse,
    ClassList,
    StudentRecord,
    UnconfirmedMatchesPage,
)
from common_core.http.content import EssayList, StoredText
from common_core.http.examples import example_of
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import (
    BatchDetailResponse,
    BatchHistoryResponse,
    BatchListResponse,
    UserSummaryResponse,
)
from common_core.status import BatchStatus

ModelT = TypeVar("ModelT", bound=BaseModel)

FAIL = "fail"
HANG = "hang"
NOT_FOUND = "not_found"


@dataclass
class FakeOwners:
    """``behaviour`` maps a call's name to FAIL, HANG or NOT_FOUND; ``answers`` replaces a call's example.

    Every call is recorded with its user, and ``arguments`` keeps each call's other arguments;
    ``purposes`` the access purpose each call was made with (``exporting()``'s calls: "export").
    """

    behaviour: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    arguments: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    started: dict[str, float] = field(default_factory=dict)
    purposes: list[tuple[str, str | None]] = field(default_factory=list)
    purpose: str | None = None

    def exporting(self) -> FakeOwners:
        # The same records and answers, shared: only the purpose of the calls differs.
        return dataclasses.replace(self, purpose="export")

    async def _answer(self, name: str, user_id: str, example: str, *args: Any) -> Any:
        self.calls.append((name, user_id))
        self.arguments.append((name, args))
        self.purposes.append((name, self.purpose))
        self.started[name] = asyncio.get_running_loop().time()
        if self.behaviour.get(name) == HANG:
            await asyncio.sleep(3600)
        if self.behaviour.get(name) == FAIL:
            raise OwnerError("The owner", "could not be reached")
        if self.behaviour.get(name) == NOT_FOUND:
            raise OwnerError("The owner", "answered with status 404", 404)
        answer = self.answers.get(name, example_of(example))
        return answer(*args) if callable(answer) else answer

    async def _model(self, model: type[ModelT], name: str, user_id: str, *args: Any) -> ModelT:
        """The call's answer (its contract example unless replaced) as ``model``."""
        return model.model_validate(await self._answer(name, user_id, model.__name__, *args))

    async def classes(self, user_id: str) -> ClassList:
        return await self._model(ClassList, "classes", user_id)

    async def assignments(self, user_id: str) -> AssignmentList:
        return await self._model(AssignmentList, "assignments", user_id)

    async def assignment(self, user_id: str, assignment_id: UUID) -> AssignmentView:
        return await self._model(AssignmentView, "assignment", user_id, assignment_id)

    async def anchors(self, user_id: str, assignment_id: UUID) -> AnchorList:
        return await self._model(AnchorList, "anchors", user_id, assignment_id)

    async def model_catalogue(self, user_id: str) -> ModelCatalogue:
        return await self._model(ModelCatalogue, "model_catalogue", user_id)

    async def user_summary(self, user_id: str) -> UserSummaryResponse:
        return await self._model(UserSummaryResponse, "user_summary", user_id)

    async def recent_batches(self, user_id: str, limit: int, statuses: Sequence[BatchStatus] = ()) -> BatchListResponse:
        # Filtered lists are their own call, so a test can fail one without the recent batches.
        name = "batches_" + "_".join(statuses) if statuses else "recent_batches"
        return await self._model(BatchListResponse, name, user_id, limit)

    async def batch_detail(self, user_id: str, batch_id: UUID) -> BatchDetailResponse:
        return await self._model(BatchDetailResponse, "batch_detail", user_id, batch_id)

    async def batch_class_info(self, user_id: str, batch_id: UUID) -> BatchClassInfoResponse:
        return await self._model(BatchClassInfoResponse, "batch_class_info", user_id, batch_id)

    async def student_names(self, user_id: str, batch_id: UUID) -> BatchStudentNamesResponse:
        return await self._model(BatchStudentNamesResponse, "student_names", user_id, batch_id)

    async def unconfirmed_matches(self, user_id: str, limit: int) -> UnconfirmedMatchesPage:
        return await self._model(UnconfirmedMatchesPage, "unconfirmed_matches", user_id, limit)

    async def batch_essays(self, user_id: str, batch_id: UUID) -> EssayList:
        return await self._model(EssayList, "batch_essays", user_id, batch_id)

    async def text(self, user_id: str, text_ref: str) -> StoredText:
        return await self._model(StoredText, "text", user_id, text_ref)

    async def job(self, user_id: str, job_id: UUID) -> JobView:
        return await self._model(JobView, "job", user_id, job_id)

    async def estimate(self, user_id: str, batch_id: UUID, llm: LLMSettings) -> OwnerReply:
        answer = await self._answer("estimate", user_id, "AssessmentEstimate", batch_id, llm)
        return answer if isinstance(answer, OwnerReply) else OwnerReply(200, json.dumps(answer).encode())

    async def essay_comparisons(self, user_id: str, job_id: UUID, essay_id: UUID) -> EssayComparisons:
        return await self._model(EssayComparisons, "essay_comparisons", user_id, job_id, essay_id)

    async def job_comparisons(self, user_id: str, job_id: UUID, limit: int, offset: int) -> JobComparisonPage:
        return await self._model(JobComparisonPage, "job_comparisons", user_id, job_id, limit, offset)

    async def access_log(self, user_id: str, owner: str, limit: int, before: datetime | None) -> AccessLogPage:
        # One call name per owner, so a test can fail or answer each owner's log on its own.
        name = f"access_log:{owner}"
        return await self._model(AccessLogPage, name, user_id, limit, before)

    async def student_record(self, user_id: str, student_id: UUID) -> StudentRecord:
        return await self._model(StudentRecord, "student_record", user_id, student_id)

    async def batch_history(self, user_id: str, batch_id: UUID) -> BatchHistoryResponse:
        return await self._model(BatchHistoryResponse, "batch_history", user_id, batch_id)

    async def moderation(
        self, user_id: str, job_id: UUID, method: str, path: str, body: bytes | None = None
    ) -> OwnerReply:
        # One call name per route ("moderation:GET next"), so a test can answer or fail each on its own.
        example = _MODERATION_EXAMPLES[path.split("/")[0] if path.startswith("moderators") else path]
        answer = await self._answer(f"moderation:{method} {path}", user_id, example, job_id, body)
        if isinstance(answer, OwnerReply):
            return answer
        return OwnerReply(201 if method == "POST" else 200, json.dumps(answer).encode())

    async def moderated_jobs(self, user_id: str) -> ModeratedJobList:
        return await self._model(ModeratedJobList, "moderated_jobs", user_id)

    async def lookup_account(self, user_id: str, email: str) -> AccountLookupResponse:
        return await self._model(AccountLookupResponse, "lookup_account", user_id, email)


_MODERATION_EXAMPLES = {
    "next": "ModerationNext",
    "verdicts": "ModerationVerdictView",
    "verdicts/last": "ModerationVerdictView",
    "report": "ModerationReport",
    "moderators": "ModeratorList",
}
