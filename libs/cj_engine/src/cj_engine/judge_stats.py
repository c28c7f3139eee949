"""How each judge and each essay fits the multi-judge scale: agreement, infit and outfit.

Residuals are taken under the model each verdict was judged by: for a verdict of judge ``k``,
p = P(first wins | judge k) = sigmoid(a_k (theta_f - theta_s) + gamma_k) from ``judge_fit``, y = 1 if the
first-shown essay won, and z^2 = (y - p)^2 / (p (1 - p)). Per judge or essay:

- **outfit** = mean z^2 (unweighted: dominated by surprising verdicts on lopsided pairs),
- **infit** = sum (y - p)^2 / sum p (1 - p) (information-weighted: dominated by close pairs).

Both are 1 when the verdicts are as noisy as the model expects, above 1 when noisier (a judge who disagrees
with the scale, an essay judged inconsistently), below 1 when more predictable (Rasch mean squares;
Pollitt 2012 for comparative judgement). An essay is flagged as misfitting, as in Pollitt's practice, when
its infit exceeds the mean of all essays' infit by two SDs (only essays with ``min_item_comparisons``).

**Agreement with the fitted scale** is the share of a judge's verdicts whose winner has the higher fitted
theta (a tie of theta counts half). It is what a teacher reads as "agrees with the ranking" and does not
depend on the judge's own a_k or gamma_k.

A judge's mean squares are taken under its own a_k: a judge who is merely noisier (or contrary) gets a
small a_k and mean squares near 1, so its agreement and discrimination are what show it; its infit rises
above 1 when it is inconsistent in a way one a_k cannot describe (sharp on some essays, random on others).

The issue shows a teacher's statistics only from 20 decisions on (``min_decisions``): below that,
``enough_decisions`` is False and the caller hides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cj_engine.judge_fit import MultiJudgeFit
from cj_engine.types import Comparison, FloatArray

MIN_DECISIONS = 20
MIN_ITEM_COMPARISONS = 3
MISFIT_SDS = 2.0


@dataclass(frozen=True)
class JudgeStatistics:
    judge: str
    is_reference: bool
    n_decisions: int
    enough_decisions: bool  # n_decisions >= min_decisions: show to a teacher only then
    discrimination: float
    discrimination_se: float  # 0 for the reference judge (its discrimination is fixed at 1)
    position_bias: float
    position_se: float
    agreement: float | None  # share of verdicts agreeing with the fitted order; None without verdicts
    infit: float | None
    outfit: float | None


@dataclass(frozen=True)
class ItemFit:
    index: int
    n_comparisons: int
    infit: float | None  # None without comparisons
    outfit: float | None
    misfit: bool


@dataclass(frozen=True)
class _Residuals:
    """Per comparison: the squared residual, the model variance p (1 - p) and agreement with the scale."""

    squared: FloatArray
    variance: FloatArray
    agrees: FloatArray


def _residuals(fit: MultiJudgeFit, comparisons: Sequence[Comparison], judges: Sequence[str]) -> _Residuals:
    p = fit.first_win_probability(comparisons, judges)
    y = np.fromiter((c.first_won for c in comparisons), dtype=np.float64, count=len(comparisons))
    theta = fit.fit.theta
    gap = np.fromiter((theta[c.winner] - theta[c.loser] for c in comparisons), dtype=np.float64, count=len(comparisons))
    agrees = np.where(gap > 0, 1.0, np.where(gap < 0, 0.0, 0.5))
    return _Residuals(squared=(y - p) ** 2, variance=p * (1.0 - p), agrees=agrees)


def _mean_squares(residuals: _Residuals, mask: np.ndarray) -> tuple[float | None, float | None]:
    if not mask.any():
        return None, None
    squared, variance = residuals.squared[mask], residuals.variance[mask]
    infit = float(squared.sum() / variance.sum())
    outfit = float(np.mean(squared / variance))
    return infit, outfit


def judge_statistics(
    fit: MultiJudgeFit,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    *,
    min_decisions: int = MIN_DECISIONS,
) -> tuple[JudgeStatistics, ...]:
    """Every judge of ``fit`` (the reference first), with its parameters, agreement, infit and outfit."""
    residuals = _residuals(fit, comparisons, judges)
    judge_of = np.array(list(judges), dtype=object)
    stats = []
    for estimate in fit.judges:
        mask = judge_of == estimate.judge if len(judges) else np.zeros(0, dtype=np.bool_)
        infit, outfit = _mean_squares(residuals, mask)
        stats.append(
            JudgeStatistics(
                judge=estimate.judge,
                is_reference=estimate.is_reference,
                n_decisions=estimate.n_decisions,
                enough_decisions=estimate.n_decisions >= min_decisions,
                discrimination=estimate.discrimination,
                discrimination_se=estimate.discrimination_se,
                position_bias=estimate.position_bias,
                position_se=estimate.position_se,
                agreement=float(residuals.agrees[mask].mean()) if mask.any() else None,
                infit=infit,
                outfit=outfit,
            )
        )
    return tuple(stats)


def item_fit(
    fit: MultiJudgeFit,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    *,
    min_item_comparisons: int = MIN_ITEM_COMPARISONS,
    misfit_sds: float = MISFIT_SDS,
) -> tuple[ItemFit, ...]:
    """Infit and outfit of every essay over all its verdicts (every judge), and the misfit flag."""
    n = fit.fit.n_items
    residuals = _residuals(fit, comparisons, judges)
    first = np.fromiter((c.first for c in comparisons), dtype=np.int64, count=len(comparisons))
    second = np.fromiter((c.second for c in comparisons), dtype=np.int64, count=len(comparisons))
    counts = np.bincount(first, minlength=n) + np.bincount(second, minlength=n)
    ratio = residuals.squared / residuals.variance

    def per_item(values: FloatArray) -> FloatArray:
        return np.asarray(np.bincount(first, values, minlength=n) + np.bincount(second, values, minlength=n))

    with np.errstate(invalid="ignore", divide="ignore"):
        infit = per_item(residuals.squared) / per_item(residuals.variance)
        outfit = per_item(ratio) / counts
    eligible = counts >= min_item_comparisons
    threshold = np.inf
    if int(eligible.sum()) >= 2:
        threshold = float(infit[eligible].mean() + misfit_sds * infit[eligible].std())
    return tuple(
        ItemFit(
            index=i,
            n_comparisons=int(counts[i]),
            infit=float(infit[i]) if counts[i] else None,
            outfit=float(outfit[i]) if counts[i] else None,
            misfit=bool(eligible[i] and infit[i] > threshold),
        )
        for i in range(n)
    )
