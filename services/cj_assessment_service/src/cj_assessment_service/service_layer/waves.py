"""Planning a wave (persisted before it is submitted) and closing one (refit, progress, decide).

The fits (one per plan, about 20 per summary for the marginal reliability) are pure CPU work, so they
run in a worker thread: a large batch's wave must not stall the consumers, the submitter or HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import Row, func
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters import job_store
from cj_assessment_service.config import Settings
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_assessment_service.domain.identifiers import pair_id_for, request_id_for
from cj_assessment_service.metrics import RELIABILITY, RELIABILITY_SSR, WAVE_DECISION_SECONDS, WAVES_CLOSED
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.finaliser import FailureCode, complete_job, fail_job
from cj_assessment_service.service_layer.verdicts import load_verdicts
from cj_engine.planner import PlannerConfig
from cj_engine.types import FitResult
from common_core.events.cj_assessment import AssessmentBudget, CJAssessmentProgressV1, LLMSettings
from common_core.llm import BatchingMode
from common_core.status import CJJobState

log = structlog.get_logger(__name__)

NO_PAIR_LEFT = "no_pair_left"


def job_budget(deps: ServiceDeps, job: Row[Any]) -> cj_loop.Budget:
    budget = AssessmentBudget.model_validate(job.budget)
    return cj_loop.Budget(
        max_comparisons_per_item=budget.max_comparisons_per_essay,
        target_reliability=budget.target_reliability,
        min_comparisons_per_item=deps.settings.min_comparisons_per_essay,
    )


def job_batching_mode(job: Row[Any]) -> BatchingMode:
    return LLMSettings.model_validate(job.llm_settings).batching_mode


def wave_multiplier(settings: Settings, mode: BatchingMode) -> int:
    """How many times the normal wave size (n/2 pairs) a job in ``mode`` plans per wave."""
    multipliers = {
        # The provider's batch API answers in hours, not seconds: fewer, larger waves.
        BatchingMode.PROVIDER_BATCH_API: settings.batch_api_wave_multiplier,
        # A one-round wave is a matching: K consecutive pairs would share no essay, and a bundle
        # would save only the shared context. Two rounds make a graph of paths and cycles.
        BatchingMode.SERIAL_BUNDLE: settings.serial_bundle_wave_multiplier,
    }
    return multipliers.get(mode, 1)


def job_planner(deps: ServiceDeps, job: Row[Any], n_items: int) -> PlannerConfig:
    multiplier = wave_multiplier(deps.settings, job_batching_mode(job))
    return cj_loop.planner_config(job.seed, n_items, job_budget(deps, job), multiplier)


async def start_wave(
    deps: ServiceDeps,
    session: AsyncSession,
    job: Row[Any],
    essays: Sequence[Row[Any]],
    verdicts: Sequence[cj_loop.Verdict],
    fit: FitResult | None,
    wave: int,
) -> bool:
    """Plan ``wave`` from ``fit`` (the pooled fit of ``verdicts``, None before any) and persist its pairs and
    the wave in the caller's transaction; ``False`` if empty.

    Submitting happens after the commit (the submitter is woken then), so a crash in between leaves
    unacknowledged pairs that the submitter finds on start-up.
    """
    anchors = frozenset(e.item_index for e in essays if e.is_anchor)
    planner = job_planner(deps, job, len(essays))
    planned = await asyncio.to_thread(cj_loop.plan_next_wave, len(essays), verdicts, fit, anchors, wave, planner)
    if not planned:
        return False
    if job_batching_mode(job) is BatchingMode.SERIAL_BUNDLE:
        # Positions are the submission order, and LPS bundles consecutive pairs.
        planned = order_for_bundles(planned)
    by_index = {e.item_index: e.essay_id for e in essays}
    rows = []
    for position, pair in enumerate(planned):
        pair_id = pair_id_for(job.id, wave, position)
        rows.append(
            {
                "pair_id": pair_id,
                "request_id": request_id_for(pair_id),
                "job_id": job.id,
                "wave": wave,
                "position": position,
                "attempt": 1,
                "essay_a_id": by_index[pair.first],
                "essay_b_id": by_index[pair.second],
                "status": job_store.PLANNED,
            }
        )
    await job_store.insert_wave(session, job.id, wave, rows)
    await job_store.update_job(session, job.id, current_wave=wave, last_activity_at=func.now(), monitor_resubmits=0)
    deps.wake_submitter_after_commit(session)
    log.info("cj.wave_planned", job_id=str(job.id), wave=wave, pairs=len(rows))
    return True


async def close_wave(deps: ServiceDeps, session: AsyncSession, job: Row[Any]) -> None:
    """The current wave has every answer: refit, publish progress, then stop or plan the next wave."""
    with WAVE_DECISION_SECONDS.time():
        await _close_wave(deps, session, job)


async def _close_wave(deps: ServiceDeps, session: AsyncSession, job: Row[Any]) -> None:
    essays = await job_store.load_essays(session, job.id)
    n_items = len(essays)
    pairs = await job_store.load_pairs(session, job.id)
    counts = job_store.count_pairs(pairs)
    if counts.done == 0:
        errors = [p.error_message for p in pairs if p.status == job_store.FAILED and p.error_message]
        reason = errors[-1] if errors else "no verdicts"
        await fail_job(deps, session, job, FailureCode.ALL_COMPARISONS_FAILED, f"all comparisons failed: {reason}")
        return
    if counts.failed > deps.settings.max_failed_fraction * (counts.done + counts.failed):
        await fail_job(
            deps,
            session,
            job,
            FailureCode.TOO_MANY_FAILURES,
            f"too many comparisons failed: {counts.failed} of {counts.done + counts.failed}",
        )
        return
    verdicts = await load_verdicts(session, job.id, essays)
    budget = job_budget(deps, job)
    stopping = cj_loop.stopping_config(budget)
    summary = await asyncio.to_thread(cj_loop.summarise_wave, n_items, verdicts, stopping)
    await job_store.complete_wave(
        session,
        job.id,
        job.current_wave,
        reliability=summary.reliability,
        ssr=summary.ssr,
        theta=[float(t) for t in summary.fit.theta],
    )
    WAVES_CLOSED.inc()
    RELIABILITY_SSR.set(summary.ssr)
    if summary.reliability is not None:
        RELIABILITY.set(summary.reliability)
    await deps.emit(
        session,
        CJAssessmentProgressV1(
            batch_id=job.batch_id,
            job_id=job.id,
            request_id=job.request_id,  # content service ignores another run's progress
            state=CJJobState.COMPARING,
            wave=job.current_wave,
            comparisons_done=counts.done,
            comparisons_planned=counts.planned,
            progress_percentage=cj_loop.progress_percentage(
                counts.done, n_items, budget.max_comparisons_per_item, finished=False
            ),
            reliability_ssr=summary.ssr,
            reliability=summary.reliability,
        ),
        key=job.batch_id,
        correlation_id=job.correlation_id,
        natural_key=("cj.progress", job.id, job.current_wave),
    )
    history = [w for w in await job_store.load_waves(session, job.id) if w.completed_at is not None]
    planner = job_planner(deps, job, n_items)
    # Off the event loop like the fit: at 2,000 essays the stopping rule's checks take a noticeable
    # fraction of a second, and the consumer's other callbacks must not wait for it.
    decision = await asyncio.to_thread(
        cj_loop.decide_after_wave,
        n_items,
        verdicts,
        summary.fit,
        [w.reliability for w in history],
        [w.theta for w in history],
        planner,
        stopping,
    )
    log.info(
        "cj.wave_closed",
        job_id=str(job.id),
        wave=job.current_wave,
        verdicts=counts.done,
        ssr=round(summary.ssr, 3),
        reliability=summary.reliability,
        decision=decision.detail,
    )
    if decision.reason is not None:
        await complete_job(deps, session, job, stop_reason=decision.reason.value, stop_detail=decision.detail)
        return
    if not await start_wave(deps, session, job, essays, verdicts, summary.fit, job.current_wave + 1):
        await complete_job(
            deps, session, job, stop_reason=NO_PAIR_LEFT, stop_detail="the planner had no allowed pair left"
        )
