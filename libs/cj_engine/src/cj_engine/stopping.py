"""The stopping rule: a pure function of the assessment state, returning continue or a stop reason.

Reasons, checked in this order (the first that holds is returned, so a wave that both reaches the target
and spends the budget reports the more informative ``reliability_reached``):

1. ``reliability_reached``: the UNINFLATED reliability (``reliability.marginal_reliability``) is >=
   ``reliability_target`` after each of the last ``reliability_waves`` waves, and every item has
   ``min_comparisons_per_item`` comparisons. SSR is never used: adaptive pairing inflates it, even on
   coin-toss judgements (Bramley 2015). Why two waves by default: one wave above the target can be a
   fluke of a small batch early on (coin tosses at n = 30, 6 comparisons per item: 1 of 30 runs crossed
   0.8 once); requiring it twice in a row left 0 of 100 coin-toss runs stopping, for about one more
   comparison per item with real signal.
2. ``stable``: the largest |delta theta| between consecutive waves stayed below ``stable_delta`` for
   ``stable_waves`` waves, after the same minimum, AND the uninflated reliability is at least
   ``stable_min_reliability``. The last condition is what keeps noise from stopping a run: under a MAP
   prior, theta estimated from coin tosses is shrunk towards 0 and barely moves from wave to wave, so
   "the estimates stopped moving" alone is no evidence of a measurement. Stability only answers "will more
   comparisons change the result?", which is worth acting on once the result is worth something; it then
   saves the last waves of a batch whose reliability plateaus just under the target. Thresholds: with
   waves of n/2 pairs the largest theta change per wave measured about 0.2-0.25 logits at 20 comparisons
   per item with real signal and about 0.15 with coin tosses (noise moves LESS), so the default 0.10
   logits for 3 waves matters for larger budgets, and never without the reliability floor.
3. ``budget_exhausted``: the total cap is reached, or fewer than two items are below the per-item cap
   (no pair can be formed).
4. ``no_useful_pair_left``: the planner has no allowed, useful pair (``planner.count_useful_pairs``).

**The uninflated reliability.** ``decide`` reads the reliability the caller computes after each wave,
one value per wave in ``StoppingState.reliability_history``: ``reliability.marginal_reliability``, the
random-effects Bradley-Terry reliability from the marginal likelihood. The planner adapts to the pooled
fit, so SSR and split-half over random splits both rise on pure noise (measured with this planner at
n = 100 on coin tosses: SSR about 0.9); the likelihood, and with it the marginal reliability, is the same
function of the between-item spread whatever rule chose the pairs from earlier outcomes, and it stays
near 0 on coin tosses (``pdm run bench-cj``; docs/decisions/0004-plan-from-the-pooled-fit.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from cj_engine.types import FloatArray, IntArray


class StopReason(StrEnum):
    RELIABILITY_REACHED = "reliability_reached"
    STABLE = "stable"
    BUDGET_EXHAUSTED = "budget_exhausted"
    NO_USEFUL_PAIR_LEFT = "no_useful_pair_left"


@dataclass(frozen=True)
class StoppingConfig:
    reliability_target: float = 0.80
    reliability_waves: int = 2  # the target must hold after each of this many latest waves
    min_comparisons_per_item: int = 6  # before this, the between-item spread is too poorly known to trust
    stable_delta: float = 0.10  # logits: the largest theta change between waves counted as "not moving"
    stable_waves: int = 3
    stable_min_reliability: float = 0.70
    max_comparisons_per_item: int | None = 20
    max_total_comparisons: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.reliability_target <= 1.0 or not 0.0 <= self.stable_min_reliability <= 1.0:
            raise ValueError("reliability_target must be in (0, 1] and stable_min_reliability in [0, 1]")
        if self.min_comparisons_per_item < 0 or self.stable_waves < 1 or self.reliability_waves < 1:
            raise ValueError("min_comparisons_per_item must be >= 0, stable_waves and reliability_waves >= 1")
        if not self.stable_delta > 0.0:
            raise ValueError("stable_delta must be > 0")


@dataclass(frozen=True)
class StoppingState:
    """Everything the rule reads. The histories hold one entry per wave, oldest first (the latest few suffice).

    ``reliability_history``: the uninflated reliability (``reliability.marginal_reliability``) after each
    wave, None where it was not computed (too few comparisons yet); ``theta_history``: the fit's theta after
    each wave.
    """

    comparisons_per_item: IntArray
    total_comparisons: int
    reliability_history: Sequence[float | None] = ()
    theta_history: Sequence[FloatArray] = ()
    useful_pairs_left: int = 1

    @property
    def reliability(self) -> float | None:
        return self.reliability_history[-1] if self.reliability_history else None


@dataclass(frozen=True)
class StopDecision:
    reason: StopReason | None  # None = continue
    detail: str

    @property
    def stop(self) -> bool:
        return self.reason is not None


def theta_changes(theta_history: Sequence[FloatArray]) -> list[float]:
    """The largest |delta theta| between each pair of consecutive waves (both are centred fits)."""
    return [float(np.max(np.abs(b - a), initial=0.0)) for a, b in itertools.pairwise(theta_history)]


def decide(state: StoppingState, config: StoppingConfig) -> StopDecision:
    counts = state.comparisons_per_item
    enough = counts.size > 0 and int(counts.min()) >= config.min_comparisons_per_item
    reliability = state.reliability
    latest = list(state.reliability_history)[-config.reliability_waves :]
    if (
        enough
        and len(latest) == config.reliability_waves
        and all(r is not None and r >= config.reliability_target for r in latest)
    ):
        return StopDecision(
            StopReason.RELIABILITY_REACHED,
            f"reliability {reliability:.3f} >= target {config.reliability_target:.2f} "
            f"for {config.reliability_waves} wave(s)",
        )
    recent = theta_changes(state.theta_history)[-config.stable_waves :]
    if (
        enough
        and reliability is not None
        and reliability >= config.stable_min_reliability
        and len(recent) == config.stable_waves
        and max(recent) < config.stable_delta
    ):
        return StopDecision(
            StopReason.STABLE,
            f"largest theta change {max(recent):.3f} < {config.stable_delta} for {config.stable_waves} waves "
            f"at reliability {reliability:.3f}",
        )
    if config.max_total_comparisons is not None and state.total_comparisons >= config.max_total_comparisons:
        return StopDecision(StopReason.BUDGET_EXHAUSTED, f"total of {config.max_total_comparisons} comparisons spent")
    cap = config.max_comparisons_per_item
    if cap is not None and int((counts < cap).sum()) < 2:
        return StopDecision(StopReason.BUDGET_EXHAUSTED, f"fewer than two items below {cap} comparisons")
    if state.useful_pairs_left <= 0:
        return StopDecision(StopReason.NO_USEFUL_PAIR_LEFT, "no allowed pair is informative enough")
    return StopDecision(None, "continue")
