"""CJ at scale: what one wave's decision and one estimate cost as the batch grows.

``pdm run bench-cj-scale [--sizes 30 300 2000] [--estimate-sizes 300 1000 2000 5000]``. Prints figures,
asserts nothing.

**Per wave.** A job of n students and 6 anchors (as the demo) runs through the functions the service
calls when it closes a wave (``cj_loop.summarise_wave``, ``decide_after_wave``, ``plan_next_wave``, as
``service_layer.waves`` calls them), with the service's default budget and ``cj_engine``'s realistic
simulated judge answering at once. Per wave it prints the time of the pooled fit, of the marginal
reliability (the stopping rule's ~20 fits), of the rest of the decision (counting the useful pairs left),
of planning the next wave, and their sum: the CPU time CJ spends between the last verdict of a wave and
the first pair of the next.

**Estimates.** ``Estimator.estimate`` (CJ's side of ``POST /internal/v1/estimates`` once the job's inputs are read) at
each size, with no assignment but 6 anchors, and LPS replaced by a stand-in that only round-trips the
request through JSON, as the HTTP client and LPS's validation would. Each size gets an empty simulation
cache, so the simulations are included.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import numpy as np
from pydantic import ValidationError

from cj_assessment_service.config import Settings
from cj_assessment_service.public import Estimator, JobInputs, SimulatedRun, SimulationCache, SimulationSpec
from cj_assessment_service.public import wave_loop as cj_loop
from cj_engine.simulation import REALISTIC_JUDGE, judge_pairs, simulate_batch
from common_core.events.cj_assessment import AssessmentBudget
from common_core.http.estimates import (
    MAX_ESSAYS_PER_ESTIMATE,
    AssessmentEstimateRequest,
    UsageEstimate,
    UsageEstimateRequest,
)
from common_core.http.llm_provider import ComparisonContext

SIZES = (30, 300, 2000)
ESTIMATE_SIZES = (300, 1000, 2000, 5000)
ANCHORS = 6
SEED = 0
CHARACTERS_PER_ESSAY = 3000
SETTINGS = Settings(HULEEDU_DEV_MODE=True, database_url="postgresql://unused/db")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class WaveTimes:
    wave: int
    comparisons: int
    fit_s: float = 0.0
    reliability_s: float = 0.0
    decide_s: float = 0.0  # decide_after_wave: counting the useful pairs left, and the rule itself
    plan_s: float = 0.0  # planning the next wave (0 after the last)

    def add_fit(self, seconds: float) -> None:
        self.fit_s += seconds

    def add_reliability(self, seconds: float) -> None:
        self.reliability_s += seconds

    @property
    def total_s(self) -> float:
        return self.fit_s + self.reliability_s + self.decide_s + self.plan_s


@dataclass
class JobRun:
    n_students: int
    waves: list[WaveTimes] = field(default_factory=list)
    stop: str = ""
    first_plan_s: float = 0.0


@contextmanager
def timing(name: str, into: Callable[[float], None]) -> Iterator[None]:
    """Time every call of ``cj_loop.<name>`` (an engine function the loop calls) while inside."""
    original: Callable[..., Any] = getattr(cj_loop, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into(time.perf_counter() - started)

    setattr(cj_loop, name, timed)
    try:
        yield
    finally:
        setattr(cj_loop, name, original)


def clocked(call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, float]:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


def run_job(n_students: int) -> JobRun:
    """One job, wave by wave, as ``service_layer.waves.close_wave`` runs it (without the database)."""
    n = n_students + ANCHORS
    batch = simulate_batch(n, seed=SEED, n_anchors=ANCHORS)
    anchors = frozenset(batch.anchors)
    default = AssessmentBudget()
    budget = cj_loop.Budget(
        default.max_comparisons_per_essay, default.target_reliability, SETTINGS.min_comparisons_per_essay
    )
    planner = cj_loop.planner_config(SEED, n, budget, wave_size_multiplier=1)
    stopping = cj_loop.stopping_config(budget)
    rng = np.random.default_rng([SEED, 1])
    job = JobRun(n_students)
    pairs, job.first_plan_s = clocked(cj_loop.plan_next_wave, n, [], None, anchors, 0, planner)
    verdicts: list[cj_loop.Verdict] = []
    reliabilities: list[float | None] = []
    thetas: list[list[float]] = []
    wave = 0
    while pairs:
        verdicts += [
            cj_loop.Verdict(c.first, c.second, c.winner)
            for c in judge_pairs(pairs, batch.true_theta, REALISTIC_JUDGE, rng)
        ]
        times = WaveTimes(wave, len(verdicts))
        with timing("fit_bradley_terry", times.add_fit), timing("marginal_reliability", times.add_reliability):
            summary = cj_loop.summarise_wave(n, verdicts, stopping)
        reliabilities.append(summary.reliability)
        thetas.append(summary.fit.theta.tolist())
        decision, times.decide_s = clocked(
            cj_loop.decide_after_wave, n, verdicts, summary.fit, reliabilities, thetas, planner, stopping
        )
        job.waves.append(times)
        if decision.reason is not None:
            job.stop = decision.reason.value
            break
        wave += 1
        pairs, times.plan_s = clocked(cj_loop.plan_next_wave, n, verdicts, summary.fit, anchors, wave, planner)
    else:
        job.stop = "no_pair_left"
    return job


def print_job(job: JobRun) -> None:
    n = job.n_students + ANCHORS
    print(
        f"\nn = {job.n_students} students + {ANCHORS} anchors ({n} items); "
        f"first wave planned in {job.first_plan_s:.3f} s"
    )
    print("  wave  comparisons   fit s   reliability s   decide s   plan s   total s")
    for w in job.waves:
        print(
            f"  {w.wave:4d}  {w.comparisons:11d}  {w.fit_s:6.3f}  {w.reliability_s:14.3f}  {w.decide_s:9.3f}"
            f"  {w.plan_s:7.3f}  {w.total_s:8.3f}"
        )
    totals = [w.total_s for w in job.waves]
    comparisons = job.waves[-1].comparisons
    print(
        f"  stop: {job.stop} after {len(job.waves)} waves, {comparisons} comparisons "
        f"({2 * comparisons / n:.1f} per item); decision time per wave: median {statistics.median(totals):.3f} s, "
        f"max {max(totals):.3f} s, all waves {sum(totals):.1f} s"
    )


class TimedCache(SimulationCache):
    """The service's cache, timing the simulations it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self.simulated_items = 0

    async def runs(self, spec: SimulationSpec) -> list[SimulatedRun]:
        started = time.perf_counter()
        try:
            return await super().runs(spec)
        finally:
            self.seconds += time.perf_counter() - started
            self.simulated_items = spec.n_items


