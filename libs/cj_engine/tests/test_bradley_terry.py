"""Bradley-Terry MAP fit: hand-checkable cases, identification of theta and SE, position effect, weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cj_engine import bradley_terry
from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.types import Comparison, FitOptions

# A prior so weak that the MAP is the MLE to many digits.
NO_PRIOR = FitOptions(prior_sd=1e4, estimate_position=False)


def wins(winner: int, loser: int, times: int = 1) -> list[Comparison]:
    return [Comparison(winner, loser, winner)] * times


def simulate(n: int, m: int, seed: int, *, gamma: float = 0.0, sd: float = 1.0) -> tuple[np.ndarray, list[Comparison]]:
    """Random pairs, random presentation order (balanced in expectation), Bradley-Terry outcomes."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, sd, n)
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    p_first = 1.0 / (1.0 + np.exp(-(theta[first] - theta[second] + gamma)))
    first_won = rng.random(m) < p_first
    comparisons = [
        Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, first_won, strict=True)
    ]
    return theta, comparisons


def fisher_information(n: int, comparisons: list[Comparison], theta: np.ndarray, gamma: float | None) -> np.ndarray:
    """The unregularised Fisher information, built comparison by comparison (independent of the library)."""
    size = n if gamma is None else n + 1
    info = np.zeros((size, size))
    for c in comparisons:
        x = np.zeros(size)
        x[c.first], x[c.second] = 1.0, -1.0
        if gamma is not None:
            x[n] = 1.0
        eta = theta[c.first] - theta[c.second] + (gamma or 0.0)
        p = 1.0 / (1.0 + math.exp(-eta))
        info += p * (1.0 - p) * np.outer(x, x)
    return info


def test_two_items_three_to_one_gives_ln3_and_hand_se() -> None:
    fit = fit_bradley_terry(2, [*wins(0, 1, 3), *wins(1, 0)], NO_PRIOR)
    assert fit.theta[0] - fit.theta[1] == pytest.approx(math.log(3), abs=1e-6)
    assert fit.theta.sum() == pytest.approx(0.0, abs=1e-12)
    # Fisher information for d = theta_0 - theta_1 is 4 * 3/4 * 1/4 = 3/4; theta_0 = d/2 -> var = (4/3) / 4.
    assert fit.se == pytest.approx([1 / math.sqrt(3)] * 2, abs=1e-6)
    assert fit.converged
    assert fit.comparisons_per_item.tolist() == [4, 4]
    assert fit.n_components == 1


def test_three_items_known_mle() -> None:
    # With theta = (ln 2, 0, -ln 2) the expected wins equal the observed ones: 2 of 3, 2 of 3, 4 of 5.
    comparisons = [*wins(0, 1, 2), *wins(1, 0), *wins(1, 2, 2), *wins(2, 1), *wins(0, 2, 4), *wins(2, 0)]
    fit = fit_bradley_terry(3, comparisons, NO_PRIOR)
    assert fit.theta == pytest.approx([math.log(2), 0.0, -math.log(2)], abs=1e-6)


@pytest.mark.parametrize("estimate_position", [False, True])
def test_se_equals_constrained_inverse_of_fisher_information(estimate_position: bool) -> None:
    """Centred SEs are the sum-to-zero constrained covariance: the pseudo-inverse of the information."""
    _theta, comparisons = simulate(5, 80, seed=3, gamma=0.4)
    options = FitOptions(prior_sd=1e4, position_prior_sd=1e4, estimate_position=estimate_position)
    fit = fit_bradley_terry(5, comparisons, options)
    gamma = fit.position_effect if estimate_position else None
    covariance = np.linalg.pinv(fisher_information(5, comparisons, fit.theta, gamma))
    assert fit.se**2 == pytest.approx(np.diag(covariance)[:5], rel=1e-5)
    if estimate_position:
        assert fit.position_se**2 == pytest.approx(covariance[5, 5], rel=1e-5)


def test_map_is_a_stationary_point_of_an_independently_written_log_posterior() -> None:
    _theta, comparisons = simulate(6, 40, seed=5, gamma=0.5)
    weighted = [Comparison(c.first, c.second, c.winner, weight=1.0 + (i % 3)) for i, c in enumerate(comparisons)]
    options = FitOptions(prior_sd=2.0, position_prior_sd=0.5, use_weights=True)
    fit = fit_bradley_terry(6, weighted, options)

    def log_posterior(params: np.ndarray) -> float:
        theta, gamma = params[:6], params[6]
        total = -0.5 * float(np.sum(theta**2)) / 4.0 - 0.5 * gamma**2 / 0.25
        for c in weighted:
            p_first = 1.0 / (1.0 + math.exp(-(theta[c.first] - theta[c.second] + gamma)))
            total += c.weight * math.log(p_first if c.first_won else 1.0 - p_first)
        return total

    params = np.append(fit.theta, fit.position_effect)
    eps = 1e-6
    gradient = [
        (log_posterior(params + eps * e) - log_posterior(params - eps * e)) / (2 * eps) for e in np.eye(params.size)
    ]
    assert gradient == pytest.approx([0.0] * params.size, abs=1e-6)
    assert fit.extra["log_posterior"] == pytest.approx(log_posterior(params), abs=1e-9)


