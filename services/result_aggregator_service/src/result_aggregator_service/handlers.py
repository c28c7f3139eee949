"""One handler per consumed event: fold it into the read model, in the runner's transaction.

The runner claims the event id in the same transaction (processed_events), so a redelivery is
skipped; the upserts below are idempotent on their own as well, so even a fact re-emitted under a
new event id changes nothing. Each handler locks its batch first, then recomputes the batch's
current job and status, so any order of arrival ends in the same state. A deleted batch (its
tombstone) ignores every later event, so a stray one cannot bring it back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    JobUsage,
)
from common_core.status import CJJobState
from huleedu_service_libs.kafka.consumer import ConsumerRunner, HandlerContext
from result_aggregator_service.adapters.read_model_writer import BatchLock, ReadModelWriter
from result_aggregator_service.adapters.tables import assessment_jobs
from result_aggregator_service.domain.folding import (
    grade_distribution,
    progress_is_newer,
    rename_is_newer,
    request_failure_job_id,
    state_after_progress,
    terminal_state,
)
from result_aggregator_service.metrics import EVENTS_FOLDED

Outcome = Literal["applied", "early", "stale"]


def _session(ctx: HandlerContext) -> AsyncSession:
    if ctx.session is None:
        raise RuntimeError("RAS handlers need the runner's idempotent transaction (session_factory)")
    return ctx.session


def _count(event: str, registered: bool, changed: bool = True) -> None:
    # Counted inside the transaction: a rolled-back attempt that is retried counts twice, which
    # is acceptable for a rate; the read model itself is never folded twice.
    outcome: Outcome = "stale" if not changed else ("applied" if registered else "early")
    EVENTS_FOLDED.labels(event, outcome).inc()


def usage_columns(usage: JobUsage | None) -> dict[str, Any]:
    """A job's usage as read-model columns; an event without it leaves them NULL (unknown), never 0."""
    if usage is None:
        return {}
    return {
        "llm_calls": usage.llm_calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": usage.cost_usd,
        "usage_unreported": usage.unreported,
        # A failed job publishes no result event: its model is known from here only.
        "model_provider": func.coalesce(assessment_jobs.c.model_provider, usage.provider.value),
        "model_name": func.coalesce(assessment_jobs.c.model_name, usage.model),
    }


async def _open_batch(
    ctx: HandlerContext, event: str, batch_id: UUID, at: datetime
) -> tuple[ReadModelWriter, BatchLock] | None:
    """The writer and the locked batch, or None (counted as stale) when the batch was deleted:
    a deleted batch's later events change nothing."""
    writer = ReadModelWriter(_session(ctx))
    batch = await writer.lock_batch(batch_id, at)
    if batch.deleted:
        _count(event, batch.registered, changed=False)
        return None
    return writer, batch


