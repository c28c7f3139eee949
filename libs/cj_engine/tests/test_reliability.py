"""SSR, split-half and the marginal-likelihood reliability, on hand cases and simulated judges.

The adaptive-design tests are the evidence for the choice of stopping reliability: under coin-toss
judges with pairs chosen from the current estimates, SSR and split-half both rise far above 0 while the
marginal reliability stays near 0; with real signal it tracks the true squared correlation.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.special import ndtri

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.graph import ComparisonArrays, comparisons_per_item
from cj_engine.reliability import (
    marginal_reliability,
    split_half_reliability,
    stratified_split,
)
from cj_engine.separation import scale_separation_reliability
from cj_engine.types import Comparison, FitOptions, FloatArray

SEEDS = (0, 1, 2)


def judge(rng: np.random.Generator, theta: FloatArray, first: int, second: int) -> Comparison:
    won = rng.random() < 1.0 / (1.0 + np.exp(theta[second] - theta[first]))
    return Comparison(first, second, first if won else second)


def random_design(n: int, per_item: int, seed: int, sd: float) -> tuple[FloatArray, list[Comparison]]:
    """Random pairs; sd = 0 is a coin-toss judge."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, sd, n)
    comparisons = []
    for _ in range(n * per_item // 2):
        first, second = (int(i) for i in rng.choice(n, size=2, replace=False))
        comparisons.append(judge(rng, theta, first, second))
    return theta, comparisons


@cache
def swiss_design(n: int, waves: int, seed: int, sd: float) -> tuple[FloatArray, list[Comparison]]:
    """Strongly adaptive: two random waves, then every wave pairs neighbours in the current ranking."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, sd, n)
    comparisons: list[Comparison] = []
    for wave in range(waves):
        if wave < 2:
            order = rng.permutation(n)
        else:
            estimate = fit_bradley_terry(n, comparisons).theta
            order = np.roll(np.argsort(estimate + rng.normal(0.0, 0.01, n)), wave % 2)
        for a, b in zip(order[0::2].tolist(), order[1::2].tolist(), strict=True):
            first, second = (a, b) if rng.random() < 0.5 else (b, a)
            comparisons.append(judge(rng, theta, first, second))
    return theta, comparisons


def test_ssr_hand_case() -> None:
    # Population variance of (-1, 0, 1) is 2/3; mean SE^2 is 1/4: (2/3 - 1/4) / (2/3) = 0.625.
    assert scale_separation_reliability(np.array([-1.0, 0.0, 1.0]), np.full(3, 0.5)) == pytest.approx(0.625)


def test_ssr_is_clamped_and_degenerate_cases_give_zero() -> None:
    theta = np.array([-1.0, 0.0, 1.0])
    assert scale_separation_reliability(theta, np.full(3, 5.0)) == 0.0
    assert scale_separation_reliability(theta, np.zeros(3)) == 1.0
    assert scale_separation_reliability(np.array([0.3]), np.array([0.1])) == 0.0
    assert scale_separation_reliability(np.zeros(4), np.full(4, 0.1)) == 0.0
    with pytest.raises(ValueError, match="shape"):
        scale_separation_reliability(theta, np.ones(2))


def test_fit_reports_the_ssr_of_its_own_theta_and_se() -> None:
    _theta, comparisons = random_design(20, 10, seed=3, sd=1.5)
    fit = fit_bradley_terry(20, comparisons)
    assert fit.ssr == pytest.approx(scale_separation_reliability(fit.theta, fit.se))
    assert 0.5 < fit.ssr < 1.0


def test_stratified_split_halves_every_item_and_is_deterministic() -> None:
    _theta, comparisons = random_design(30, 20, seed=4, sd=1.0)
    data = ComparisonArrays.from_comparisons(30, comparisons)
    in_first = stratified_split(data, np.random.default_rng(9))
    counts_first = comparisons_per_item(30, [c for c, keep in zip(comparisons, in_first, strict=True) if keep])
    counts_second = comparisons_per_item(30, [c for c, keep in zip(comparisons, in_first, strict=True) if not keep])
    assert int(np.max(np.abs(counts_first - counts_second))) <= 3
    assert abs(int(in_first.sum()) - len(comparisons) // 2) <= 2
    np.testing.assert_array_equal(in_first, stratified_split(data, np.random.default_rng(9)))


def test_split_half_is_low_on_coin_tosses_and_high_on_signal_with_random_pairs() -> None:
    noise = [split_half_reliability(30, random_design(30, 20, seed, 0.0)[1], seed=seed) for seed in SEEDS]
    signal = [split_half_reliability(30, random_design(30, 20, seed, 2.0)[1], seed=seed) for seed in SEEDS]
    assert np.mean(noise) < 0.3
    assert min(signal) > 0.8


def test_split_half_is_deterministic_and_validates() -> None:
    _theta, comparisons = random_design(20, 10, seed=5, sd=1.0)
    assert split_half_reliability(20, comparisons, seed=7) == split_half_reliability(20, comparisons, seed=7)
    assert split_half_reliability(2, []) == 0.0
    with pytest.raises(ValueError, match="n_splits"):
        split_half_reliability(20, comparisons, n_splits=0)


def test_marginal_reliability_is_low_on_coin_tosses_and_high_on_signal_with_random_pairs() -> None:
    noise = [marginal_reliability(30, random_design(30, 20, seed, 0.0)[1]) for seed in SEEDS]
    signal = [marginal_reliability(30, random_design(30, 20, seed, 2.0)[1]) for seed in SEEDS]
    assert np.mean(noise) < 0.3
    assert max(noise) < 0.5
    assert min(signal) > 0.8


def test_adaptive_pairing_inflates_ssr_and_split_half_but_not_the_marginal_reliability() -> None:
    ssr, split_half, marginal = [], [], []
    for seed in SEEDS:
        _theta, comparisons = swiss_design(60, 16, seed, 0.0)
        ssr.append(fit_bradley_terry(60, comparisons).ssr)
        split_half.append(split_half_reliability(60, comparisons, seed=seed))
        marginal.append(marginal_reliability(60, comparisons, confidence=0.5))
    assert np.mean(ssr) > 0.6
    assert np.mean(split_half) > 0.6
    assert max(marginal) < 0.4
    assert np.mean(marginal) < 0.2


def test_marginal_reliability_tracks_the_true_reliability_under_adaptive_pairing() -> None:
    for seed in SEEDS:
        theta, comparisons = swiss_design(60, 16, seed, 2.0)
        true_reliability = np.corrcoef(theta, fit_bradley_terry(60, comparisons).theta)[0, 1] ** 2
        point = marginal_reliability(60, comparisons, confidence=0.5)
        assert point == pytest.approx(true_reliability, abs=0.15)
        # The default is a lower confidence bound: it never exceeds the point estimate.
        assert marginal_reliability(60, comparisons) <= point


def test_marginal_reliability_degenerate_cases_and_validation() -> None:
    assert marginal_reliability(1, []) == 0.0
    assert marginal_reliability(5, []) == 0.0
    comparisons = [Comparison(0, 1, 0)]
    for confidence in (0.4, 1.0):
        with pytest.raises(ValueError, match="confidence"):
            marginal_reliability(2, comparisons, confidence=confidence)


def marginal_reliability_with_full_fits(n: int, comparisons: list[Comparison], confidence: float = 0.75) -> float:
    """The search as first written: a full fit (SEs included) at every tau it tries."""

    def fit_at(log_tau: float) -> tuple[float, FloatArray]:
        fit = fit_bradley_terry(n, comparisons, replace(FitOptions(), prior_sd=math.exp(log_tau)))
        return fit.extra["log_posterior"] - n * log_tau - 0.5 * fit.extra["log_det_information"], fit.se

    bounds = (math.log(0.02), math.log(10.0))
    best = minimize_scalar(lambda x: -fit_at(x)[0], bounds=bounds, method="bounded", options={"xatol": 1e-3})
    log_tau, evidence_max = float(best.x), -float(best.fun)
    drop = float(ndtri(confidence)) ** 2 / 2.0
    if fit_at(bounds[0])[0] - (evidence_max - drop) >= 0.0:
        log_tau = bounds[0]
    else:
        log_tau = float(brentq(lambda x: fit_at(x)[0] - (evidence_max - drop), bounds[0], log_tau, xtol=1e-3))
    se = fit_at(log_tau)[1]
    return float(np.clip(1.0 - float(np.mean(se**2)) / (math.exp(2.0 * log_tau) * (n - 1) / n), 0.0, 1.0))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sd", [0.0, 1.5])
def test_marginal_reliability_is_unchanged_by_searching_on_the_laplace_terms_alone(seed: int, sd: float) -> None:
    _theta, comparisons = random_design(30, 8, seed, sd)
    assert marginal_reliability(30, comparisons) == marginal_reliability_with_full_fits(30, comparisons)
