"""The dashboard's views: the new-batch wizard's options and the teacher's dashboard.

Every part is fetched at once, each bounded by its own timeout (``parts.fetch``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bff_teacher_service.service_layer.parts import fetch, gaps
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    LLM_PROVIDER,
    RESULT_AGGREGATOR,
    Owners,
)
from common_core.http.bff import BatchNeedingAction, DashboardBatch, NewBatchOptions, TeacherDashboard
from common_core.http.class_management import UnconfirmedMatchesPage
from common_core.http.result_aggregator import BatchListResponse
from common_core.status import BatchStatus


@dataclass(frozen=True)
class TeacherViews:
    owners: Owners
    timeout_s: float
    dashboard_batch_count: int

    async def new_batch_options(self, user_id: str) -> NewBatchOptions:
        classes, assignments, catalogue = await asyncio.gather(
            fetch(self.owners.classes(user_id), CLASS_MANAGEMENT, self.timeout_s),
            fetch(self.owners.assignments(user_id), CJ_ASSESSMENT, self.timeout_s),
            fetch(self.owners.model_catalogue(user_id), LLM_PROVIDER, self.timeout_s),
        )
        return NewBatchOptions(
            classes=classes.value.classes if classes.value else [],
            assignments=assignments.value.assignments if assignments.value else [],
            model_catalogue=catalogue.value,
            gaps=gaps(classes.gap("classes"), assignments.gap("assignments"), catalogue.gap("models")),
        )

    async def dashboard(self, user_id: str) -> TeacherDashboard:
        count = self.dashboard_batch_count
        summary, batches, classes, drafts, failed, unconfirmed = await asyncio.gather(
            fetch(self.owners.user_summary(user_id), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.recent_batches(user_id, count), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.classes(user_id), CLASS_MANAGEMENT, self.timeout_s),
            fetch(self.owners.recent_batches(user_id, count, [BatchStatus.DRAFT]), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.recent_batches(user_id, count, [BatchStatus.FAILED]), RESULT_AGGREGATOR, self.timeout_s),
            fetch(self.owners.unconfirmed_matches(user_id, count), CLASS_MANAGEMENT, self.timeout_s),
        )
        action_gaps = gaps(failed.gap("needs_action"), unconfirmed.gap("needs_action"), drafts.gap("needs_action"))
        batch_page = batches.required()
        names = {item.class_id: item.name for item in classes.value.classes} if classes.value else {}
        return TeacherDashboard(
            summary=summary.required(),
            needs_action=_needing_action(failed.value, unconfirmed.value, drafts.value, batch_page),
            recent_batches=[
                DashboardBatch(**item.model_dump(), class_name=names.get(item.class_id) if item.class_id else None)
                for item in batch_page.items
            ],
            # One gap for the list, however many of its sources failed: the teacher reads one reason.
            gaps=gaps(classes.gap("class_names"), *action_gaps[:1]),
        )


def _needing_action(
    failed: BatchListResponse | None,
    unconfirmed: UnconfirmedMatchesPage | None,
    drafts: BatchListResponse | None,
    recent: BatchListResponse,
) -> list[BatchNeedingAction]:
    """Failed first (work was lost), then partial results, then names to confirm, then unstarted drafts.

    Partial results are looked for among the recent batches only: the result aggregator has no
    filter for them, and an old partial batch has usually been dealt with.
    """
    actions: list[BatchNeedingAction] = []
    for batch in failed.items if failed else []:
        detail = "The assessment failed; open the batch to see why and start it again."
        actions.append(BatchNeedingAction(batch_id=batch.batch_id, title=batch.title, reason="failed", detail=detail))
    for batch in recent.items:
        if batch.result_summary is not None and batch.result_summary.partial:
            detail = "Some comparisons never came back, so the results are partial; check them or assess again."
            actions.append(
                BatchNeedingAction(batch_id=batch.batch_id, title=batch.title, reason="partial", detail=detail)
            )
    draft_ids = {batch.batch_id for batch in drafts.items} if drafts else set()
    for match in unconfirmed.items if unconfirmed else []:
        if match.suggested == 0 and match.batch_id not in draft_ids:
            # Only essays no roster name matched, in a batch already started: nothing is left to
            # confirm, and the results name those essays by their files.
            continue
        detail = (
            f"Confirm the students of {match.class_name}: {match.suggested} suggested, {match.unmatched} unmatched."
        )
        # CMS knows the batch by id only; its title is the result aggregator's, when a fetched page has it.
        listed = [*recent.items, *(drafts.items if drafts else [])]
        title = next((batch.title for batch in listed if batch.batch_id == match.batch_id), None)
        actions.append(
            BatchNeedingAction(
                batch_id=match.batch_id,
                title=title,
                reason="unconfirmed_matches",
                detail=detail,
                class_name=match.class_name,
                suggested=match.suggested,
                unmatched=match.unmatched,
            )
        )
    for batch in drafts.items if drafts else []:
        if batch.essay_count == 0:
            continue
        essays = "essay" if batch.essay_count == 1 else "essays"
        detail = f"{batch.essay_count} {essays} uploaded; start the assessment."
        actions.append(
            BatchNeedingAction(
                batch_id=batch.batch_id,
                title=batch.title,
                reason="not_started",
                detail=detail,
                essay_count=batch.essay_count,
            )
        )
    return actions
