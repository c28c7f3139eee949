"""``huleedu.llm_provider.comparison_result.v1``: match on request_id, record once, close the wave.

The job's row lock serialises every callback of one job, so exactly one callback sees its wave
complete and closes it. A second callback for a pair finds it answered and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Row, func
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters import job_store
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.identifiers import pair_id_for, request_id_for
from cj_assessment_service.domain.job_health import final_comparison_labels
from cj_assessment_service.metrics import CALLBACKS_FOR_INACTIVE_JOBS, COMPARISONS, COMPARISONS_FINAL
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.waves import close_wave, job_budget
from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentProgressV1
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.status import CJJobState
from huleedu_service_libs.kafka.consumer import HandlerContext

log = structlog.get_logger(__name__)


async def handle_comparison_result(
    deps: ServiceDeps, envelope: EventEnvelope[LLMComparisonResultV1], ctx: HandlerContext
) -> None:
    if ctx.session is None:  # the app always runs this consumer with the idempotency transaction
        raise RuntimeError("the callback handler needs the runner's transaction")
    await record_result(deps, ctx.session, envelope.data)


async def record_result(deps: ServiceDeps, session: AsyncSession, result: LLMComparisonResultV1) -> bool:
    """Record one callback; ``True`` if it changed anything."""
    pair = await job_store.pair_by_request_id(session, result.request_id)
    if pair is None:
        log.warning("cj.callback_unknown_request", request_id=result.request_id)
        return False
    job = await job_store.lock_job(session, pair.job_id)
    if job is None or job.state != CJJobState.COMPARING.value:
        log.info("cj.callback_for_inactive_job", request_id=result.request_id, state=job.state if job else None)
        CALLBACKS_FOR_INACTIVE_JOBS.inc()
        return False
    pair = await job_store.pair_by_request_id(session, result.request_id)  # re-read under the job lock
    if pair is None or pair.status != job_store.PLANNED:
        log.info("cj.callback_duplicate", request_id=result.request_id)
        return False
    usage = _usage_columns(result)
    if result.error is None:
        await job_store.record_pair(
            session,
            pair.pair_id,
            **usage,
            status=job_store.DONE,
            winner=result.winner,
            confidence=result.confidence,
            justification=result.justification,
            provider=result.provider.value,
            model=result.model,
            answered_at=result.completed_at,
        )
        COMPARISONS.labels("success").inc()
    else:
        await job_store.record_pair(
            session,
            pair.pair_id,
            **usage,
            status=job_store.FAILED,
            error_code=result.error.code,
            error_message=result.error.message,
            error_retryable=result.error.retryable,
            provider=result.provider.value,
            model=result.model,
            answered_at=result.completed_at,
        )
        COMPARISONS.labels("error").inc()
    will_retry = result.error is not None and result.error.retryable and pair.attempt < deps.settings.max_pair_attempts
    final = final_comparison_labels(result.error, will_retry)
    if final is not None:
        COMPARISONS_FINAL.labels(*final).inc()
    if will_retry:
        await _retry(deps, session, pair)
    await job_store.update_job(session, job.id, last_activity_at=func.now())
    if await job_store.count_open_pairs(session, job.id) == 0:
        await close_wave(deps, session, job)
    else:
        await publish_progress_if_due(deps, session, job)
    return True


async def publish_progress_if_due(deps: ServiceDeps, session: AsyncSession, job: Row[Any]) -> None:
    """Progress within a wave, at most once per ``progress_interval_s`` per job.

    A wave with a real model can take minutes; without this the teacher's bar would stand still
    until it closes. Callbacks inside the interval are coalesced into the next event (or the wave's
    own), so a burst of answers is one event, not one per answer. The job's row lock, held by the
    caller, makes the check-and-set race-free.
    """
    now = datetime.now(UTC)
    last = job.progress_published_at
    if last is not None and (now - last).total_seconds() < deps.settings.progress_interval_s:
        return
    await publish_progress(deps, session, job)
    await job_store.update_job(session, job.id, progress_published_at=now)


async def publish_progress(
    deps: ServiceDeps, session: AsyncSession, job: Row[Any], *, natural_key: tuple[object, ...] | None = None
) -> None:
    """The job's progress now; by default keyed by the count reached (a repeat of that count is one event)."""
    counts = job_store.count_pairs(await job_store.load_pairs(session, job.id))
    n_items = await job_store.count_essays(session, job.id)
    budget = job_budget(deps, job)
    await deps.emit(
        session,
        CJAssessmentProgressV1(
            batch_id=job.batch_id,
            job_id=job.id,
            request_id=job.request_id,
            state=CJJobState.COMPARING,
            wave=job.current_wave,
            comparisons_done=counts.done,
            comparisons_planned=counts.planned,
            progress_percentage=cj_loop.progress_percentage(
                counts.done, n_items, budget.max_comparisons_per_item, finished=False
            ),
            reliability_ssr=await job_store.latest_ssr(session, job.id),
            reliability=await job_store.latest_reliability(session, job.id),
        ),
        key=job.batch_id,
        correlation_id=job.correlation_id,
        # Distinct from the wave-close event's key (job, wave). Every recorded callback closes one more
        # comparison row (answered or failed), so this count keys one event per callback: an error
        # callback leaves ``done`` as it was and must not reuse the last event's id.
        natural_key=natural_key or ("cj.progress", job.id, job.current_wave, counts.planned - counts.open),
    )


def _usage_columns(result: LLMComparisonResultV1) -> dict[str, Any]:
    usage = result.usage
    return {
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
        "cached_input_tokens": usage.cached_input_tokens if usage else None,
        "cost_usd": result.cost_usd,
        "provider_request_id": result.provider_request_id,
    }


async def _retry(deps: ServiceDeps, session: AsyncSession, pair: Row[Any]) -> None:
    """Plan the same comparison again in the same wave; its ids are deterministic per attempt."""
    attempt = pair.attempt + 1
    pair_id = pair_id_for(pair.job_id, pair.wave, pair.position, attempt)
    await job_store.insert_pairs(
        session,
        [
            {
                "pair_id": pair_id,
                "request_id": request_id_for(pair_id),
                "job_id": pair.job_id,
                "wave": pair.wave,
                "position": pair.position,
                "attempt": attempt,
                "essay_a_id": pair.essay_a_id,
                "essay_b_id": pair.essay_b_id,
                "status": job_store.PLANNED,
            }
        ],
    )
    deps.wake_submitter_after_commit(session)
