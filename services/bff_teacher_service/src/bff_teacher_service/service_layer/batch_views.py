"""The batch page and the essay page: the result aggregator's batch, named and explained.

The batch from the result aggregator is the core part: its 404 (unknown, or another teacher's)
is the page's 404. Class and student names (class management), the essay's text (content) and
its comparisons (CJ) are optional parts: without them the page is answered with a named gap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from bff_teacher_service.domain.essay_rows import essay_rows, student_names
from bff_teacher_service.service_layer.parts import Part, fetch, gaps
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    CONTENT,
    RESULT_AGGREGATOR,
    OwnerError,
    OwnerReply,
    Owners,
)
from common_core.events.cj_assessment import LLMSettings
from common_core.http.bff import (
    BatchResultsView,
    ComparisonOutcome,
    DashboardBatch,
    EssayComparisonRow,
    EssayDetailView,
    EssayRow,
    ViewGap,
)
from common_core.http.cj_assessment import EssayComparison, EssayComparisons
from common_core.http.class_management import BatchClassInfoResponse, BatchStudentNamesResponse
from common_core.http.content import EssayList, StoredText
from common_core.http.result_aggregator import BatchDetailResponse
from huleedu_service_libs.errors import DependencyTimeoutError, NotFoundError, ServiceUnavailableError

T = TypeVar("T")
BATCH_NOT_FOUND = "Batch not found"


@dataclass(frozen=True)
class NamedBatch:
    """The batch with what names it: the core of the batch page, the essay page and the exports."""

    detail: BatchDetailResponse
    batch: DashboardBatch
    essays: list[EssayRow]
    anchors: list[EssayRow]
    gaps: list[ViewGap]


@dataclass(frozen=True)
class BatchViews:
    owners: Owners
    timeout_s: float

    def _fetch(self, call: Awaitable[T], owner: str) -> Awaitable[Part[T]]:
        return fetch(call, owner, self.timeout_s)

    async def batch(self, user_id: str, batch_id: UUID) -> BatchResultsView:
        named = await self.named_batch(user_id, batch_id)
        return BatchResultsView(
            batch=named.batch,
            job=named.detail.current_job,
            essays=named.essays,
            anchors=named.anchors,
            gaps=named.gaps,
        )

    async def named_batch(self, user_id: str, batch_id: UUID) -> NamedBatch:
        detail, class_info, names = await asyncio.gather(*self._naming_parts(user_id, batch_id))
        return _named(detail.required(BATCH_NOT_FOUND), class_info, names)

    async def essay(self, user_id: str, batch_id: UUID, essay_id: UUID) -> EssayDetailView:
        detail_call, class_info_call, names_call = self._naming_parts(user_id, batch_id)
        detail_task = asyncio.ensure_future(detail_call)

        # Two chains side by side, each owner's second call as soon as its first answers: content's
        # essay list, then the text; the batch (for the job), then CJ's comparisons. Content and CJ
        # check ownership themselves, so neither waits for the batch. Every call runs to its end or
        # its timeout before the 404 or the page is decided.
        async def text_after_listing() -> tuple[Part[EssayList], Part[StoredText]]:
            listed = await self._fetch(self.owners.batch_essays(user_id, batch_id), CONTENT)
            return listed, await self._text(user_id, _text_ref(listed.value, essay_id))

        async def comparisons_after_batch() -> Part[EssayComparisons]:
            found = (await detail_task).value
            in_batch = found is not None and any(e.essay_id == essay_id for e in found.essays)
            job = found.current_job if found is not None and in_batch else None
            return await self._comparisons(user_id, job.job_id if job else None, essay_id)

        class_info, names, (listed, text), comparisons = await asyncio.gather(
            class_info_call, names_call, text_after_listing(), comparisons_after_batch()
        )
        named = _named(detail_task.result().required(BATCH_NOT_FOUND), class_info, names)
        rows = {row.essay_id: row for row in [*named.essays, *named.anchors]}
        essay = rows.get(essay_id)
        if essay is None:
            raise NotFoundError("Essay not found in this batch")
        return EssayDetailView(
            batch_id=batch_id,
            batch_title=named.batch.title,
            essay=essay,
            text=text.value.content if text.value else None,
            comparisons=[_comparison_row(c, rows) for c in comparisons.value.comparisons] if comparisons.value else [],
            gaps=[
                *named.gaps,
                *gaps(
                    None if essay.is_anchor else (listed.gap("text") or text.gap("text")),
                    comparisons.gap("comparisons"),
                ),
            ],
        )

    def _naming_parts(
        self, user_id: str, batch_id: UUID
    ) -> tuple[
        Awaitable[Part[BatchDetailResponse]],
        Awaitable[Part[BatchClassInfoResponse]],
        Awaitable[Part[BatchStudentNamesResponse]],
    ]:
        return (
            self._fetch(self.owners.batch_detail(user_id, batch_id), RESULT_AGGREGATOR),
            self._fetch(self.owners.batch_class_info(user_id, batch_id), CLASS_MANAGEMENT),
            self._fetch(self.owners.student_names(user_id, batch_id), CLASS_MANAGEMENT),
        )

    async def estimate(self, user_id: str, batch_id: UUID, llm: LLMSettings) -> OwnerReply:
        """Passed through: the content service checks ownership and the settings, and owns the answer."""
        try:
            return await self.owners.estimate(user_id, batch_id, llm)
        except OwnerError as failure:
            if failure.timed_out:
                raise DependencyTimeoutError(f"{failure}; try again shortly") from None
            raise ServiceUnavailableError(f"{failure}; try again shortly") from None

    async def _text(self, user_id: str, text_ref: str | None) -> Part[StoredText]:
        if text_ref is None:
            # An anchor's text is the assignment's (content answers teachers for their essays only).
            return Part(None, None)
        return await self._fetch(self.owners.text(user_id, text_ref), CONTENT)

    async def _comparisons(self, user_id: str, job_id: UUID | None, essay_id: UUID) -> Part[EssayComparisons]:
        if job_id is None:
            return Part(None, None)
        return await self._fetch(self.owners.essay_comparisons(user_id, job_id, essay_id), CJ_ASSESSMENT)


def _named(
    detail: BatchDetailResponse, class_info: Part[BatchClassInfoResponse], names: Part[BatchStudentNamesResponse]
) -> NamedBatch:
    listed = detail.batch
    found = class_info.value.root.get(listed.batch_id) if class_info.value else None
    class_gap = class_info.gap("class_name") if listed.class_id is not None else None
    # Class management answers 404 for a batch it has not registered yet: no confirmed names, not an outage.
    known_names = (
        student_names(names.value) if names.value else ({} if names.not_found or listed.class_id is None else None)
    )
    names_gap = names.gap("student_names") if known_names is None else None
    essays, anchors = essay_rows(detail, known_names)
    return NamedBatch(
        detail=detail,
        batch=DashboardBatch(**listed.model_dump(), class_name=found.class_name if found else None),
        essays=essays,
        anchors=anchors,
        gaps=gaps(class_gap, names_gap),
    )


def _text_ref(listed: EssayList | None, essay_id: UUID) -> str | None:
    if listed is None:
        return None
    return next((item.text_ref for item in listed.items if item.essay_id == essay_id), None)


def _outcome(comparison: EssayComparison) -> ComparisonOutcome:
    if comparison.status == "done":
        return "won" if comparison.won else "lost"
    return "pending" if comparison.status == "planned" else "failed"


def _comparison_row(comparison: EssayComparison, rows: dict[UUID, EssayRow]) -> EssayComparisonRow:
    opponent = rows.get(comparison.opponent_essay_id)
    return EssayComparisonRow(
        pair_id=comparison.pair_id,
        wave=comparison.wave,
        opponent_essay_id=comparison.opponent_essay_id,
        # An opponent outside the batch's results (a job newer than the read model) is still named.
        opponent_name=opponent.name if opponent else ("Anchor" if comparison.opponent_is_anchor else "Another essay"),
        opponent_is_anchor=comparison.opponent_is_anchor,
        opponent_known_grade=opponent.known_grade if opponent else None,
        shown_first=comparison.side == "A",
        outcome=_outcome(comparison),
        confidence=comparison.confidence,
        justification=comparison.justification,
        provider=comparison.provider,
        model=comparison.model,
        answered_at=comparison.answered_at,
    )
