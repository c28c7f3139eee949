"""What the views need from the owners, as Protocols: the HTTP adapter in production, fakes in tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

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
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import (
    BatchDetailResponse,
    BatchHistoryResponse,
    BatchListResponse,
    UserSummaryResponse,
)
from common_core.status import BatchStatus

# The owners by the names a teacher reads in a gap ("Class management did not answer in time").
CLASS_MANAGEMENT = "Class management"
CJ_ASSESSMENT = "The assessment service"
LLM_PROVIDER = "The model catalogue"
RESULT_AGGREGATOR = "The result aggregator"
CONTENT = "The content service"
# The owners of personal data by their service names: what their access-log entries carry in
# ``recorded_by``, and how the access log and the student export name one that failed.
SERVICE_NAMES = {
    CLASS_MANAGEMENT: "class_management_service",
    CJ_ASSESSMENT: "cj_assessment_service",
    RESULT_AGGREGATOR: "result_aggregator_service",
    CONTENT: "content_service",
}


@dataclass(frozen=True)
class OwnerReply:
    """An owner's answer passed on as it is: its status (below 500) and its JSON body."""

    status: int
    body: bytes


class OwnerError(Exception):
    """An owner gave no usable answer: unreachable, an error status, or a body outside its contract."""

    def __init__(self, owner: str, reason: str, status: int | None = None, *, timed_out: bool = False) -> None:
        super().__init__(f"{owner} {reason}")
        self.owner = owner
        self.reason = reason
        self.timed_out = timed_out
        # The owner's error status, when it answered one: 404 is "not this teacher's", not an outage.
        self.status = status


class Owners(Protocol):
    """Each call is on behalf of one teacher, named by the gateway; raises :class:`OwnerError`."""

    def exporting(self) -> Owners:
        """The same owners, each call saying it reads for an export (the owners log it as one)."""
        ...

    async def classes(self, user_id: str) -> ClassList: ...

    async def assignments(self, user_id: str) -> AssignmentList: ...

    async def assignment(self, user_id: str, assignment_id: UUID) -> AssignmentView: ...

    async def anchors(self, user_id: str, assignment_id: UUID) -> AnchorList: ...

    async def model_catalogue(self, user_id: str) -> ModelCatalogue: ...

    async def user_summary(self, user_id: str) -> UserSummaryResponse: ...

    async def recent_batches(
        self, user_id: str, limit: int, statuses: Sequence[BatchStatus] = ()
    ) -> BatchListResponse: ...

    async def batch_detail(self, user_id: str, batch_id: UUID) -> BatchDetailResponse: ...

    async def batch_class_info(self, user_id: str, batch_id: UUID) -> BatchClassInfoResponse: ...

    async def student_names(self, user_id: str, batch_id: UUID) -> BatchStudentNamesResponse: ...

    async def unconfirmed_matches(self, user_id: str, limit: int) -> UnconfirmedMatchesPage: ...

    async def batch_essays(self, user_id: str, batch_id: UUID) -> EssayList: ...

    async def text(self, user_id: str, text_ref: str) -> StoredText: ...

    async def job(self, user_id: str, job_id: UUID) -> JobView: ...

    async def estimate(self, user_id: str, batch_id: UUID, llm: LLMSettings) -> OwnerReply: ...

    async def essay_comparisons(self, user_id: str, job_id: UUID, essay_id: UUID) -> EssayComparisons: ...

    async def job_comparisons(self, user_id: str, job_id: UUID, limit: int, offset: int) -> JobComparisonPage: ...

    async def access_log(self, user_id: str, owner: str, limit: int, before: datetime | None) -> AccessLogPage:
        """``owner``'s log of the teacher's data (one of the names above), newest first, older than ``before``."""
        ...

    async def student_record(self, user_id: str, student_id: UUID) -> StudentRecord: ...

    async def batch_history(self, user_id: str, batch_id: UUID) -> BatchHistoryResponse: ...

    async def moderation(
        self, user_id: str, job_id: UUID, method: str, path: str, body: bytes | None = None
    ) -> OwnerReply:
        """CJ's ``/internal/v1/jobs/{job_id}/moderation/{path}``; its answers below 500 passed on as they are."""
        ...

    async def moderated_jobs(self, user_id: str) -> ModeratedJobList:
        """CJ: the jobs colleagues added this teacher to as a moderator, newest first."""
        ...

    async def lookup_account(self, user_id: str, email: str) -> AccountLookupResponse:
        """Class management: a colleague's account id by email (404 for an unknown email)."""
        ...
