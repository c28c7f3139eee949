"""Reliability of a CJ scale: SSR for reporting, and a marginal-likelihood reliability that adaptive
pairing does not inflate.

Which reliability stops an assessment: ``marginal_reliability``. The planner adapts to the fit of every
comparison so far, and this is the estimate that such a design cannot inflate (below); the simulation and
the benchmark report it beside SSR, split-half and the true reliability
(docs/decisions/0004-plan-from-the-pooled-fit.md).

SSR (scale separation reliability) compares the observed spread of theta with its SEs. Adaptive pairing
makes the design depend on the outcomes, which spreads theta out beyond what the SEs account for, so SSR
rises even when every judgement is a coin toss (Bramley 2015 found SSR above 0.7 on pure noise). SSR is
reported, never used to stop.

``marginal_reliability`` replaces SSR's denominator, the observed variance of theta
(a sampling quantity that adaptivity distorts), by an estimate of the between-item variance tau^2 from the
marginal likelihood of a random-effects Bradley-Terry model (theta_i ~ N(0, tau^2), Laplace
approximation, maximised over tau). As long as the pairing rule only looks at earlier outcomes, the
likelihood of the outcomes is the same function of tau whatever rule chose the pairs (the design is
ignorable for likelihood inference): adaptivity changes which data are collected, not what they say
about tau. The reliability is then
1 - mean posterior variance / prior variance of centred theta, the model's expected squared correlation
between the true and the estimated theta: the quantity the benchmark calls the true reliability. To
stay on the safe side for a stopping rule, tau is taken at a one-sided lower confidence bound from the
profile likelihood (``confidence``; 0.5 gives the point estimate).

Why not split-half (``split_half_reliability``, kept as a diagnostic): a random split of one adaptive
run shares its design, and the design was chosen from the sum of both halves' outcomes, so both halves
inherit the same chance differences. In simulation (100 items, 14 comparisons per item, coin-toss judges,
pairs chosen by current estimates without repeats) SSR averaged 0.90, split-half 0.82 and the marginal
reliability (point estimate) 0.07; with random pairs all three stay near 0. Split-half is honest only for
non-adaptive designs. SSR on the non-adaptive part of the design would discard most of the data and
describe a smaller design than the one estimated.

With real signal and information-seeking pairs without repeats (100 items, 14 comparisons each, true
theta SD 1.7) the point estimate averaged 0.86 against a true 0.87, and the default (confidence 0.75)
0.82: the default trades a few extra comparisons for a margin against stopping early.

Known limit: the data say little about tau under extreme adaptivity. With pure neighbour pairing that
repeats pairs (60 items, 16 comparisons each, true theta SD 1) the point estimate overstated the true
reliability by up to 0.2 (SSR by up to 0.33); on coin tosses it stayed below 0.4 while SSR and
split-half averaged 0.89 and 0.83. A planner with a random component and no repeats is much milder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq, minimize_scalar
from scipy.special import ndtri

from cj_engine.bradley_terry import fit_bradley_terry, laplace_terms
from cj_engine.graph import ComparisonArrays, as_comparison_arrays
from cj_engine.types import Comparison, FitOptions, FloatArray

_DEFAULT_OPTIONS = FitOptions()
_MIN_ITEMS_FOR_CORRELATION = 3
# The search range for the between-item SD tau, on the logit scale: from "no differences" to far beyond
# any realistic spread of essays.
_TAU_MIN = 0.02
_TAU_MAX = 10.0
_LOG_TAU_XTOL = 1e-3


def stratified_split(data: ComparisonArrays, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """A random split of the comparisons into two halves, balanced per item.

    Comparisons are visited in random order and each goes to the half that evens out its two items'
    counts (a fair coin on ties), so every item's comparisons are split roughly evenly and no item ends
    up measured in one half only. Returns True for the comparisons of the first half.
    """
    m = data.n_comparisons
    order = rng.permutation(m).tolist()
    coins = (rng.random(m) < 0.5).tolist()
    first, second = data.first.tolist(), data.second.tolist()
    balance = [0] * data.n_items  # per item: comparisons in the first half minus in the second
    in_first = [False] * m
    # A plain loop: each assignment depends on the balance left by the previous ones.
    for k in order:
        f, s = first[k], second[k]
        lean = balance[f] + balance[s]
        to_first = lean < 0 or (lean == 0 and coins[k])
        step = 1 if to_first else -1
        balance[f] += step
        balance[s] += step
        in_first[k] = to_first
    return np.array(in_first, dtype=np.bool_)


def _subset(data: ComparisonArrays, mask: npt.NDArray[np.bool_]) -> ComparisonArrays:
    return ComparisonArrays(
        n_items=data.n_items,
        first=data.first[mask],
        second=data.second[mask],
        first_won=data.first_won[mask],
        weight=data.weight[mask],
    )


def _pearson(a: FloatArray, b: FloatArray) -> float:
    a_c, b_c = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt(np.dot(a_c, a_c) * np.dot(b_c, b_c)))
    return float(np.dot(a_c, b_c)) / denominator if denominator > 0.0 else 0.0


def marginal_reliability(
    n_items: int,
    comparisons: Sequence[Comparison] | ComparisonArrays,
    *,
    confidence: float = 0.75,
    options: FitOptions = _DEFAULT_OPTIONS,
) -> float:
    """Reliability that adaptive pairing does not inflate; use it for stopping (see the module docstring).

    tau, the SD of theta across items, is estimated by maximising the Laplace-approximated marginal
    likelihood over [0.02, 10] logits, then lowered to the one-sided ``confidence`` lower bound of its
    profile likelihood (log-likelihood drop z^2 / 2 with z the normal ``confidence`` quantile; 0.5 means
    no lowering).
    With ``options.prior_sd`` replaced by that tau, the fit gives posterior variances SE_i^2, and

        reliability = 1 - mean(SE_i^2) / (tau^2 (n - 1) / n),

    clamped to [0, 1]; tau^2 (n - 1) / n is the prior variance of a centred theta. Fewer than 2 items or
    no comparisons give 0.0. Every other option (position effect, weights) is used as given. Costs about
    20 fits; deterministic.
    """
    # not at the top: bradley_terry imports SSR from here

    if not 0.5 <= confidence < 1.0:
        raise ValueError("confidence must be in [0.5, 1)")
    data = as_comparison_arrays(n_items, comparisons)
    if n_items < 2 or data.n_comparisons == 0:
        return 0.0
    evidences: dict[float, float] = {}

    def evidence_at(log_tau: float) -> float:
        """The log marginal likelihood (up to a constant) with tau = exp(log_tau).

        Only the Laplace terms: the search tries about 20 values of tau and needs no SEs at any of them,
        and skipping the covariance halves the cost of each try (an O(n^3) inverse at a few thousand
        items). Memoised: the bound search can come back to a value it has tried.
        """
        if log_tau not in evidences:
            log_posterior, log_det = laplace_terms(n_items, data, replace(options, prior_sd=math.exp(log_tau)))
            evidences[log_tau] = log_posterior - n_items * log_tau - 0.5 * log_det
        return evidences[log_tau]

    bounds = (math.log(_TAU_MIN), math.log(_TAU_MAX))
    best = minimize_scalar(
        lambda log_tau: -evidence_at(log_tau), bounds=bounds, method="bounded", options={"xatol": _LOG_TAU_XTOL}
    )
    log_tau_hat, evidence_max = float(best.x), -float(best.fun)
    drop = float(ndtri(confidence)) ** 2 / 2.0  # one-sided profile-likelihood bound: z_confidence^2 / 2
    log_tau = log_tau_hat
    if drop > 0.0:
        excess_at_min = evidence_at(bounds[0]) - (evidence_max - drop)
        if excess_at_min >= 0.0:
            log_tau = bounds[0]
        else:
            log_tau = float(
                brentq(lambda x: evidence_at(x) - (evidence_max - drop), bounds[0], log_tau_hat, xtol=_LOG_TAU_XTOL)
            )
    se = fit_bradley_terry(n_items, data, replace(options, prior_sd=math.exp(log_tau))).se
    centred_prior_variance = math.exp(2.0 * log_tau) * (n_items - 1) / n_items
    return float(np.clip(1.0 - float(np.mean(se**2)) / centred_prior_variance, 0.0, 1.0))


def split_half_reliability(
    n_items: int,
    comparisons: Sequence[Comparison] | ComparisonArrays,
    *,
    n_splits: int = 10,
    seed: int = 0,
    options: FitOptions = _DEFAULT_OPTIONS,
) -> float:
    """Split-half reliability of theta: honest for non-adaptive designs only (see the module docstring).

    For each of ``n_splits`` random stratified splits (deterministic given ``seed``), fit theta on each
    half with ``options`` and take the Pearson correlation of the two theta vectors over the items
    compared in both halves. The correlations are averaged, stepped up to the full length with
    Spearman-Brown (2r / (1 + r)) and clamped to [0, 1]. A split with fewer than 3 items compared in both
    halves, or with no spread in a half, counts as r = 0. Costs 2 * n_splits fits.
    """

    if n_splits < 1:
        raise ValueError("n_splits must be at least 1")
    data = as_comparison_arrays(n_items, comparisons)
    rng = np.random.default_rng(seed)
    correlations: list[float] = []
    for _ in range(n_splits):
        in_first = stratified_split(data, rng)
        halves = (_subset(data, in_first), _subset(data, ~in_first))
        fits = [fit_bradley_terry(n_items, half, options) for half in halves]
        both = (fits[0].comparisons_per_item > 0) & (fits[1].comparisons_per_item > 0)
        if int(both.sum()) < _MIN_ITEMS_FOR_CORRELATION:
            correlations.append(0.0)
            continue
        correlations.append(_pearson(fits[0].theta[both], fits[1].theta[both]))
    r = max(float(np.mean(correlations)), 0.0)
    return float(np.clip(2.0 * r / (1.0 + r), 0.0, 1.0))
