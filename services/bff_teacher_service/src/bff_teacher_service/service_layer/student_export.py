"""A student's data export (issue 23): everything the platform holds about one of the teacher's students.

Class management's record is the core: the student, their classes and the essays confirmed as theirs.
Its 404 (an unknown student, or another teacher's) is the export's 404; any other failure of it fails
the export. Then, for each batch holding those essays, at once: the result aggregator's batch (title,
current results and job) and its history (the earlier jobs), and content's essay list (file name,
upload time, text reference); then for each of the student's essays, its text (content) and, for every
job of its batch, the comparisons that judged it (CJ), seen from this essay's side. The other essay of
a comparison is named by its id only: its text and its author are another student's data.

Every call says ``X-Access-Purpose: export`` (:meth:`Owners.exporting`), so each owner logs an export.
An owner that fails is named in ``gaps`` by its service name and its parts are left out; once one of
its calls has failed, its later calls in the same export are not made (each would wait out the same
outage). A 404 for one part is no gap: the owner holds nothing for it (a text retention purged, a job
CJ no longer has). At most ``MAX_CALLS_AT_ONCE`` calls are out at a time, so a student with many
essays does not flood the owners or the BFF's connection pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Literal, TypeVar
from uuid import UUID

from bff_teacher_service.service_layer.parts import fetch
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    CONTENT,
    RESULT_AGGREGATOR,
    SERVICE_NAMES,
    Owners,
)
from common_core.http.access import (
    ExportedClass,
    ExportedComparison,
    ExportedEssay,
    ExportedResult,
    ExportedStudent,
    StudentDataExport,
)
from common_core.http.cj_assessment import EssayComparison, EssayComparisons
from common_core.http.class_management import ErasureEssay, StudentRecord
from common_core.http.content import EssayView, StoredText
from common_core.http.result_aggregator import BatchDetailResponse, BatchEssay, BatchHistoryResponse, EssayResultView

T = TypeVar("T")
Outcome = Literal["won", "lost", "error"]
MAX_CALLS_AT_ONCE = 8
STUDENT_NOT_FOUND = "Student not found"
# Only comparisons the judge was asked about: a planned pair, or one still open when its job ended
# (abandoned), judged nothing.
_JUDGED = frozenset({"done", "failed"})


@dataclass(frozen=True)
class StudentExports:
    owners: Owners
    timeout_s: float

    async def export(self, user_id: str, student_id: UUID) -> StudentDataExport:
        owners = self.owners.exporting()
        found = await fetch(owners.student_record(user_id, student_id), CLASS_MANAGEMENT, self.timeout_s)
        record = found.required(STUDENT_NOT_FOUND)
        run = _ExportRun(owners, user_id, self.timeout_s)
        by_batch: dict[UUID, list[ErasureEssay]] = {}
        for essay in record.essays:
            by_batch.setdefault(essay.batch_id, []).append(essay)
        batches = await asyncio.gather(*(run.batch(batch_id, essays) for batch_id, essays in by_batch.items()))
        exported = {essay.essay_id: essay for batch in batches for essay in batch}
        return StudentDataExport(
            exported_at=datetime.now(UTC),
            exported_by=user_id,
            student=_student(record),
            essays=[exported[essay.essay_id] for essay in record.essays],
            gaps=run.gaps(),
        )


class _ExportRun:
    """One export's calls to the owners: a bounded number at once, none to an owner that has failed."""

    def __init__(self, owners: Owners, user_id: str, timeout_s: float) -> None:
        self._owners = owners
        self._user_id = user_id
        self._timeout_s = timeout_s
        self._slots = asyncio.Semaphore(MAX_CALLS_AT_ONCE)
        self._failed: dict[str, None] = {}  # an ordered set: the gaps in the order they happened

    def gaps(self) -> list[str]:
        return [SERVICE_NAMES[owner] for owner in self._failed]

    async def batch(self, batch_id: UUID, essays: list[ErasureEssay]) -> list[ExportedEssay]:
        owners, user_id = self._owners, self._user_id
        detail, history, listed = await asyncio.gather(
            self._ask(RESULT_AGGREGATOR, partial(owners.batch_detail, user_id, batch_id)),
            self._ask(RESULT_AGGREGATOR, partial(owners.batch_history, user_id, batch_id)),
            self._ask(CONTENT, partial(owners.batch_essays, user_id, batch_id)),
        )
        uploads = {item.essay_id: item for item in listed.items} if listed else {}
        assessed = {item.essay_id: item for item in detail.essays} if detail else {}
        jobs = _job_ids(detail, history)
        return list(
            await asyncio.gather(
                *(
                    self._essay(
                        essay, detail.batch.title if detail else None, uploads.get(essay.essay_id), assessed, jobs
                    )
                    for essay in essays
                )
            )
        )

    async def _essay(
        self,
        essay: ErasureEssay,
        batch_title: str | None,
        upload: EssayView | None,
        assessed: dict[UUID, BatchEssay],
        jobs: list[UUID],
    ) -> ExportedEssay:
        text, judged = await asyncio.gather(
            self._text(upload),
            asyncio.gather(
                *(
                    self._ask(
                        CJ_ASSESSMENT, partial(self._owners.essay_comparisons, self._user_id, job, essay.essay_id)
                    )
                    for job in jobs
                )
            ),
        )
        in_batch = assessed.get(essay.essay_id)
        return ExportedEssay(
            essay_id=essay.essay_id,
            batch_id=essay.batch_id,
            batch_title=batch_title,
            file_name=upload.filename if upload else essay.filename,
            uploaded_at=upload.uploaded_at if upload else (in_batch.uploaded_at if in_batch else None),
            text=text.content if text else None,
            result=_result(in_batch.result) if in_batch and in_batch.result else None,
            comparisons=[row for found in judged for row in _comparisons(found)],
        )

    async def _text(self, upload: EssayView | None) -> StoredText | None:
        if upload is None:
            return None
        return await self._ask(CONTENT, partial(self._owners.text, self._user_id, upload.text_ref))

    async def _ask(self, owner: str, call: Callable[[], Awaitable[T]]) -> T | None:
        """The owner's answer; None when it holds nothing (404) or has failed in this export (a gap)."""
        async with self._slots:
            if owner in self._failed:
                return None
            part = await fetch(call(), owner, self._timeout_s)
            if part.reason is not None and not part.not_found:
                self._failed[owner] = None
            return part.value


