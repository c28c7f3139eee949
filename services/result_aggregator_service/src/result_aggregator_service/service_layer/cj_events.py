"""CJ's progress, completion, failure and results folded into the job and its batch.

Each fold locks the batch, then the job, decides from what the job already holds (the rules in
``domain.folding``), and recomputes the batch's current job and status, so any order of arrival
ends in the same state. The runner skips a redelivered event id; the folds are idempotent on
their own too, so a fact re-emitted under a new event id changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    JobUsage,
)
from common_core.status import CJJobState
from result_aggregator_service.domain.folding import (
    first_known,
    grade_distribution,
    progress_is_newer,
    request_failure_job_id,
    state_after_progress,
    terminal_state,
)
from result_aggregator_service.domain.read_model import JobChanges, JobSnapshot
from result_aggregator_service.service_layer.messages import ConsumedEvent
from result_aggregator_service.service_layer.open_batch import count_folded, open_batch
from result_aggregator_service.service_layer.ports import UnitOfWork


def usage_changes(job: JobSnapshot, usage: JobUsage | None) -> JobChanges:
    """A job's usage; an event without it leaves the columns NULL (unknown), never 0."""
    if usage is None:
        return {}
    return {
        "llm_calls": usage.llm_calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": usage.cost_usd,
        "usage_unreported": usage.unreported,
        # A failed job publishes no result event: its model is known from here only.
        "model_provider": first_known(job.model_provider, usage.provider.value),
        "model_name": first_known(job.model_name, usage.model),
    }


async def on_progress(event: ConsumedEvent[CJAssessmentProgressV1], uow: UnitOfWork) -> None:
    progress, at = event.data, event.at
    batch = await open_batch(uow, "cj_assessment.progress", progress.batch_id, at)
    if batch is None:
        return
    job = await uow.read_model.lock_job(progress.batch_id, progress.job_id, at)
    applies = progress_is_newer(job.last_progress_at, at)
    if applies:
        changes: JobChanges = {
            "state": state_after_progress(job.state, progress.state),
            "last_progress_at": at,
            "wave": progress.wave,
            "comparisons_done": progress.comparisons_done,
            "comparisons_planned": progress.comparisons_planned,
            "progress_percentage": progress.progress_percentage,
            "progress_reliability_ssr": progress.reliability_ssr,
            "progress_reliability": progress.reliability,
        }
        await uow.read_model.update_job(progress.batch_id, progress.job_id, changes)
    await uow.read_model.refresh_batch(progress.batch_id, at)
    count_folded("cj_assessment.progress", batch.registered, changed=applies)


async def on_completed(event: ConsumedEvent[CJAssessmentCompletedV1], uow: UnitOfWork) -> None:
    completion, at = event.data, event.at
    batch = await open_batch(uow, "cj_assessment.completed", completion.batch_id, at)
    if batch is None:
        return
    job = await uow.read_model.lock_job(completion.batch_id, completion.job_id, at)
    changes: JobChanges = {
        "state": terminal_state(job.state, CJJobState.COMPLETED),
        # The result event's completed_at is the authoritative time; this is the fallback.
        "completed_at": first_known(job.completed_at, at),
        "duration_seconds": completion.duration_seconds,
        "essays_assessed": completion.essays_assessed,
        "anchors_used": completion.anchors_used,
        "comparisons_completed": completion.comparisons_completed,
        "comparisons_failed": completion.comparisons_failed,
        "completed_payload": completion.model_dump(mode="json"),
        "stop_reason": completion.stop_reason,
        "stop_detail": completion.stop_detail,
        "position_bias": completion.position_bias,
        "position_bias_se": completion.position_bias_se,
        "forced_recovery": completion.forced_recovery,
        "finished_at": at,
    }
    changes.update(usage_changes(job, completion.usage))
    await uow.read_model.update_job(completion.batch_id, completion.job_id, changes)
    await uow.read_model.refresh_batch(completion.batch_id, at)
    count_folded("cj_assessment.completed", batch.registered)


