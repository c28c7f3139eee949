"""The assignment page and the grade scales an assignment can be given.

The assignment (CJ) is the core part: its 404 (unknown, or another teacher's private one) is the
page's 404. Its anchors (CJ) and the last batch that used it (the result aggregator) are optional
parts: without them the page is answered with a named gap.

"The last batch" is the newest of the teacher's completed batches whose ``assignment_id`` is this
assignment. The result aggregator cannot filter its list by assignment, so the BFF reads one page of
the teacher's newest completed batches (``LAST_BATCH_SEARCH``) and looks through it; the view says
how many it searched. An anchor's essay id in a job is the anchor's own id, so a client can tell
which of the batch's anchors are still the assignment's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from bff_teacher_service.domain.essay_rows import essay_rows
from bff_teacher_service.service_layer.parts import Part, fetch, gaps
from bff_teacher_service.service_layer.ports import CJ_ASSESSMENT, RESULT_AGGREGATOR, Owners
from common_core.grade_scales import UnknownGradeScaleError, get_grade_scale, grade_scale_names
from common_core.http.bff import AssignmentLastBatch, AssignmentPageView, GradeScaleList, GradeScaleView
from common_core.http.result_aggregator import MAX_PAGE_SIZE, BatchDetailResponse, BatchListResponse
from common_core.status import BatchStatus

ASSIGNMENT_NOT_FOUND = "Assignment not found"
# One page of the result aggregator's list, its largest: one call, however many batches the teacher has.
LAST_BATCH_SEARCH = MAX_PAGE_SIZE


def grade_scale_view(name: str) -> GradeScaleView | None:
    try:
        scale = get_grade_scale(name)
    except UnknownGradeScaleError:
        return None
    return GradeScaleView(name=scale.name, display_name=scale.display_name, grades=list(scale.all_grades))


def grade_scales() -> GradeScaleList:
    """Every registered scale; the registry is code in common_core, so no owner is asked."""
    views = (grade_scale_view(name) for name in grade_scale_names())
    return GradeScaleList(scales=[view for view in views if view is not None])


@dataclass(frozen=True)
class AssignmentViews:
    owners: Owners
    timeout_s: float

    async def assignment(self, user_id: str, assignment_id: UUID) -> AssignmentPageView:
        assignment, anchors, (listed, detail) = await asyncio.gather(
            fetch(self.owners.assignment(user_id, assignment_id), CJ_ASSESSMENT, self.timeout_s),
            fetch(self.owners.anchors(user_id, assignment_id), CJ_ASSESSMENT, self.timeout_s),
            self._last_batch(user_id, assignment_id),
        )
        view = assignment.required(ASSIGNMENT_NOT_FOUND)
        return AssignmentPageView(
            assignment=view,
            grade_scale=grade_scale_view(view.grade_scale),
            anchors=anchors.value.anchors if anchors.value else [],
            last_batch=_last_batch(detail.value) if detail.value else None,
            batches_searched=len(listed.value.items) if listed.value else 0,
            gaps=gaps(anchors.gap("anchors"), listed.gap("last_batch") or detail.gap("last_batch")),
        )

    async def _last_batch(
        self, user_id: str, assignment_id: UUID
    ) -> tuple[Part[BatchListResponse], Part[BatchDetailResponse]]:
        """The newest completed batch naming the assignment, then its detail: two calls, each bounded."""
        listed = await fetch(
            self.owners.recent_batches(user_id, LAST_BATCH_SEARCH, [BatchStatus.COMPLETED]),
            RESULT_AGGREGATOR,
            self.timeout_s,
        )
        batches = listed.value.items if listed.value else []
        found = next((batch for batch in batches if batch.assignment_id == assignment_id), None)
        if found is None:
            return listed, Part(None, None)
        detail = await fetch(self.owners.batch_detail(user_id, found.batch_id), RESULT_AGGREGATOR, self.timeout_s)
        return listed, detail


def _last_batch(detail: BatchDetailResponse) -> AssignmentLastBatch:
    _, anchors = essay_rows(detail, None)
    return AssignmentLastBatch(
        batch=detail.batch,
        grade_cut_points=detail.current_job.grade_cut_points if detail.current_job else [],
        anchors=anchors,
    )
