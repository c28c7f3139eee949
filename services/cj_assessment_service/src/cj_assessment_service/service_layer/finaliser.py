"""The single finaliser: every completion and failure goes through here (PITFALLS: one finaliser).

The caller holds the job's row lock. The terminal state and its events are written in the
caller's transaction, through the outbox, so they commit or vanish together.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters import job_store
from cj_assessment_service.domain.results import Item, build_results
from cj_assessment_service.metrics import JOB_COST_USD, RELIABILITY_AT_COMPLETION
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.verdicts import load_verdicts
from cj_engine.bradley_terry import fit_bradley_terry
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    FailureReason,
    JobUsage,
    LLMSettings,
    ModelUsed,
)
from common_core.grade_scales import get_grade_scale
from common_core.status import CJJobState

log = structlog.get_logger(__name__)


class FailureCode:
    TOO_FEW_ESSAYS = "TOO_FEW_ESSAYS"
    UNKNOWN_ASSIGNMENT = "UNKNOWN_ASSIGNMENT"
    ANCHORS_SINGLE_GRADE = "ANCHORS_SINGLE_GRADE"
    TEXTS_MISSING = "TEXTS_MISSING"
    ALL_COMPARISONS_FAILED = "ALL_COMPARISONS_FAILED"
    TOO_MANY_FAILURES = "TOO_MANY_FAILURES"
    LPS_REJECTED = "LPS_REJECTED"
    STUCK = "STUCK"
    CANCELLED = "CANCELLED"


async def job_usage(session: AsyncSession, job: Row[Any]) -> JobUsage:
    llm = LLMSettings.model_validate(job.llm_settings)
    totals = await job_store.usage_totals(session, job.id)
    return JobUsage(
        provider=llm.provider,
        model=llm.model,
        llm_calls=totals.llm_calls,
        input_tokens=totals.input_tokens,
        output_tokens=totals.output_tokens,
        cost_usd=totals.cost_usd,
        unreported=totals.unreported,
    )


def _duration_s(job: Row[Any], finished_at: datetime) -> float:
    return max(0.0, (finished_at - job.created_at).total_seconds())


async def fail_job(deps: ServiceDeps, session: AsyncSession, job: Row[Any], code: str, message: str) -> None:
    """Any active job -> failed, with ``cj_assessment.failed.v1`` carrying a reason a teacher can read."""
    counts = job_store.count_pairs(await job_store.load_pairs(session, job.id))
    await job_store.abandon_open_pairs(session, job.id)
    finished_at = datetime.now(UTC)
    await job_store.move_job(
        session,
        job,
        CJJobState.FAILED,
        failure_code=code,
        failure_message=message,
        finished_at=finished_at,
    )
    await deps.emit(
        session,
        CJAssessmentFailedV1(
            batch_id=job.batch_id,
            job_id=job.id,
            request_id=job.request_id,
            error=FailureReason(code=code, message=message),
            comparisons_completed=counts.done,
            comparisons_failed=counts.failed,
            duration_seconds=_duration_s(job, finished_at),
            usage=await job_usage(session, job),
        ),
        key=job.batch_id,
        correlation_id=job.correlation_id,
        natural_key=("cj.failed", job.id),
    )
    log.warning("cj.job_failed", job_id=str(job.id), batch_id=str(job.batch_id), code=code, reason=message)


async def complete_job(
    deps: ServiceDeps,
    session: AsyncSession,
    job: Row[Any],
    *,
    stop_reason: str,
    stop_detail: str,
    forced_recovery: bool = False,
) -> None:
    """comparing -> finalising -> completed: project grades, store results, write both result events."""
    await job_store.move_job(session, job, CJJobState.FINALISING)
    essays = await job_store.load_essays(session, job.id)
    verdicts = await load_verdicts(session, job.id, essays)
    counts = job_store.count_pairs(await job_store.load_pairs(session, job.id))
    await job_store.abandon_open_pairs(session, job.id)
    fit = fit_bradley_terry(len(essays), [v.as_comparison() for v in verdicts])
    items = [Item(e.item_index, e.essay_id, e.is_anchor, e.known_grade, e.anchor_label) for e in essays]
    outcome = build_results(items, fit, get_grade_scale(job.grade_scale))
    for essay, result in zip(essays, outcome.results, strict=True):
        await job_store.update_essay_result(session, job.id, essay.essay_id, result)
    finished_at = datetime.now(UTC)
    ssr = float(fit.ssr)
    # The stopping rule's reliability, as the last closed wave stored it: the final fit's SSR is reported
    # too, but adaptive pairing inflates it. A forced recovery's answers after that wave are not in it.
    reliability = await job_store.latest_reliability(session, job.id)
    position_bias = float(fit.position_effect)
    # The fit leaves the SE undefined (0 or not finite) when position was not estimated.
    position_bias_se = float(fit.position_se) if math.isfinite(fit.position_se) and fit.position_se > 0 else None
    await job_store.move_job(
        session,
        await job_store.reload(session, job),
        CJJobState.COMPLETED,
        stop_reason=stop_reason,
        stop_detail=stop_detail,
        reliability_ssr=ssr,
        position_bias=position_bias,
        forced_recovery=forced_recovery,
        finished_at=finished_at,
    )
    usage = await job_usage(session, job)
    # A job whose fit never computed a reliability, or whose callbacks reported no cost, has no figure to observe.
    if reliability is not None:
        RELIABILITY_AT_COMPLETION.observe(reliability)
    if usage.cost_usd is not None:
        JOB_COST_USD.observe(usage.cost_usd)
    llm = LLMSettings.model_validate(job.llm_settings)
    students = sum(1 for e in essays if not e.is_anchor)
    projection = outcome.projection
    # Say why grades are missing, or which anchors disagree with the scale; silence when all is well.
    troubled = not projection.has_grades or bool(projection.inconsistent_anchors) or bool(projection.inversions)
    note = projection.message if troubled else None
    await deps.emit(
        session,
        CJAssessmentCompletedV1(
            batch_id=job.batch_id,
            job_id=job.id,
            request_id=job.request_id,
            essays_assessed=students,
            anchors_used=len(essays) - students,
            comparisons_completed=counts.done,
            comparisons_failed=counts.failed,
            duration_seconds=_duration_s(job, finished_at),
            stop_reason=stop_reason,
            stop_detail=stop_detail,
            reliability_ssr=ssr,
            reliability=reliability,
            position_bias=position_bias,
            position_bias_se=position_bias_se,
            forced_recovery=forced_recovery,
            usage=usage,
        ),
        key=job.batch_id,
        correlation_id=job.correlation_id,
        natural_key=("cj.completed", job.id),
    )
    await deps.emit(
        session,
        AssessmentResultPublishedV1(
            batch_id=job.batch_id,
            job_id=job.id,
            grade_scale=job.grade_scale,
            model_used=ModelUsed(provider=llm.provider, model=llm.model),
            reliability_ssr=ssr,
            reliability=reliability,
            completed_at=finished_at,
            results=outcome.results,
            stop_reason=stop_reason,
            stop_detail=stop_detail,
            position_bias=position_bias,
            position_bias_se=position_bias_se,
            comparisons_completed=counts.done,
            comparisons_failed=counts.failed,
            forced_recovery=forced_recovery,
            grade_projection_note=note,
            grade_cut_points=outcome.cut_points,
        ),
        key=job.batch_id,
        correlation_id=job.correlation_id,
        natural_key=("cj.result", job.id),
    )
    log.info(
        "cj.job_completed",
        job_id=str(job.id),
        batch_id=str(job.batch_id),
        stop_reason=stop_reason,
        comparisons=counts.done,
        reliability=reliability,
        forced_recovery=forced_recovery,
    )
