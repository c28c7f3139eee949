"""Posterior draws of theta (integrating over tau, the lapse share and the position effect)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.special import expit

from cj_engine.grade_fit import GradeFitOptions, fit_for_grades
from cj_engine.graph import ComparisonArrays
from cj_engine.theta_posterior import ThetaPosteriorOptions, _Target, sample_theta_posterior


def _from_the_prior(
    rng: np.random.Generator, n: int, m: int, *, tau: float | None = None
) -> tuple[np.ndarray, ComparisonArrays]:
    """A batch whose tau, lapse share, position effect and thetas are drawn from the sampler's own prior."""
    options = ThetaPosteriorOptions()
    tau = tau if tau is not None else math.exp(rng.normal(options.log_tau_mean, options.log_tau_sd))
    lapse, gamma = rng.beta(2.0, 38.0), rng.normal(0.0, 1.0)
    theta = tau * rng.standard_normal(n)
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    p = lapse / 2.0 + (1.0 - lapse) * expit(theta[first] - theta[second] + gamma)
    won = (rng.uniform(size=m) < p).astype(np.float64)
    return theta, ComparisonArrays(n_items=n, first=first, second=second, first_won=won, weight=np.ones(m))


def test_the_gradient_is_the_log_posteriors() -> None:
    rng = np.random.default_rng(1)
    _theta, data = _from_the_prior(rng, 8, 60)
    target = _Target(
        data,
        estimate_position=True,
        position_prior_sd=1.0,
        lapse_prior=(2.0, 38.0),
        options=ThetaPosteriorOptions(),
        chains=3,
    )
    params = rng.normal(0.0, 0.5, (3, 11))
    _log_post, grad = target(params)
    step = 1e-6
    for k in range(11):
        shifted = params.copy()
        shifted[:, k] += step
        upper, _ = target(shifted)
        shifted[:, k] -= 2 * step
        lower, _ = target(shifted)
        np.testing.assert_allclose(grad[:, k], (upper - lower) / (2 * step), rtol=1e-4, atol=1e-5)


def test_posterior_intervals_cover_thetas_drawn_from_the_prior() -> None:
    """Simulation-based check: when the truth comes from the prior, about 95 % of the 95 % intervals hold it.

    A sampler that ignored tau's or the lapses' uncertainty (the Laplace approximation at their estimates)
    covers clearly less here: measured 0.87; these draws cover 0.95."""
    rng = np.random.default_rng(7)
    covered, laplace_covered, total = 0, 0, 0
    for _ in range(12):
        theta, data = _from_the_prior(rng, 25, 125)
        fit = fit_for_grades(25, data, GradeFitOptions(posterior=None))
        post = sample_theta_posterior(data, fit, prior_sd=fit.extra["prior_sd"], lapse=fit.lapse)
        centred = theta - theta.mean()
        covered += int(np.sum(np.abs(post.theta - centred) <= 1.96 * post.se))
        laplace_covered += int(np.sum(np.abs(fit.theta - centred) <= 1.96 * fit.se))
        total += 25
    assert 0.91 <= covered / total <= 0.99
    assert laplace_covered / total < covered / total


def test_plentiful_data_leaves_the_fit_where_the_map_is() -> None:
    rng = np.random.default_rng(3)
    _theta, data = _from_the_prior(rng, 12, 3000, tau=1.0)
    fit = fit_for_grades(12, data, GradeFitOptions(posterior=None))
    post = sample_theta_posterior(data, fit, prior_sd=fit.extra["prior_sd"], lapse=fit.lapse)
    # Not equal: the posterior mean of an extreme essay sits past its mode (the lapse likelihood is skewed).
    assert np.all(np.abs(post.theta - fit.theta) <= 0.5 * fit.se)
    # Where the likelihood is nearly Gaussian (essays among others of their level) the draws' SDs are near
    # Laplace's (a little wider: tau and the lapse share are uncertain too). An essay beyond every other one
    # has a long tail past it, which the draws show and Laplace cannot (here up to twice the SE).
    middle = np.abs(fit.theta) < 1.0
    np.testing.assert_allclose(post.se[middle], fit.se[middle], rtol=0.35)
    assert np.all(post.se[~middle] >= 0.9 * fit.se[~middle])
    assert post.covariance.shape == (12, 12)
    assert abs(float(post.theta.sum())) < 1e-9  # centred, as the fit is


def test_the_draws_are_seeded() -> None:
    rng = np.random.default_rng(4)
    _theta, data = _from_the_prior(rng, 10, 60)
    fit = fit_for_grades(10, data, GradeFitOptions(posterior=None))
    one, two = (sample_theta_posterior(data, fit, prior_sd=2.0, lapse=0.05) for _ in range(2))
    assert one.theta.tolist() == two.theta.tolist()
    assert one.covariance.tolist() == two.covariance.tolist()
    other = sample_theta_posterior(data, fit, prior_sd=2.0, lapse=0.05, options=ThetaPosteriorOptions(seed=1))
    assert other.theta.tolist() != one.theta.tolist()


def test_without_a_position_effect_gamma_stays_out() -> None:
    rng = np.random.default_rng(5)
    _theta, data = _from_the_prior(rng, 10, 80)
    fit = fit_for_grades(10, data, GradeFitOptions(posterior=None))
    post = sample_theta_posterior(
        data, replace(fit, position_effect=0.0), prior_sd=2.0, lapse=0.05, estimate_position=False
    )
    assert np.all(np.isfinite(post.theta))
    assert post.acceptance > 0.5


def test_the_grade_fit_reads_the_draws() -> None:
    rng = np.random.default_rng(6)
    _theta, data = _from_the_prior(rng, 20, 100)
    laplace = fit_for_grades(20, data, GradeFitOptions(posterior=None))
    drawn = fit_for_grades(20, data)
    assert drawn.covariance is not None
    assert drawn.extra["prior_sd"] == laplace.extra["prior_sd"]
    assert "posterior_prior_sd" in drawn.extra
    assert drawn.theta.tolist() != laplace.theta.tolist()


@pytest.mark.parametrize("field", ["chains", "warmup", "draws", "leapfrog"])
def test_invalid_options_are_rejected(field: str) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThetaPosteriorOptions(**{field: 0})
