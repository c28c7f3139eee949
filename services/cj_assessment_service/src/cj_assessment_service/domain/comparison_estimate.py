"""How many comparisons a job takes, before it starts: bounds from the stopping rule and the budget, and a
typical run from ``cj_engine`` simulations of the job's own loop at the batch's size. No I/O.

docs/estimates.md explains the derivation; the service layer (``service_layer/estimates.py``) adds what
LPS says the simulated waves cost.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_engine.planner import PlannedPair, PlannerConfig
from cj_engine.simulation import REALISTIC_JUDGE, AssessmentRun, LoopConfig, run_assessment, simulate_batch
from cj_engine.stopping import StopReason
from common_core.grade_scales import get_grade_scale

Pair = tuple[int, int]
Wave = tuple[Pair, ...]


@dataclass(frozen=True)
class ComparisonBounds:
    minimum: int  # no stop can come earlier
    maximum: int  # the budget allows no more
    per_item_cap: int  # comparisons one item can get: the budget, or every other item twice
    per_item_needed: int  # comparisons every item needs before a reliability or stability stop


def comparison_bounds(n_items: int, budget: cj_loop.Budget) -> ComparisonBounds:
    """The fewest and most comparisons the loop can make with ``n_items`` essays and anchors.

    Most: the planner never plans an item past the per-essay budget, nor a pair more than
    ``max_pair_repeats`` times, so each item gets at most ``cap`` comparisons. Fewest: the
    reliability and stability stops need every item at ``min_comparisons_per_item`` (capped by the
    budget); the budget stop needs all but one item at the budget.
    """
    repeats = PlannerConfig().max_pair_repeats
    cap = min(budget.max_comparisons_per_item, repeats * (n_items - 1))
    maximum = n_items * cap // 2
    needed = min(budget.min_comparisons_per_item, budget.max_comparisons_per_item)
    earliest = min(
        math.ceil(n_items * min(needed, cap) / 2),
        math.ceil((n_items - 1) * budget.max_comparisons_per_item / 2),
    )
    return ComparisonBounds(minimum=min(earliest, maximum), maximum=maximum, per_item_cap=cap, per_item_needed=needed)


@dataclass(frozen=True)
class SimulationSpec:
    """One simulated job: what decides its waves (and the key its runs are cached under)."""

    n_items: int
    n_anchors: int
    grade_scale: str
    budget: cj_loop.Budget
    wave_multiplier: int  # the job's wave size, as ``waves.job_planner`` sets it per batching mode
    bundle_order: bool  # serial_bundle: waves are submitted in ``order_for_bundles`` order
    runs: int
    max_waves: int


@dataclass(frozen=True)
class SimulatedRun:
    comparisons: int  # where the stopping rule stopped (or the planner ran dry)
    stopped: bool  # False: still comparing when the simulation's wave limit came
    waves: tuple[Wave, ...]  # in submission order
    anchors: tuple[int, ...]  # the items simulated as anchors
    seconds_per_wave: float  # CJ's own work per wave here: plan, fit, reliability, decide


def simulate(spec: SimulationSpec) -> list[SimulatedRun]:
    """``spec.runs`` runs of the job's loop (the service's planner and stopping settings) against
    ``cj_engine``'s realistic judge, seeds 0, 1, ...: CPU work, so callers run it in a worker thread."""
    return [_run(spec, seed) for seed in range(spec.runs)]


def _run(spec: SimulationSpec, seed: int) -> SimulatedRun:
    n = spec.n_items
    batch = simulate_batch(n, seed=seed, n_anchors=min(spec.n_anchors, n), scale=get_grade_scale(spec.grade_scale))
    config = LoopConfig(
        planner=cj_loop.planner_config(seed, n, spec.budget, spec.wave_multiplier),
        stopping=cj_loop.stopping_config(spec.budget),
        max_waves=spec.max_waves,
    )
    started = time.perf_counter()
    run = run_assessment(batch, REALISTIC_JUDGE, config, seed=seed)
    elapsed = time.perf_counter() - started
    # A run the wave limit cut off is reported as the planner running dry; it has not stopped.
    cut_off = len(run.waves) >= spec.max_waves and run.metrics.stop_reason is StopReason.NO_USEFUL_PAIR_LEFT
    return SimulatedRun(
        comparisons=run.metrics.total_comparisons,
        stopped=not cut_off,
        waves=_submitted_waves(run, spec.bundle_order),
        anchors=tuple(sorted(batch.anchors)),
        seconds_per_wave=elapsed / max(1, len(run.waves)),
    )


def _submitted_waves(run: AssessmentRun, bundle_order: bool) -> tuple[Wave, ...]:
    waves: list[Wave] = []
    done = 0
    for record in run.waves:
        planned = [PlannedPair(c.first, c.second) for c in run.comparisons[done : record.total_comparisons]]
        done = record.total_comparisons
        if bundle_order:
            planned = order_for_bundles(planned)  # as waves.start_wave submits a serial_bundle wave
        waves.append(tuple((p.first, p.second) for p in planned))
    return tuple(waves)


def typical_run(runs: Sequence[SimulatedRun], bounds: ComparisonBounds) -> tuple[int, SimulatedRun]:
    """The median run's comparisons, and that run; a run cut off by the wave limit counts as the budget spent."""
    totals = [run.comparisons if run.stopped else bounds.maximum for run in runs]
    median = sorted(totals)[(len(totals) - 1) // 2]
    return median, runs[totals.index(median)]


def scaled(waves: Sequence[Wave], simulated_items: int, n_items: int) -> list[Wave]:
    """Waves of a run simulated at ``simulated_items`` laid over ``n_items`` (more): each wave repeated
    for every block of ``simulated_items`` items, so wave count and bundle sharing stay as simulated."""
    blocks = math.ceil(n_items / simulated_items)
    return [
        tuple(
            (a + offset, b + offset)
            for offset in range(0, blocks * simulated_items, simulated_items)
            for a, b in wave
            if a + offset < n_items and b + offset < n_items
        )
        for wave in waves
    ]


def extended(waves: Sequence[Wave], comparisons: int) -> list[Wave]:
    """``waves``, then the same waves again in turn, until they hold ``comparisons`` pairs.

    The maximum run goes on after the simulated stop; its later waves are shaped like the ones simulated.
    """
    simulated = [wave for wave in waves if wave]
    if not simulated:
        raise ValueError("no wave to extend")
    out = list(simulated)
    total = sum(len(wave) for wave in out)
    turn = 0
    while total < comparisons:
        wave = simulated[turn % len(simulated)]
        out.append(wave)
        total += len(wave)
        turn += 1
    return out


def waves_for(waves: Sequence[Wave], comparisons: int) -> int:
    """How many waves the first ``comparisons`` pairs reach into."""
    total = 0
    for count, wave in enumerate(waves, start=1):
        total += len(wave)
        if total >= comparisons:
            return count
    return len(waves)


def median_seconds_per_wave(runs: Sequence[SimulatedRun]) -> float:
    return statistics.median(run.seconds_per_wave for run in runs)