async def on_batch_registered(envelope: EventEnvelope[BatchRegisteredV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "batch.registered", payload.batch_id, at)
    if opened is None:
        return
    writer, _ = opened
    await writer.register_batch(payload, at)
    _count("batch.registered", registered=True)


async def on_batch_updated(envelope: EventEnvelope[BatchUpdatedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "batch.updated", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    newer = rename_is_newer(batch.title_updated_at, payload.updated_at)
    if newer:
        await writer.rename_batch(payload, at)
    _count("batch.updated", batch.registered, changed=newer)


async def on_batch_deleted(envelope: EventEnvelope[BatchDeletedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "batch.deleted", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    await writer.delete_batch(payload, at)
    _count("batch.deleted", batch.registered)


async def on_essay_uploaded(envelope: EventEnvelope[EssayUploadedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "essay.uploaded", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    await writer.add_essay(payload, at)
    _count("essay.uploaded", batch.registered)


async def on_progress(envelope: EventEnvelope[CJAssessmentProgressV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "cj_assessment.progress", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    job = await writer.lock_job(payload.batch_id, payload.job_id, at)
    applies = progress_is_newer(job.last_progress_at, at)
    if applies:
        await writer.update_job(
            payload.batch_id,
            payload.job_id,
            state=state_after_progress(job.state, payload.state),
            last_progress_at=at,
            wave=payload.wave,
            comparisons_done=payload.comparisons_done,
            comparisons_planned=payload.comparisons_planned,
            progress_percentage=payload.progress_percentage,
            progress_reliability_ssr=payload.reliability_ssr,
            progress_reliability=payload.reliability,
        )
    await writer.refresh_batch(payload.batch_id, at)
    _count("cj_assessment.progress", batch.registered, changed=applies)


async def on_completed(envelope: EventEnvelope[CJAssessmentCompletedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "cj_assessment.completed", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    job = await writer.lock_job(payload.batch_id, payload.job_id, at)
    await writer.update_job(
        payload.batch_id,
        payload.job_id,
        state=terminal_state(job.state, CJJobState.COMPLETED),
        # The result event's completed_at is the authoritative time; this is the fallback.
        completed_at=func.coalesce(assessment_jobs.c.completed_at, at),
        duration_seconds=payload.duration_seconds,
        essays_assessed=payload.essays_assessed,
        anchors_used=payload.anchors_used,
        comparisons_completed=payload.comparisons_completed,
        comparisons_failed=payload.comparisons_failed,
        completed_payload=payload.model_dump(mode="json"),
        stop_reason=payload.stop_reason,
        stop_detail=payload.stop_detail,
        position_bias=payload.position_bias,
        position_bias_se=payload.position_bias_se,
        forced_recovery=payload.forced_recovery,
        finished_at=at,
        **usage_columns(payload.usage),
    )
    await writer.refresh_batch(payload.batch_id, at)
    _count("cj_assessment.completed", batch.registered)


async def on_failed(envelope: EventEnvelope[CJAssessmentFailedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "cj_assessment.failed", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    job_id = payload.job_id or request_failure_job_id(payload.batch_id, envelope.event_id)
    job = await writer.lock_job(payload.batch_id, job_id, at, request_failure=payload.job_id is None)
    failed = terminal_state(job.state, CJJobState.FAILED) == CJJobState.FAILED
    if failed:
        await writer.update_job(
            payload.batch_id,
            job_id,
            state=CJJobState.FAILED,
            failure_code=payload.error.code,
            failure_message=payload.error.message,
            comparisons_completed=payload.comparisons_completed,
            comparisons_failed=payload.comparisons_failed,
            duration_seconds=payload.duration_seconds,
            finished_at=at,
            **usage_columns(payload.usage),
        )
    await writer.refresh_batch(payload.batch_id, at)
    _count("cj_assessment.failed", batch.registered, changed=failed)


async def on_result_published(envelope: EventEnvelope[AssessmentResultPublishedV1], ctx: HandlerContext) -> None:
    payload, at = envelope.data, envelope.event_timestamp
    opened = await _open_batch(ctx, "assessment.result.published", payload.batch_id, at)
    if opened is None:
        return
    writer, batch = opened
    job = await writer.lock_job(payload.batch_id, payload.job_id, at)
    # A re-publication of the same job replaces its results; an older one arriving late does not.
    newer = job.results_published_at is None or at >= job.results_published_at
    if newer:
        await writer.replace_results(payload.batch_id, payload.job_id, payload.results)
        await writer.update_job(
            payload.batch_id,
            payload.job_id,
            state=terminal_state(job.state, CJJobState.COMPLETED),
            completed_at=payload.completed_at,
            grade_scale=payload.grade_scale,
            model_provider=payload.model_used.provider.value,
            model_name=payload.model_used.model,
            result_reliability_ssr=payload.reliability_ssr,
            result_reliability=payload.reliability,
            results_published_at=at,
            result_payload=payload.model_dump(mode="json", exclude={"results"}),
            # The completed event says the same; whichever arrives first fills them.
            stop_reason=func.coalesce(assessment_jobs.c.stop_reason, payload.stop_reason),
            stop_detail=func.coalesce(assessment_jobs.c.stop_detail, payload.stop_detail),
            position_bias=func.coalesce(assessment_jobs.c.position_bias, payload.position_bias),
            position_bias_se=func.coalesce(assessment_jobs.c.position_bias_se, payload.position_bias_se),
            forced_recovery=assessment_jobs.c.forced_recovery | payload.forced_recovery,
            grade_projection_note=payload.grade_projection_note,
            # Replaced with the results: a re-publication without cut points (no grades) leaves none behind.
            grade_cut_points=[cut.model_dump(mode="json") for cut in payload.grade_cut_points],
            grade_distribution=grade_distribution(payload.grade_scale, payload.results),
            # The completion event's count wins when it exists; until then, count the results.
            essays_assessed=func.coalesce(
                assessment_jobs.c.essays_assessed, sum(1 for r in payload.results if not r.is_anchor)
            ),
        )
    await writer.refresh_batch(payload.batch_id, at)
    _count("assessment.result.published", batch.registered, changed=newer)


def subscribe_handlers(runner: ConsumerRunner) -> None:
    runner.subscribe(BatchRegisteredV1, on_batch_registered)
    runner.subscribe(BatchUpdatedV1, on_batch_updated)
    runner.subscribe(BatchDeletedV1, on_batch_deleted)
    runner.subscribe(EssayUploadedV1, on_essay_uploaded)
    runner.subscribe(CJAssessmentProgressV1, on_progress)
    runner.subscribe(CJAssessmentCompletedV1, on_completed)
    runner.subscribe(CJAssessmentFailedV1, on_failed)
    runner.subscribe(AssessmentResultPublishedV1, on_result_published)