class LPSStandIn:
    """Round-trips the request through JSON (CJ's client and LPS's validation) and answers a flat estimate."""

    async def estimate(self, request: UsageEstimateRequest) -> UsageEstimate:
        body = UsageEstimateRequest.model_validate_json(request.model_dump_json())
        cuts = body.comparisons.model_dump()
        return UsageEstimate(
            provider=body.provider,
            model=body.model,
            batching_mode=body.batching_mode,
            configured=True,
            llm_calls=cuts,
            input_tokens={k: 1000 * v for k, v in cuts.items()},
            output_tokens=cuts,
            cost_usd=dict.fromkeys(cuts, 0.0),
            duration_seconds=dict.fromkeys(cuts, 1.0),
            price_per_million_usd={"input": 0.0, "output": 0.0, "cached_input": 0.0},
        )


# An assignment with ``ANCHORS`` anchors, as the service would read it from its database and content service.
BENCH_INPUTS = JobInputs(
    [CHARACTERS_PER_ESSAY] * ANCHORS, SETTINGS.default_grade_scale, ComparisonContext(instructions="x")
)


def estimate_request(n_students: int) -> tuple[AssessmentEstimateRequest, str]:
    fields: dict[str, Any] = {
        "essay_count": n_students,
        "total_words": n_students * 500,
        "total_characters": n_students * CHARACTERS_PER_ESSAY,
    }
    try:
        return AssessmentEstimateRequest.model_validate(fields), "accepted"
    except ValidationError:
        # Timed all the same, to show what lifting the cap would cost.
        return AssessmentEstimateRequest.model_construct(**fields), f"refused (cap {MAX_ESSAYS_PER_ESTIMATE})"


async def time_estimates(sizes: Sequence[int]) -> None:
    print(f"\nEstimates (Estimator.estimate, {ANCHORS} anchors, LPS stand-in, empty simulation cache)")
    print("  essays  request               total s   simulation s   items simulated   comparisons (typical)   waves")
    for n in sizes:
        cache = TimedCache()
        request, verdict = estimate_request(n)
        started = time.perf_counter()
        estimate = await Estimator(SETTINGS, LPSStandIn(), cache).estimate(request, BENCH_INPUTS)
        total = time.perf_counter() - started
        print(
            f"  {n:6d}  {verdict:20s}  {total:7.2f}  {cache.seconds:13.2f}  {cache.simulated_items:16d}"
            f"  {estimate.comparisons.typical:22d}  {estimate.waves.typical:6d}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-cj-scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="students per job")
    parser.add_argument("--estimate-sizes", type=int, nargs="*", default=list(ESTIMATE_SIZES), help="essays")
    args = parser.parse_args(argv)
    print("CJ at scale: CPU time per wave decision and per estimate (printed, never asserted)")
    for n in args.sizes:
        print_job(run_job(n))
    if args.estimate_sizes:
        asyncio.run(time_estimates(args.estimate_sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
