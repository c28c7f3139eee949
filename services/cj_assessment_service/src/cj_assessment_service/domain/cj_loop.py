"""One wave of the CJ loop over the engine (libs/cj_engine README, "Running an assessment"). No I/O.

Each wave is planned from the fit of all verdicts so far (the pooled fit), which is also what is
reported. Adaptive planning inflates SSR, so ``decide`` reads the marginal-likelihood reliability
instead (docs/decisions/0004). The fits here are CPU-bound: async callers run them in a worker thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.planner import PlannedPair, PlannerConfig, PlanningState, count_useful_pairs, plan_wave
from cj_engine.reliability import marginal_reliability
from cj_engine.stopping import StopDecision, StoppingConfig, StoppingState, decide
from cj_engine.types import Comparison, FitResult


@dataclass(frozen=True)
class Verdict:
    """A recorded comparison in engine indices: ``first`` was shown first."""

    first: int
    second: int
    winner: int

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

    fit: FitResult  # the pooled fit: reported, and what the next wave is planned from
    reliability: float | None  # marginal reliability, the one the stopping rule reads; None if not computed
    ssr: float  # reported only: adaptive planning inflates it


def _engine_comparisons(verdicts: Sequence[Verdict]) -> list[Comparison]:
    return [v.as_comparison() for v in verdicts]


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


def pooled_fit(n_items: int, verdicts: Sequence[Verdict]) -> FitResult | None:
    """The fit of every verdict so far (None before any): what the next wave is planned from."""
    return fit_bradley_terry(n_items, _engine_comparisons(verdicts)) if verdicts else None


def plan_next_wave(
    n_items: int,
    verdicts: Sequence[Verdict],
    fit: FitResult | None,
    anchors: frozenset[int],
    wave: int,
    config: PlannerConfig,
) -> list[PlannedPair]:
    """The pairs of ``wave``, planned from ``fit``: ``pooled_fit(n_items, verdicts)``, or the fit of the
    wave just summarised (the same fit), which saves refitting the same verdicts."""
    return plan_wave(PlanningState(n_items, _engine_comparisons(verdicts), fit, anchors, wave), config)


def summarise_wave(n_items: int, verdicts: Sequence[Verdict], stopping: StoppingConfig) -> WaveSummary:
    """The pooled fit, its SSR, and the marginal reliability once every item has the minimum comparisons.

    Before that minimum the stopping rule cannot use the reliability, so its ~20 fits are skipped
    (as in ``cj_engine.simulation.run_assessment``).
    """
    comparisons = _engine_comparisons(verdicts)
    fit = fit_bradley_terry(n_items, comparisons)
    reliability = None
    if int(fit.comparisons_per_item.min()) >= stopping.min_comparisons_per_item:
        reliability = marginal_reliability(n_items, comparisons)
    return WaveSummary(fit=fit, reliability=reliability, ssr=float(fit.ssr))


def decide_after_wave(
    n_items: int,
    verdicts: Sequence[Verdict],
    fit: FitResult,
    reliability_history: Sequence[float | None],
    theta_history: Sequence[Sequence[float]],
    planner: PlannerConfig,
    stopping: StoppingConfig,
) -> StopDecision:
    comparisons = _engine_comparisons(verdicts)
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