def test_reference_item_gets_an_honest_se() -> None:
    """Item 0 is not a fixed reference: in a symmetric round robin every item has the same positive SE."""
    comparisons = [c for i in range(4) for j in range(i + 1, 4) for c in (*wins(i, j), *wins(j, i))]
    fit = fit_bradley_terry(4, comparisons)
    assert np.all(fit.se > 0)
    assert fit.se == pytest.approx([fit.se[0]] * 4, rel=1e-9)
    assert fit.theta == pytest.approx([0.0] * 4, abs=1e-9)


def test_perfect_separation_is_finite_and_ordered() -> None:
    comparisons = [*wins(0, 1, 3), *wins(1, 2, 3), *wins(2, 3, 3), *wins(0, 3, 2)]
    for options in (FitOptions(), FitOptions(prior_sd=30.0, estimate_position=False)):
        fit = fit_bradley_terry(4, comparisons, options)
        assert np.all(np.isfinite(fit.theta))
        assert np.all(np.isfinite(fit.se))
        assert np.all(fit.se > 0)
        assert np.all(np.diff(fit.theta) < 0)
        assert fit.converged


def test_disconnected_graph_is_finite_with_two_components() -> None:
    comparisons = [*wins(0, 1, 3), *wins(1, 0), *wins(2, 3, 2), *wins(3, 2)]
    fit = fit_bradley_terry(4, comparisons)
    assert fit.n_components == 2
    assert np.all(np.isfinite(fit.theta))
    assert np.all(fit.se > 0)
    assert fit.converged
    # Only the prior places one component against the other: each component's mean is pulled to 0.
    assert fit.theta[0] + fit.theta[1] == pytest.approx(0.0, abs=1e-9)
    assert fit.theta[0] > fit.theta[1]
    assert fit.theta[2] > fit.theta[3]


def test_isolated_item_sits_at_zero_with_a_prior_sized_se() -> None:
    fit = fit_bradley_terry(3, [*wins(0, 1, 2), *wins(1, 0)])
    assert fit.n_components == 2
    assert fit.comparisons_per_item.tolist() == [3, 3, 0]
    assert fit.theta[2] == pytest.approx(0.0, abs=1e-9)
    assert fit.se[2] > fit.se[0] > 0


def test_single_item() -> None:
    fit = fit_bradley_terry(1, [])
    assert fit.theta.tolist() == [0.0]
    # Centring a lone item leaves nothing, so its SE is the uncentred posterior SD: the prior's.
    assert fit.se.tolist() == pytest.approx([FitOptions().prior_sd])
    assert fit.n_components == 1
    assert fit.ssr == 0.0
    assert fit.converged


def test_no_comparisons_gives_zeros_and_prior_ses() -> None:
    options = FitOptions(prior_sd=2.0, position_prior_sd=0.7)
    fit = fit_bradley_terry(4, [], options)
    assert fit.theta.tolist() == [0.0] * 4
    # Var of a centred prior draw: prior_sd^2 (1 - 1/n).
    assert fit.se == pytest.approx([2.0 * math.sqrt(0.75)] * 4)
    assert fit.position_effect == 0.0
    assert fit.position_se == pytest.approx(0.7)
    assert fit.n_components == 4
    assert fit.comparisons_per_item.tolist() == [0, 0, 0, 0]
    assert fit.ssr == 0.0


def test_duplicates_count_like_weight_two_and_weights_are_off_by_default() -> None:
    base = [Comparison(0, 1, 0), Comparison(1, 2, 1), Comparison(2, 0, 0), Comparison(1, 0, 1)]
    duplicated = [*base, Comparison(0, 1, 0)]
    weighted = [Comparison(0, 1, 0, weight=2.0), *base[1:]]
    on = FitOptions(use_weights=True)
    fit_dup = fit_bradley_terry(3, duplicated, on)
    fit_weighted = fit_bradley_terry(3, weighted, on)
    assert fit_dup.theta == pytest.approx(fit_weighted.theta, abs=1e-9)
    assert fit_dup.se == pytest.approx(fit_weighted.se, abs=1e-9)
    assert fit_dup.position_effect == pytest.approx(fit_weighted.position_effect, abs=1e-9)
    assert fit_dup.comparisons_per_item.tolist() == [4, 4, 2]  # actual comparisons, not weights
    # Weights are ignored unless asked for.
    assert fit_bradley_terry(3, weighted).theta == pytest.approx(fit_bradley_terry(3, base).theta, abs=1e-12)


