"""Closing a wave (refit, progress, decide) and finishing a job: the fits run off the loop (``fits``)."""

from __future__ import annotations

from datetime import datetime

import structlog

from cj_assessment_service.domain.job import NO_PAIR_LEFT, Job
from cj_assessment_service.metrics import (
    JOB_COST_USD,
    RELIABILITY,
    RELIABILITY_AT_COMPLETION,
    RELIABILITY_SSR,
    WAVE_DECISION_SECONDS,
    WAVES_CLOSED,
)
from cj_assessment_service.service_layer import fits
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.ports import UnitOfWork

log = structlog.get_logger(__name__)


async def close_wave(deps: ServiceDeps, uow: UnitOfWork, job: Job, now: datetime) -> None:
    """The current wave has every answer: refit, publish progress, then stop or plan the next wave."""
    with WAVE_DECISION_SECONDS.time():
        await _close_wave(deps, uow, job, now)


async def _close_wave(deps: ServiceDeps, uow: UnitOfWork, job: Job, now: datetime) -> None:
    for load in (uow.jobs.load_counts, uow.jobs.load_essays, uow.jobs.load_pairs, uow.jobs.load_thetas):
        await load(job)
    failure = job.wave_failure(deps.rules)
    if failure is not None:
        job.fail(failure, now)
        return
    verdicts = job.verdicts()
    summary = await fits.summarise_wave(job, deps.rules, verdicts)
    job.close_wave(summary)
    WAVES_CLOSED.inc()
    RELIABILITY_SSR.set(summary.ssr)
    if summary.reliability is not None:
        RELIABILITY.set(summary.reliability)
    decision = await fits.decide(job, deps.rules, verdicts, summary)
    log.info(
        "cj.wave_closed",
        job_id=str(job.id),
        wave=job.current_wave,
        verdicts=len(verdicts),
        ssr=round(summary.ssr, 3),
        reliability=summary.reliability,
        decision=decision.detail,
    )
    if decision.reason is not None:
        await finish(job, stop_reason=decision.reason.value, stop_detail=decision.detail, now=now)
    elif job.start_wave(await fits.plan_wave(job, deps.rules, verdicts, summary.fit), now):
        log.info("cj.wave_planned", job_id=str(job.id), wave=job.current_wave, pairs=job.open_pairs)
    else:
        await finish(job, stop_reason=NO_PAIR_LEFT, stop_detail="the planner had no allowed pair left", now=now)


async def finish(job: Job, *, stop_reason: str, stop_detail: str, now: datetime, forced_recovery: bool = False) -> None:
    """Project grades from the final fit and complete the job (essays and comparisons loaded)."""
    fit, outcome = await fits.final_results(job)
    job.complete(
        fit, outcome, stop_reason=stop_reason, stop_detail=stop_detail, now=now, forced_recovery=forced_recovery
    )
    usage = job.usage()
    # A job whose fit never computed a reliability, or whose callbacks reported no cost, has no figure to observe.
    if job.latest_reliability is not None:
        RELIABILITY_AT_COMPLETION.observe(job.latest_reliability)
    if usage.cost_usd is not None:
        JOB_COST_USD.observe(usage.cost_usd)
    log.info(
        "cj.job_completed",
        job_id=str(job.id),
        batch_id=str(job.batch_id),
        stop_reason=stop_reason,
        comparisons=job.pair_counts().done,
        reliability=job.latest_reliability,
        forced_recovery=forced_recovery,
    )
