"""One batch's events for RAS's tests: the payloads both the service-layer and the integration tests fold.

``BatchEvents`` builds each payload and wraps it as its tests' fold receives it (``_wrap``): a
``ConsumedEvent`` for the service layer's fakes (tests/service_layer/conftest.py), an ``EventEnvelope`` on
its topic for the running service (tests/integration/conftest.py). The subclasses add what only theirs send.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    FailureReason,
    JobUsage,
)
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from common_core.llm import LLMProvider
from common_core.status import CJJobState

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

USAGE = JobUsage(
    provider=LLMProvider.MOCK,
    model="mock-judge",
    llm_calls=38,
    input_tokens=34_200,
    output_tokens=1_520,
    cost_usd=0.25,
    unreported=0,
)

E = TypeVar("E")


class BatchEvents(Generic[E]):
    """Events of one batch, each ``minutes`` after ``created`` (so their order is known)."""

    stop_detail = "reliability 0.81 reached the target 0.80"

    def __init__(self, user_id: str = "teacher-1", title: str = "Argumentative essays", created: datetime = T0) -> None:
        self.batch_id = uuid.uuid4()
        self.user_id = user_id
        self.title = title
        self.created = created
        self.essay_ids = [uuid.uuid4() for _ in range(3)]
        self.anchor_id = uuid.uuid4()

    def at(self, minutes: float) -> datetime:
        return self.created + timedelta(minutes=minutes)

    def _wrap(self, payload: BaseModel, minutes: float) -> E:
        raise NotImplementedError

    def registered(self, minutes: float = 0) -> E:
        return self._wrap(self._registration(), minutes)

    def renamed(self, title: str, minutes: float, course_code: str | None = None) -> E:
        payload = BatchUpdatedV1(
            batch_id=self.batch_id,
            user_id=self.user_id,
            title=title,
            course_code=course_code,
            updated_at=self.at(minutes),
        )
        return self._wrap(payload, minutes)

    def deleted(self, minutes: float) -> E:
        payload = BatchDeletedV1(batch_id=self.batch_id, user_id=self.user_id, deleted_at=self.at(minutes))
        return self._wrap(payload, minutes)

    def uploaded(self, index: int, minutes: float = 1) -> E:
        return self._wrap(self._upload(index), minutes)

    def student_erased(self, *indexes: int, minutes: float) -> E:
        """Class management erased the student who wrote these of the batch's essays."""
        essays = [ErasedEssay(batch_id=self.batch_id, essay_id=self.essay_ids[index]) for index in indexes]
        payload = StudentErasedV1(
            student_id=uuid.uuid4(), user_id=self.user_id, essays=essays, erased_at=self.at(minutes)
        )
        return self._wrap(payload, minutes)

    def account_deleted(self, minutes: float) -> E:
        """The batch's teacher deleted their account."""
        return self._wrap(TeacherAccountDeletedV1(user_id=self.user_id, deleted_at=self.at(minutes)), minutes)

    def progress(self, job_id: uuid.UUID, state: CJJobState, percent: float, minutes: float) -> E:
        return self._wrap(self._progress(job_id, state, percent), minutes)

    def completed(
        self,
        job_id: uuid.UUID,
        minutes: float,
        *,
        usage: JobUsage | None = USAGE,
        essays_assessed: int = 3,
        forced_recovery: bool = False,
    ) -> E:
        return self._wrap(self._completion(job_id, usage, essays_assessed, forced_recovery), minutes)

    def failed(self, job_id: uuid.UUID | None, minutes: float, *, usage: JobUsage | None = None) -> E:
        return self._wrap(self._failure(job_id, usage), minutes)

    # --- the payloads, with the fields a subclass adds ----------------------------------------

    def _registration(self, **extra: Any) -> BatchRegisteredV1:
        return BatchRegisteredV1(
            batch_id=self.batch_id,
            user_id=self.user_id,
            title=self.title,
            course_code="ENG5",
            created_at=self.created,
            **extra,
        )

    def _upload(self, index: int, **extra: Any) -> EssayUploadedV1:
        return EssayUploadedV1(
            batch_id=self.batch_id,
            essay_id=self.essay_ids[index],
            filename=f"essay-{index}.docx",
            text_ref=f"{index}" * 64,
            word_count=300 + index,
            **extra,
        )

    def _progress(self, job_id: uuid.UUID, state: CJJobState, percent: float, **extra: Any) -> CJAssessmentProgressV1:
        return CJAssessmentProgressV1(
            batch_id=self.batch_id,
            job_id=job_id,
            state=state,
            wave=int(percent // 25),
            comparisons_done=int(percent * 0.4),
            comparisons_planned=40,
            progress_percentage=percent,
            reliability_ssr=round(percent / 120, 3),
            **extra,
        )

    def _completion(
        self, job_id: uuid.UUID, usage: JobUsage | None, essays_assessed: int, forced_recovery: bool
    ) -> CJAssessmentCompletedV1:
        return CJAssessmentCompletedV1(
            batch_id=self.batch_id,
            job_id=job_id,
            essays_assessed=essays_assessed,
            anchors_used=1,
            comparisons_completed=38,
            comparisons_failed=2,
            duration_seconds=312.5,
            stop_reason="reliability_reached",
            stop_detail=self.stop_detail,
            position_bias=0.12,
            position_bias_se=0.2,
            usage=usage,
            forced_recovery=forced_recovery,
        )

    def _failure(self, job_id: uuid.UUID | None, usage: JobUsage | None, **extra: Any) -> CJAssessmentFailedV1:
        return CJAssessmentFailedV1(
            batch_id=self.batch_id,
            job_id=job_id,
            error=FailureReason(code="LLM_UNAVAILABLE", message="The judge could not be reached."),
            comparisons_completed=4,
            comparisons_failed=9,
            usage=usage,
            **extra,
        )
