"""Every CPU-heavy step of a job, run in a worker thread: the one place CJ leaves the event loop.

Planning a wave, summarising it (the pooled fit and about 20 fits for the marginal reliability), the
stopping decision, and the final fit with the grade projection are pure CPU work that grows with the
batch (seconds at 2,000 essays). On the event loop they would stall the consumers, the submitter and
HTTP for every other job; here they run beside it. The job is locked by the caller's transaction and
only read here, so the thread shares nothing that changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.job import Job, JobRules
from cj_assessment_service.domain.results import JobResults, build_results
from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.grade_fit import fit_for_grades
from cj_engine.planner import PlannedPair
from cj_engine.stopping import StopDecision
from cj_engine.types import FitResult
from common_core.grade_scales import get_grade_scale


async def plan_wave(
    job: Job, rules: JobRules, verdicts: Sequence[cj_loop.Verdict], fit: FitResult | None
) -> list[PlannedPair]:
    """The next wave's pairs, planned from ``fit``: the pooled fit of ``verdicts``, every one so far (None before any).

    The verdicts are the job's (``Job.verdicts``), built once per closed wave by the caller: at 2,000 essays
    that is 20,000 comparisons to walk, and summarising, deciding and planning all read the same list.
    """
    planner = job.planner(rules)
    return await asyncio.to_thread(
        cj_loop.plan_next_wave, job.n_items, verdicts, fit, job.anchor_indices, job.current_wave + 1, planner
    )


async def summarise_wave(job: Job, rules: JobRules, verdicts: Sequence[cj_loop.Verdict]) -> cj_loop.WaveSummary:
    return await asyncio.to_thread(cj_loop.summarise_wave, job.n_items, verdicts, job.stopping(rules))


async def decide(
    job: Job, rules: JobRules, verdicts: Sequence[cj_loop.Verdict], summary: cj_loop.WaveSummary
) -> StopDecision:
    """Stop or go on after a closed wave (its summary already stored in the job's history)."""
    reliabilities, thetas = job.stability_history()
    return await asyncio.to_thread(
        cj_loop.decide_after_wave,
        job.n_items,
        verdicts,
        summary.fit,
        reliabilities,
        thetas,
        job.planner(rules),
        job.stopping(rules),
    )


async def final_results(job: Job) -> tuple[FitResult, JobResults]:
    """The pooled fit of every verdict, and each essay's result and grade from it."""
    comparisons = [v.as_comparison() for v in job.verdicts()]
    items = job.items()
    scale = get_grade_scale(job.grade_scale)

    def compute() -> tuple[FitResult, JobResults]:
        fit = fit_bradley_terry(len(items), comparisons)
        # Grades read a second fit whose uncertainty is honest (estimated prior SD and lapses, full covariance:
        # calibrated probabilities). About 30 small fits; measured in the engine README, once per job.
        grade_fit = fit_for_grades(len(items), comparisons) if any(item.is_anchor for item in items) else None
        return fit, build_results(items, fit, scale, grade_fit)

    return await asyncio.to_thread(compute)
