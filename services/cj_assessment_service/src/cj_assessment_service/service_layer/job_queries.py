"""The BFF's read API over jobs, and cancellation. Ownership: a job that is not the caller's is a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from cj_assessment_service.adapters import job_store
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.job_state import TERMINAL
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.finaliser import FailureCode, fail_job, job_usage
from common_core.events.cj_assessment import AssessmentBudget, FailureReason, LLMSettings
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
from huleedu_service_libs.errors import ConflictError, NotFoundError


def _owned(job: Row[Any] | None, job_id: uuid.UUID, user_id: str) -> Row[Any]:
    if job is None or job.user_id != user_id:
        raise NotFoundError(f"job {job_id} not found")
    return job


def _winner(pair: Row[Any]) -> uuid.UUID | None:
    if pair.status != job_store.DONE:
        return None
    winner: uuid.UUID = pair.essay_a_id if pair.winner == "A" else pair.essay_b_id
    return winner


class JobQueries:
    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def job(self, job_id: uuid.UUID, user_id: str) -> JobView:
        async with self._deps.sessions() as session:
            job = _owned(await job_store.get_job(session, job_id), job_id, user_id)
            essays = await job_store.load_essays(session, job_id)
            pairs = await job_store.load_pairs(session, job_id)
            wave_rows = await job_store.load_waves(session, job_id)
            usage = await job_usage(session, job)
        counts = job_store.count_pairs(pairs)
        budget = AssessmentBudget.model_validate(job.budget)
        state = CJJobState(job.state)
        students = sum(1 for e in essays if not e.is_anchor)
        return JobView(
            job_id=job.id,
            batch_id=job.batch_id,
            request_id=job.request_id,
            assignment_id=job.assignment_id,
            state=state,
            progress_percentage=cj_loop.progress_percentage(
                counts.done, len(essays), budget.max_comparisons_per_essay, finished=state is CJJobState.COMPLETED
            ),
            essays_assessed=students,
            anchors_used=len(essays) - students,
            comparisons_planned=counts.planned,
            comparisons_completed=counts.done,
            comparisons_failed=counts.failed,
            waves=[
                WaveView(
                    wave=w.wave,
                    pairs_planned=w.pairs_planned,
                    completed=w.completed_at is not None,
                    reliability=w.reliability,
                    ssr=w.ssr,
                )
                for w in wave_rows
            ],
            reliability_ssr=job.reliability_ssr,
            reliability=next((w.reliability for w in reversed(wave_rows) if w.completed_at is not None), None),
            stop_reason=job.stop_reason,
            stop_detail=job.stop_detail,
            position_bias=job.position_bias,
            forced_recovery=job.forced_recovery,
            failure=FailureReason(code=job.failure_code, message=job.failure_message) if job.failure_code else None,
            grade_scale=job.grade_scale,
            llm=LLMSettings.model_validate(job.llm_settings),
            budget=budget,
            created_at=job.created_at,
            finished_at=job.finished_at,
            usage=usage,
        )

    async def essay_comparisons(self, job_id: uuid.UUID, essay_id: uuid.UUID, user_id: str) -> EssayComparisons:
        async with self._deps.sessions() as session:
            _owned(await job_store.get_job(session, job_id), job_id, user_id)
            is_anchor = await job_store.anchor_flags(session, job_id)
            # Only this essay's pairs: a large job's hundreds of others would be read and dropped.
            pairs = await job_store.load_pairs_of_essay(session, job_id, essay_id)
        if essay_id not in is_anchor:
            raise NotFoundError(f"essay {essay_id} is not part of job {job_id}")
        rows: list[EssayComparison] = []
        for pair in pairs:
            side = "A" if pair.essay_a_id == essay_id else "B"
            opponent = pair.essay_b_id if side == "A" else pair.essay_a_id
            winner = _winner(pair)
            rows.append(
                EssayComparison(
                    pair_id=pair.pair_id,
                    wave=pair.wave,
                    opponent_essay_id=opponent,
                    opponent_is_anchor=is_anchor[opponent],
                    side=side,
                    status=pair.status,
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

    async def job_comparisons(self, job_id: uuid.UUID, user_id: str, limit: int, offset: int) -> JobComparisonPage:
        async with self._deps.sessions() as session:
            _owned(await job_store.get_job(session, job_id), job_id, user_id)
            total, rows = await job_store.page_pairs(session, job_id, limit=limit, offset=offset)
        return JobComparisonPage(
            job_id=job_id,
            comparisons=[
                JobComparison(
                    pair_id=pair.pair_id,
                    wave=pair.wave,
                    attempt=pair.attempt,
                    essay_a_id=pair.essay_a_id,
                    essay_b_id=pair.essay_b_id,
                    status=pair.status,
                    winner_essay_id=_winner(pair),
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
                for pair in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def cancel(self, job_id: uuid.UUID, user_id: str) -> CancelJobResponse:
        """Stop planning and publish failed/CANCELLED; a finished job cannot be cancelled (409)."""
        async with self._deps.sessions() as session, session.begin():
            job = _owned(await job_store.lock_job(session, job_id), job_id, user_id)
            if CJJobState(job.state) in TERMINAL:
                raise ConflictError(f"job {job_id} has already {job.state}", details={"state": job.state})
            await fail_job(
                self._deps, session, job, FailureCode.CANCELLED, "the assessment was cancelled by the teacher"
            )
        return CancelJobResponse(job_id=job_id, state=CJJobState.FAILED, cancelled_at=datetime.now(UTC))