def test_position_effect_is_recovered() -> None:
    theta, comparisons = simulate(40, 4000, seed=11, gamma=0.3)
    fit = fit_bradley_terry(40, comparisons)
    assert abs(fit.position_effect - 0.3) < 0.1
    assert 0 < fit.position_se < 0.1
    assert np.corrcoef(theta, fit.theta)[0, 1] > 0.9


def test_theta_is_corrected_for_position() -> None:
    """Equal items, the lower index always shown first, a strong first-position bias (gamma = 1):
    ignoring the bias turns it into a spurious trend in theta; fitting gamma removes the trend."""
    rng = np.random.default_rng(2)
    p_first = 1.0 / (1.0 + math.exp(-1.0))
    comparisons = [
        Comparison(i, j, i if rng.random() < p_first else j)
        for i in range(12)
        for j in range(i + 1, 12)
        for _ in range(16)
    ]
    corrected = fit_bradley_terry(12, comparisons)
    ignored = fit_bradley_terry(12, comparisons, FitOptions(estimate_position=False))
    index = np.arange(12)
    assert corrected.position_effect == pytest.approx(1.0, abs=3 * corrected.position_se)
    assert np.polyfit(index, ignored.theta, 1)[0] < -0.1
    assert abs(np.polyfit(index, corrected.theta, 1)[0]) < 0.05
    assert np.std(corrected.theta) < np.std(ignored.theta) / 2


def test_no_position_estimate_reports_zero() -> None:
    _theta, comparisons = simulate(5, 50, seed=1, gamma=1.0)
    fit = fit_bradley_terry(5, comparisons, FitOptions(estimate_position=False))
    assert fit.position_effect == 0.0
    assert fit.position_se == 0.0


def test_iterative_newton_path_matches_the_dense_path(monkeypatch: pytest.MonkeyPatch) -> None:
    _theta, comparisons = simulate(150, 1500, seed=4, gamma=0.2)
    dense = fit_bradley_terry(150, comparisons)
    monkeypatch.setattr(bradley_terry, "_DENSE_NEWTON_MAX_PARAMS", 1)
    iterative = fit_bradley_terry(150, comparisons)
    assert iterative.converged
    assert iterative.theta == pytest.approx(dense.theta, abs=1e-7)
    assert iterative.se == pytest.approx(dense.se, abs=1e-9)
    assert iterative.position_effect == pytest.approx(dense.position_effect, abs=1e-7)


def test_large_sparse_batch_fits_and_recovers_the_ranking() -> None:
    """1,500 items at 10 comparisons each: the iterative Newton path at scale (no timing asserted)."""
    theta, comparisons = simulate(1500, 7500, seed=8, gamma=0.3, sd=1.5)
    fit = fit_bradley_terry(1500, comparisons)
    assert fit.converged
    assert np.all(np.isfinite(fit.theta))
    assert np.all(fit.se > 0)
    assert np.corrcoef(theta, fit.theta)[0, 1] > 0.8
    assert abs(fit.position_effect - 0.3) < 0.1


def test_max_iter_reached_is_reported_as_not_converged() -> None:
    _theta, comparisons = simulate(10, 100, seed=2)
    fit = fit_bradley_terry(10, comparisons, FitOptions(max_iter=1))
    assert not fit.converged
    assert fit.iterations == 1
    assert np.all(np.isfinite(fit.theta))


@pytest.mark.parametrize(
    "options",
    [
        FitOptions(prior_sd=0.0),
        FitOptions(position_prior_sd=-1.0),
        FitOptions(tol=float("nan")),
        FitOptions(max_iter=0),
    ],
)
def test_invalid_options_are_rejected(options: FitOptions) -> None:
    with pytest.raises(ValueError, match="FitOptions"):
        fit_bradley_terry(2, [Comparison(0, 1, 0)], options)


def test_item_index_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="out of range"):
        fit_bradley_terry(2, [Comparison(0, 2, 0)])


@pytest.mark.parametrize(
    ("n", "options"),
    [
        (2, FitOptions()),
        (30, FitOptions()),
        (30, FitOptions(estimate_position=False, prior_sd=0.5)),
        (1200, FitOptions(prior_sd=1.7)),  # above the dense Newton limit: conjugate-gradient steps
    ],
)
def test_laplace_terms_are_the_fits_own_bit_for_bit(n: int, options: FitOptions) -> None:
    _theta, comparisons = simulate(n, 4 * n, seed=3, gamma=0.3, sd=1.5)
    fit = fit_bradley_terry(n, comparisons, options)
    log_posterior, log_det = bradley_terry.laplace_terms(n, comparisons, options)
    assert log_posterior == fit.extra["log_posterior"]
    assert log_det == fit.extra["log_det_information"]
