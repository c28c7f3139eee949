"""The fit's centred posterior covariance of theta (``fit_bradley_terry(..., covariance=True)``)."""

from __future__ import annotations

import numpy as np

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.simulation import REALISTIC_JUDGE
from cj_engine.types import Comparison


def _comparisons(n_items: int, per_item: int, seed: int) -> list[Comparison]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, n_items)
    m = n_items * per_item // 2
    first = rng.integers(0, n_items, m)
    second = (first + rng.integers(1, n_items, m)) % n_items
    wins = rng.random(m) < REALISTIC_JUDGE.p_first_wins(theta[first], theta[second])
    return [Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, wins, strict=True)]


def test_the_covariance_is_centred_symmetric_and_matches_the_ses() -> None:
    comparisons = _comparisons(40, 8, seed=3)
    fit = fit_bradley_terry(40, comparisons, covariance=True)
    assert fit.covariance is not None
    covariance = fit.covariance
    np.testing.assert_allclose(covariance, covariance.T, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(covariance)), fit.se, rtol=1e-9)
    np.testing.assert_allclose(covariance.sum(axis=1), 0.0, atol=1e-9)  # centred: the mean of theta is fixed
    assert np.linalg.eigvalsh(covariance).min() > -1e-9
    # Without the flag nothing changes but the missing matrix.
    plain = fit_bradley_terry(40, comparisons)
    assert plain.covariance is None
    np.testing.assert_array_equal(plain.theta, fit.theta)
    np.testing.assert_array_equal(plain.se, fit.se)


def test_items_compared_directly_are_positively_correlated() -> None:
    # Two items that met each other often and few others: their difference is known better than each level.
    comparisons = _comparisons(20, 6, seed=5)
    comparisons += [Comparison(0, 1, 0), Comparison(1, 0, 1)] * 10
    fit = fit_bradley_terry(20, comparisons, covariance=True)
    assert fit.covariance is not None
    difference_variance = fit.se[0] ** 2 + fit.se[1] ** 2 - 2.0 * fit.covariance[0, 1]
    assert fit.covariance[0, 1] > 0.0
    assert difference_variance < fit.se[0] ** 2 + fit.se[1] ** 2
