"""The BFF's read API over jobs, and cancellation. Ownership: a job that is not the caller's is a 404.

A job whose per-essay data retention purged shows the figures kept for it (``domain/aggregates.py``): the
same counts and usage as before, its waves and reliabilities, and no comparisons.

Comparisons carry justifications about students' essays: a read of them is written to the access log
(owner: the job's teacher) before they are returned, as the batch for a page of the job's comparisons
and as the essay for one essay's; a read that returns none records nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.aggregates import JobAggregates
from cj_assessment_service.domain.job import Failure, FailureCode, Job
from cj_assessment_service.service_layer.deps import ServiceDeps
from common_core.events.cj_assessment import FailureReason
from common_core.http.access import AccessSubject
from common_core.http.cj_assessment import (
    CancelJobResponse,
    EssayComparison,
    EssayComparisons,
    JobComparison,
    JobComparisonPage,
    JobView,
    WaveView,
)
from common_core.status import CJJobState
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import ConflictError, NotFoundError


def _owned(job: Job | None, job_id: uuid.UUID, user_id: str) -> Job:
    if job is None or job.user_id != user_id:
        raise NotFoundError(f"job {job_id} not found")
    return job


class JobQueries:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def job(self, job_id: uuid.UUID, user_id: str) -> JobView:
        async with self._deps.uows() as uow:
            job = _owned(await uow.jobs.get(job_id), job_id, user_id)
            figures = await uow.jobs.aggregates(job_id)
            if figures is None:
                await uow.jobs.load_counts(job)
                await uow.jobs.load_pairs(job)
                figures = JobAggregates.of(job, [])
        budget = job.budget
        students, items = figures.essays, figures.essays + figures.anchors
        return JobView(
            job_id=job.id,
            batch_id=job.batch_id,
            request_id=job.request_id,
            assignment_id=job.assignment_id,
            state=job.state,
            progress_percentage=cj_loop.progress_percentage(
                figures.comparisons_completed,
                items,
                budget.max_comparisons_per_essay,
                finished=job.state is CJJobState.COMPLETED,
            ),
            essays_assessed=students,
            anchors_used=figures.anchors,
            comparisons_planned=figures.comparisons_planned,
            comparisons_completed=figures.comparisons_completed,
            comparisons_failed=figures.comparisons_failed,
            waves=[
                WaveView(
                    wave=w.wave,
                    pairs_planned=w.pairs_planned,
                    completed=w.completed,
                    reliability=w.reliability,
                    ssr=w.ssr,
                )
                for w in job.waves
            ],
            reliability_ssr=job.reliability_ssr,
            reliability=job.latest_reliability,
            stop_reason=job.stop_reason,
            stop_detail=job.stop_detail,
            position_bias=job.position_bias,
            forced_recovery=job.forced_recovery,
            failure=FailureReason(code=job.failure_code, message=job.failure_message or "")
            if job.failure_code
            else None,
            grade_scale=job.grade_scale,
            llm=job.llm,
            budget=budget,
            created_at=job.created_at,
            finished_at=job.finished_at,
            usage=figures.usage,
        )

    async def essay_comparisons(
        self, job_id: uuid.UUID, essay_id: uuid.UUID, user_id: str, accessor: Accessor
    ) -> EssayComparisons:
        async with self._deps.uows() as uow:
            job = _owned(await uow.jobs.get(job_id), job_id, user_id)
            is_anchor = await uow.jobs.anchor_flags(job_id)
            # Only this essay's pairs: a large job's hundreds of others would be read and dropped.
            pairs = await uow.jobs.pairs_of_essay(job_id, essay_id)
        if essay_id not in is_anchor:
            raise NotFoundError(f"essay {essay_id} is not part of job {job_id}")
        if pairs:
            await self._deps.access_log.record(job.user_id, accessor, [(AccessSubject.ESSAY, str(essay_id))])
        rows: list[EssayComparison] = []
        for pair in pairs:
            side = "A" if pair.essay_a_id == essay_id else "B"
            opponent = pair.essay_b_id if side == "A" else pair.essay_a_id
            winner = pair.winner_essay_id
            rows.append(
                EssayComparison(
                    pair_id=pair.pair_id,
                    wave=pair.wave,
                    opponent_essay_id=opponent,
                    opponent_is_anchor=is_anchor[opponent],
                    side=side,
                    status=pair.status.value,
                    won=None if winner is None else winner == essay_id,
                    winner_essay_id=winner,
                    confidence=pair.confidence,
                    justification=pair.justification,
                    provider=pair.provider,
                    model=pair.model,
                    error_code=pair.error_code,
                    answered_at=pair.answered_at,
                )
            )
        return EssayComparisons(job_id=job_id, essay_id=essay_id, is_anchor=is_anchor[essay_id], comparisons=rows)

    async def job_comparisons(
        self, job_id: uuid.UUID, user_id: str, accessor: Accessor, limit: int, offset: int
    ) -> JobComparisonPage:
        async with self._deps.uows() as uow:
            job = _owned(await uow.jobs.get(job_id), job_id, user_id)
            total, pairs = await uow.jobs.page_pairs(job_id, limit, offset)
        if pairs:
            await self._deps.access_log.record(job.user_id, accessor, [(AccessSubject.BATCH, str(job.batch_id))])
        return JobComparisonPage(
            job_id=job_id,
            comparisons=[
                JobComparison(
                    pair_id=pair.pair_id,
                    wave=pair.wave,
                    attempt=pair.attempt,
                    essay_a_id=pair.essay_a_id,
                    essay_b_id=pair.essay_b_id,
                    status=pair.status.value,
                    winner_essay_id=pair.winner_essay_id,
                    confidence=pair.confidence,
                    justification=pair.justification,
                    provider=pair.provider,
                    model=pair.model,
                    input_tokens=pair.input_tokens,
                    output_tokens=pair.output_tokens,
                    cost_usd=pair.cost_usd,
                    error_code=pair.error_code,
                    answered_at=pair.answered_at,
                )
                for pair in pairs
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def cancel(self, job_id: uuid.UUID, user_id: str) -> CancelJobResponse:
        """Stop planning and publish failed/CANCELLED; a finished job cannot be cancelled (409)."""
        async with self._deps.uows() as uow:
            job = _owned(await uow.jobs.get(job_id, lock=True), job_id, user_id)
            if job.finished:
                raise ConflictError(f"job {job_id} has already {job.state.value}", details={"state": job.state.value})
            await uow.jobs.load_pairs(job)
            job.fail(Failure(FailureCode.CANCELLED, "the assessment was cancelled by the teacher"), datetime.now(UTC))
            await self._deps.save(uow, job)
        return CancelJobResponse(job_id=job_id, state=CJJobState.FAILED, cancelled_at=datetime.now(UTC))