def _job_ids(detail: BatchDetailResponse | None, history: BatchHistoryResponse | None) -> list[UUID]:
    """Every assessment of the batch that the result aggregator knows of: the current one first."""
    current = detail.current_job.job_id if detail and detail.current_job else None
    earlier = [jobs.job.job_id for jobs in history.jobs] if history else []
    return list(dict.fromkeys(job for job in [current, *earlier] if job is not None))


def _student(record: StudentRecord) -> ExportedStudent:
    student = record.student
    return ExportedStudent(
        student_id=student.student_id,
        first_name=student.first_name,
        last_name=student.last_name,
        email=student.email,
        created_at=student.created_at,
        classes=[ExportedClass(class_id=ref.class_id, name=ref.name) for ref in record.classes],
    )


def _result(result: EssayResultView) -> ExportedResult:
    return ExportedResult(
        rank=result.rank,
        score=result.bt_score,
        standard_error=result.standard_error,
        grade=result.grade,
        grade_probabilities=result.grade_probabilities,
        confidence=result.confidence_label,
    )


def _comparisons(found: EssayComparisons | None) -> list[ExportedComparison]:
    if found is None:
        return []
    return [
        ExportedComparison(
            assessment_job_id=found.job_id,
            other_essay_id=str(comparison.opponent_essay_id),
            outcome=_outcome(comparison),
            justification=comparison.justification,
            judged_at=comparison.answered_at,
        )
        for comparison in found.comparisons
        if comparison.status in _JUDGED
    ]


def _outcome(comparison: EssayComparison) -> Outcome:
    if comparison.status == "done" and comparison.won is not None:
        return "won" if comparison.won else "lost"
    return "error"
