"""One wave of the CJ loop over the engine (libs/cj_engine README, "Running an assessment"). No I/O.

Each comparison keeps its wave's stream; each wave is planned from its own stream's fit; the pooled
fit is what is reported; ``decide`` says when to stop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.planner import PlannedPair, PlannerConfig, PlanningState, count_useful_pairs, plan_wave, stream_of_wave
from cj_engine.stopping import StopDecision, StoppingConfig, StoppingState, decide, split_by_stream, stream_reliability
from cj_engine.types import Comparison, FitResult


@dataclass(frozen=True)
class Verdict:
    """A recorded comparison in engine indices: ``first`` was shown first; ``stream`` is its wave's."""

    first: int
    second: int
    winner: int
    stream: int

    def as_comparison(self) -> Comparison:
        return Comparison(self.first, self.second, self.winner)


@dataclass(frozen=True)
class Budget:
    max_comparisons_per_item: int
    target_reliability: float
    min_comparisons_per_item: int


@dataclass(frozen=True)
class WaveSummary:
    """What a completed wave leaves behind for the stopping rule and the reports."""

    fit: FitResult
    stream_reliability: float | None
    ssr: float


def _engine_comparisons(verdicts: Sequence[Verdict]) -> tuple[list[Comparison], list[int]]:
    return [v.as_comparison() for v in verdicts], [v.stream for v in verdicts]


def planner_config(seed: int, n_items: int, budget: Budget, wave_size_multiplier: int) -> PlannerConfig:
    return PlannerConfig(
        seed=seed,
        wave_size=max(1, (n_items // 2) * wave_size_multiplier),
        max_comparisons_per_item=budget.max_comparisons_per_item,
    )


def stopping_config(budget: Budget) -> StoppingConfig:
    return StoppingConfig(
        reliability_target=budget.target_reliability,
        min_comparisons_per_item=min(budget.min_comparisons_per_item, budget.max_comparisons_per_item),
        max_comparisons_per_item=budget.max_comparisons_per_item,
    )


def plan_next_wave(
    n_items: int, verdicts: Sequence[Verdict], anchors: frozenset[int], wave: int, config: PlannerConfig
) -> list[PlannedPair]:
    """The pairs of ``wave``, planned from the fit of that wave's stream only."""
    comparisons, streams = _engine_comparisons(verdicts)
    own_stream = split_by_stream(comparisons, streams)[stream_of_wave(wave)]
    stream_fit = fit_bradley_terry(n_items, own_stream) if own_stream else None
    return plan_wave(PlanningState(n_items, comparisons, stream_fit, anchors, wave), config)


def summarise_wave(n_items: int, verdicts: Sequence[Verdict]) -> WaveSummary:
    """The pooled fit (reported) and the two-stream reliability (used to stop) after a wave."""
    comparisons, streams = _engine_comparisons(verdicts)
    fit = fit_bradley_terry(n_items, comparisons)
    half_0, half_1 = split_by_stream(comparisons, streams)
    reliability = (
        stream_reliability(fit_bradley_terry(n_items, half_0), fit_bradley_terry(n_items, half_1))
        if half_0 and half_1
        else None
    )
    return WaveSummary(fit=fit, stream_reliability=reliability, ssr=float(fit.ssr))


def decide_after_wave(
    n_items: int,
    verdicts: Sequence[Verdict],
    fit: FitResult,
    reliability_history: Sequence[float | None],
    theta_history: Sequence[Sequence[float]],
    planner: PlannerConfig,
    stopping: StoppingConfig,
) -> StopDecision:
    comparisons, _ = _engine_comparisons(verdicts)
    return decide(
        StoppingState(
            comparisons_per_item=fit.comparisons_per_item,
            total_comparisons=len(comparisons),
            reliability_history=list(reliability_history),
            theta_history=[np.asarray(t, dtype=np.float64) for t in theta_history],
            useful_pairs_left=count_useful_pairs(n_items, comparisons, fit, planner),
        ),
        stopping,
    )


def progress_percentage(comparisons_done: int, n_items: int, max_per_item: int, finished: bool) -> float:
    """Share of the budget spent, held below 100 until the job has really finished."""
    if finished:
        return 100.0
    budget_total = max(1, n_items * max_per_item // 2)
    return round(min(99.0, 100.0 * comparisons_done / budget_total), 1)


def normalized_score(theta: float) -> float:
    """The logit ability on 0-100 (50 = the batch average): a logistic map, monotone and bounded."""
    return round(100.0 / (1.0 + math.exp(-theta)), 2)
