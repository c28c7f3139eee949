"""The lapse-aware Bradley-Terry likelihood and the grade fit (estimated prior SD and lapse share)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.grade_fit import GradeFitOptions, fit_for_grades
from cj_engine.planner import PlannedPair
from cj_engine.simulation import JudgeModel, judge_pairs
from cj_engine.types import Comparison, FitOptions


def _random_design(
    n: int, m: int, lapse: float, *, ability_sd: float = 1.5, seed: int = 0
) -> tuple[np.ndarray, list[Comparison]]:
    """Random pairs (every distance is compared, so lapses are identifiable) judged with ``lapse``."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, ability_sd, n)
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    pairs = [PlannedPair(int(f), int(s)) for f, s in zip(first, second, strict=True)]
    return theta, judge_pairs(pairs, theta, JudgeModel(2.0, 0.3, lapse), rng)


def test_a_vanishing_lapse_is_the_plain_fit() -> None:
    _theta, comparisons = _random_design(30, 400, 0.05)
    plain = fit_bradley_terry(30, comparisons, covariance=True)
    tiny = fit_bradley_terry(30, comparisons, FitOptions(lapse=1e-9), covariance=True)
    np.testing.assert_allclose(tiny.theta, plain.theta, atol=1e-6)
    np.testing.assert_allclose(tiny.se, plain.se, rtol=1e-6)
    assert tiny.covariance is not None
    assert plain.covariance is not None
    np.testing.assert_allclose(tiny.covariance, plain.covariance, atol=1e-8)
    assert plain.lapse == 0.0
    assert tiny.lapse == 1e-9


def test_the_grade_fit_without_estimates_is_the_ranking_fit_bit_for_bit() -> None:
    _theta, comparisons = _random_design(25, 300, 0.05)
    fixed = fit_for_grades(
        25, comparisons, GradeFitOptions(estimate_prior_sd=False, estimate_lapse=False, posterior=None)
    )
    plain = fit_bradley_terry(25, comparisons, covariance=True)
    assert fixed.theta.tolist() == plain.theta.tolist()
    assert fixed.se.tolist() == plain.se.tolist()
    assert fixed.lapse == 0.0
    assert fixed.extra["prior_sd"] == FitOptions().prior_sd


@pytest.mark.parametrize(("true_lapse", "low", "high"), [(0.0, 0.0, 0.03), (0.1, 0.06, 0.14), (0.2, 0.15, 0.25)])
def test_the_grade_fit_recovers_the_lapse_share(true_lapse: float, low: float, high: float) -> None:
    _theta, comparisons = _random_design(60, 3000, true_lapse, seed=3)
    fit = fit_for_grades(60, comparisons)
    assert low <= fit.lapse <= high


def test_the_prior_sd_follows_the_spread_of_the_essays() -> None:
    estimates = []
    for ability_sd in (0.5, 1.5):
        _theta, comparisons = _random_design(60, 1500, 0.0, ability_sd=ability_sd, seed=4)
        estimates.append(fit_for_grades(60, comparisons, GradeFitOptions(estimate_lapse=False)).extra["prior_sd"])
    # The judge's discrimination is 2, so the spread on the logit scale is 2 * ability_sd: 1 and 3 logits.
    assert estimates[0] == pytest.approx(1.0, rel=0.3)
    assert estimates[1] == pytest.approx(3.0, rel=0.3)


def test_lapses_widen_the_ses_of_extreme_essays_most() -> None:
    theta, comparisons = _random_design(40, 800, 0.05, seed=5)
    ses = [fit_bradley_terry(40, comparisons, FitOptions(lapse=lapse)).se for lapse in (0.0, 0.05, 0.15)]
    extreme, middle = int(np.argmax(np.abs(theta))), int(np.argmin(np.abs(theta)))
    assert ses[0][extreme] < ses[1][extreme] < ses[2][extreme]
    assert ses[2][extreme] / ses[0][extreme] > ses[2][middle] / ses[0][middle]


def test_the_grade_fit_is_deterministic() -> None:
    _theta, comparisons = _random_design(30, 400, 0.05, seed=6)
    one, two = fit_for_grades(30, comparisons), fit_for_grades(30, comparisons)
    assert one.theta.tolist() == two.theta.tolist()
    assert one.se.tolist() == two.se.tolist()
    assert one.lapse == two.lapse
    assert one.extra == two.extra
    assert one.covariance is not None
    assert two.covariance is not None
    assert one.covariance.tolist() == two.covariance.tolist()


def test_degenerate_input_still_gives_a_fit() -> None:
    assert fit_for_grades(1, []).theta.shape == (1,)
    assert fit_for_grades(3, []).lapse == 0.0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: GradeFitOptions(lapse_prior=(0.5, 10.0)), "lapse_prior"),
        (lambda: GradeFitOptions(max_lapse=1.0), "max_lapse"),
        (lambda: fit_bradley_terry(3, [Comparison(0, 1, 0)], FitOptions(lapse=1.0)), "lapse"),
        (lambda: fit_bradley_terry(3, [Comparison(0, 1, 0)], FitOptions(lapse=-0.1)), "lapse"),
    ],
)
def test_invalid_lapse_settings_are_rejected(bad: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bad()