async def on_failed(event: ConsumedEvent[CJAssessmentFailedV1], uow: UnitOfWork) -> None:
    failure, at = event.data, event.at
    batch = await open_batch(uow, "cj_assessment.failed", failure.batch_id, at)
    if batch is None:
        return
    job_id = failure.job_id or request_failure_job_id(failure.batch_id, event.event_id)
    job = await uow.read_model.lock_job(failure.batch_id, job_id, at, request_failure=failure.job_id is None)
    failed = terminal_state(job.state, CJJobState.FAILED) == CJJobState.FAILED
    if failed:
        changes: JobChanges = {
            "state": CJJobState.FAILED,
            "failure_code": failure.error.code,
            "failure_message": failure.error.message,
            "comparisons_completed": failure.comparisons_completed,
            "comparisons_failed": failure.comparisons_failed,
            "duration_seconds": failure.duration_seconds,
            "finished_at": at,
        }
        changes.update(usage_changes(job, failure.usage))
        await uow.read_model.update_job(failure.batch_id, job_id, changes)
    await uow.read_model.refresh_batch(failure.batch_id, at)
    count_folded("cj_assessment.failed", batch.registered, changed=failed)


def result_changes(job: JobSnapshot, published: AssessmentResultPublishedV1, at: datetime) -> JobChanges:
    """The job's columns from its (newer) result event, beside the results themselves."""
    return {
        "state": terminal_state(job.state, CJJobState.COMPLETED),
        "completed_at": published.completed_at,
        "grade_scale": published.grade_scale,
        "model_provider": published.model_used.provider.value,
        "model_name": published.model_used.model,
        "result_reliability_ssr": published.reliability_ssr,
        "result_reliability": published.reliability,
        "results_published_at": at,
        "result_payload": published.model_dump(mode="json", exclude={"results"}),
        # The completed event says the same; whichever arrives first fills them.
        "stop_reason": first_known(job.stop_reason, published.stop_reason),
        "stop_detail": first_known(job.stop_detail, published.stop_detail),
        "position_bias": first_known(job.position_bias, published.position_bias),
        "position_bias_se": first_known(job.position_bias_se, published.position_bias_se),
        "forced_recovery": job.forced_recovery or published.forced_recovery,
        "grade_projection_note": published.grade_projection_note,
        # Replaced with the results: a re-publication without cut points (no grades) leaves none behind.
        "grade_cut_points": [cut.model_dump(mode="json") for cut in published.grade_cut_points],
        "grade_distribution": grade_distribution(published.grade_scale, published.results),
        # The completion event's count wins when it exists; until then, count the results.
        "essays_assessed": first_known(
            job.essays_assessed, sum(1 for result in published.results if not result.is_anchor)
        ),
    }


async def on_result_published(event: ConsumedEvent[AssessmentResultPublishedV1], uow: UnitOfWork) -> None:
    published, at = event.data, event.at
    batch = await open_batch(uow, "assessment.result.published", published.batch_id, at)
    if batch is None:
        return
    if batch.essays_purged:
        # The retention policy purged the batch's results: none comes back (its aggregates stay as they are).
        count_folded("assessment.result.published", batch.registered, changed=False)
        return
    job = await uow.read_model.lock_job(published.batch_id, published.job_id, at)
    # A re-publication of the same job replaces its results; an older one arriving late does not.
    newer = job.results_published_at is None or at >= job.results_published_at
    if newer:
        # A student's erased essays stay gone; the job's aggregates still count them (as CJ computed them).
        erased = await uow.read_model.erased_essays(published.batch_id)
        kept = [result for result in published.results if result.essay_id not in erased]
        await uow.read_model.replace_results(published.batch_id, published.job_id, kept)
        await uow.read_model.update_job(published.batch_id, published.job_id, result_changes(job, published, at))
    await uow.read_model.refresh_batch(published.batch_id, at)
    count_folded("assessment.result.published", batch.registered, changed=newer)
