"""Cross-check against choix, a well-known Bradley-Terry library, once our prior is negligible."""

from __future__ import annotations

import choix
import numpy as np
import pytest

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.types import Comparison, FitOptions

N_ITEMS = 30
N_COMPARISONS = 600


@pytest.fixture(scope="module")
def comparisons() -> list[Comparison]:
    rng = np.random.default_rng(20)
    theta = rng.normal(0.0, 1.0, N_ITEMS)
    first = rng.integers(0, N_ITEMS, N_COMPARISONS)
    second = (first + rng.integers(1, N_ITEMS, N_COMPARISONS)) % N_ITEMS
    first_won = rng.random(N_COMPARISONS) < 1.0 / (1.0 + np.exp(-(theta[first] - theta[second])))
    return [Comparison(int(f), int(s), int(f if w else s)) for f, s, w in zip(first, second, first_won, strict=True)]


@pytest.mark.parametrize("method", ["ilsr", "opt"])
def test_theta_agrees_with_choix(comparisons: list[Comparison], method: str) -> None:
    fit = fit_bradley_terry(N_ITEMS, comparisons, FitOptions(prior_sd=1e4, estimate_position=False))
    assert fit.n_components == 1
    data = [(c.winner, c.loser) for c in comparisons]
    if method == "ilsr":
        reference = choix.ilsr_pairwise(N_ITEMS, data, alpha=1e-8, max_iter=1000, tol=1e-12)
    else:
        reference = choix.opt_pairwise(N_ITEMS, data, alpha=1e-8, tol=1e-10)
    reference = reference - reference.mean()
    assert np.corrcoef(fit.theta, reference)[0, 1] >= 0.999
    np.testing.assert_allclose(fit.theta, reference, atol=1e-3)
