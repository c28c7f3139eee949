"""The stopping rule: a pure function of the assessment state, returning continue or a stop reason.

Reasons, checked in this order (the first that holds is returned, so a wave that both reaches the target
and spends the budget reports the more informative ``reliability_reached``):

1. ``reliability_reached``: the UNINFLATED reliability (see below) is >=
   ``reliability_target`` after each of the last ``reliability_waves`` waves, and every item has
   ``min_comparisons_per_item`` comparisons. SSR is never used: adaptive pairing inflates it, even on
   coin-toss judgements (Bramley 2015). Why two waves by default: the estimate is noisy (at n = 30 its
   sampling SD is about 0.07 near 0.8), and stopping at its first crossing selects upward noise. Each
   wave updates one stream, so two waves mean both streams agree after their latest update; in the
   simulation this moved the true reliability at the stop from 0.77 to 0.80 at n = 30 (target 0.80) for
   about 1.5 more comparisons per item.
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

**The uninflated reliability.** ``decide`` reads whichever uninflated reliability the caller computes,
one value per wave in ``StoppingState.reliability_history``. Two exist, and both stayed honest on
coin-toss judges with this planner (``pdm run bench-cj``):

* ``stream_reliability`` (here; the default of ``simulation.run_assessment``). The planner runs two
  interleaved streams, each adapting only to its own comparisons (``planner`` module docstring); this
  correlates the two streams' thetas and steps the correlation up with Spearman-Brown: a parallel-forms
  reliability of two independent adaptive assessments. Each stream adapts only to its own outcomes (the
  other stream constrains it only through which pairs and orders are still free), so with coin-toss
  judges the two thetas are independent in all but that bookkeeping and their correlation centres on 0
  whatever the adaptivity, without a model assumption. Costs 2 fits a wave. Its sampling noise is that of
  a correlation over n items (SD about 1/sqrt(n) on noise), hence ``reliability_waves = 2``.
* ``reliability.marginal_reliability``: model-based (random-effects Bradley-Terry, marginal likelihood),
  less noisy, about 20 fits a wave; one wave above the target is then enough.

Split-half over RANDOM splits of the comparisons (``reliability.split_half_reliability``) is not enough
under adaptive pairing: both halves share a design chosen from the outcomes of both, each item's
"strength of schedule" carries its early luck into both halves, and the coefficient rises on pure noise
(measured at n = 100, 20 comparisons per item: about 0.3 with this planner, 0.82 when the planner adapts
to the pooled fit). It remains a fine check for non-adaptive designs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from cj_engine.types import Comparison, FitResult, FloatArray, IntArray

_MIN_ITEMS_FOR_CORRELATION = 3


class StopReason(StrEnum):
    RELIABILITY_REACHED = "reliability_reached"
    STABLE = "stable"
    BUDGET_EXHAUSTED = "budget_exhausted"
    NO_USEFUL_PAIR_LEFT = "no_useful_pair_left"


@dataclass(frozen=True)
class StoppingConfig:
    reliability_target: float = 0.80
    reliability_waves: int = 2  # the target must hold after each of this many latest waves
    min_comparisons_per_item: int = 6  # the stream correlation needs a few comparisons per item per stream
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

    ``reliability_history``: the uninflated reliability (``stream_reliability``) after each wave, None where
    it was not available yet; ``theta_history``: the pooled fit's theta after each wave.
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


def split_by_stream(
    comparisons: Sequence[Comparison], streams: Sequence[int]
) -> tuple[list[Comparison], list[Comparison]]:
    """The comparisons of stream 0 and of stream 1 (``streams[k]`` is the stream of ``comparisons[k]``)."""
    if len(streams) != len(comparisons):
        raise ValueError("streams must give one stream per comparison")
    if any(s not in (0, 1) for s in streams):
        raise ValueError("a stream is 0 or 1")
    return (
        [c for c, s in zip(comparisons, streams, strict=True) if s == 0],
        [c for c, s in zip(comparisons, streams, strict=True) if s == 1],
    )


def stream_reliability(fit_0: FitResult, fit_1: FitResult) -> float:
    """Parallel-forms reliability of the two streams' fits, stepped up to both together, in [0, 1].

    Pearson correlation r of the two thetas over the items compared in both streams, then Spearman-Brown
    2r / (1 + r); a negative r counts as 0. Fewer than 3 items compared in both streams, or no spread in
    one stream, give 0.0: there is nothing to be reliable about yet.
    """
    if fit_0.n_items != fit_1.n_items:
        raise ValueError("the two stream fits must cover the same items")
    both = (fit_0.comparisons_per_item > 0) & (fit_1.comparisons_per_item > 0)
    if int(both.sum()) < _MIN_ITEMS_FOR_CORRELATION:
        return 0.0
    a, b = fit_0.theta[both] - fit_0.theta[both].mean(), fit_1.theta[both] - fit_1.theta[both].mean()
    denominator = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    r = max(float(np.dot(a, b)) / denominator, 0.0) if denominator > 0.0 else 0.0
    return float(np.clip(2.0 * r / (1.0 + r), 0.0, 1.0))


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
            f"stream reliability {reliability:.3f} >= target {config.reliability_target:.2f} "
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
            f"at stream reliability {reliability:.3f}",
        )
    if config.max_total_comparisons is not None and state.total_comparisons >= config.max_total_comparisons:
        return StopDecision(StopReason.BUDGET_EXHAUSTED, f"total of {config.max_total_comparisons} comparisons spent")
    cap = config.max_comparisons_per_item
    if cap is not None and int((counts < cap).sum()) < 2:
        return StopDecision(StopReason.BUDGET_EXHAUSTED, f"fewer than two items below {cap} comparisons")
    if state.useful_pairs_left <= 0:
        return StopDecision(StopReason.NO_USEFUL_PAIR_LEFT, "no allowed pair is informative enough")
    return StopDecision(None, "continue")
