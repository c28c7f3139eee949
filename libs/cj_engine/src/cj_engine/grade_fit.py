"""The fit a grade projection reads: abilities whose uncertainty is honest enough to state grade probabilities.

The ranking fit (``fit_bradley_terry`` with the default ``FitOptions``) has two settings that are fine for
ordering essays but misstate theta's uncertainty, and both are replaced here by estimates from the data:

- **the prior SD of theta** (3 logits by default) is set to the between-essay SD tau that maximises the
  Laplace-approximated marginal likelihood (as in ``reliability.marginal_reliability``, point estimate). A
  prior wider than the essays' real spread leaves extreme estimates too extreme and too sure (noisy judges:
  the grade probabilities were overconfident); a narrower one pulls them in too far (sharp judges);
- **lapses**: a share lambda of judgements taken as coin flips, ``P(first wins) = lambda/2 + (1 - lambda)
  sigmoid(eta)``, with lambda also at its marginal-likelihood maximum (times its Beta prior,
  ``GradeFitOptions.lapse_prior``). Without it one upset of an extreme essay drags it inwards and the SEs of
  essays with lopsided wins are too small.

Marginal likelihood, not the joint MAP of (theta, lambda): with ten comparisons per essay the thetas absorb
most upsets, so the joint MAP puts lambda near 0 whatever the judge does; the marginal likelihood integrates
the thetas out (Laplace) and recovers it. tau and lambda are searched jointly (Nelder-Mead on log tau and
logit lambda, from tau = 3 and lambda = 0.05): they are strongly coupled, since lapses look like a narrower
spread, and searching one after the other stopped far short (lambda 0.10 for a true 0.20). Each try is one
Newton fit and one Cholesky factor (``laplace_terms``), about 40 to 80 in all; deterministic.

Then the thetas the projection reads: by default not the Laplace approximation at (tau, lambda) but the mean
and covariance of posterior draws that integrate over tau, lambda and the position effect too
(:mod:`cj_engine.theta_posterior`, started at this fit). The plug-in tau is rough at ten comparisons per essay
(1.7 to 3.3 for a true 3 in one simulation) and the lapse likelihood's posterior is skewed far out, so
Laplace's SEs were too small: (theta_hat - theta) / se had SD 1.3 to 1.5 where 1 is honest. ``FitResult.lapse``
and ``extra["prior_sd"]`` stay the estimates; the draws' means are in ``extra``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import optimize

from cj_engine.bradley_terry import fit_bradley_terry, laplace_terms
from cj_engine.graph import ComparisonArrays, as_comparison_arrays
from cj_engine.theta_posterior import ThetaPosteriorOptions, sample_theta_posterior
from cj_engine.types import Comparison, FitOptions, FitResult, FloatArray

# tau is searched over the same range as the marginal reliability's; lambda over (_MIN_LAPSE, max_lapse).
_LOG_TAU_BOUNDS = (math.log(0.02), math.log(10.0))
_MIN_LAPSE = 1e-4
_START_LAPSE = 0.05
_SIMPLEX_STEP = 0.5  # the first simplex spans about +-50% in tau and in the lapse odds
_XTOL = 0.02  # on log tau and logit lambda: 2% in tau, about 0.001 in a lambda of 0.05
_FTOL = 0.02  # log-likelihood units
# Newton's step tolerance while searching: the evidence is then exact to far below _FTOL; the final fit uses
# the caller's tolerance.
_SEARCH_TOL = 1e-5


def _simplex(start: FloatArray) -> FloatArray:
    return np.vstack([start, start + _SIMPLEX_STEP * np.eye(start.shape[0])])


@dataclass(frozen=True)
class GradeFitOptions:
    """``base`` gives the position effect, weights, tolerances and the lapse prior; its prior SD and lapse are
    replaced by the estimates. ``estimate_prior_sd`` / ``estimate_lapse`` switch either estimate off (then
    ``base``'s value is used)."""

    base: FitOptions = field(default_factory=FitOptions)
    estimate_prior_sd: bool = True
    estimate_lapse: bool = True
    lapse_prior: tuple[float, float] = (2.0, 38.0)  # Beta(a, b) on the lapse share: mean 0.05, mode 0.026
    max_lapse: float = 0.5
    # Theta's mean, SEs and covariance from posterior draws that integrate over tau and lambda too
    # (cj_engine.theta_posterior); None keeps the Laplace approximation at the estimates.
    posterior: ThetaPosteriorOptions | None = field(default_factory=ThetaPosteriorOptions)

    def __post_init__(self) -> None:
        if not all(value >= 1.0 and math.isfinite(value) for value in self.lapse_prior):
            raise ValueError(f"lapse_prior needs Beta(a, b) with finite a, b >= 1, got {self.lapse_prior!r}")
        if not _MIN_LAPSE < self.max_lapse < 1.0:
            raise ValueError(f"max_lapse must be in ({_MIN_LAPSE}, 1), got {self.max_lapse!r}")


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def fit_for_grades(
    n_items: int,
    comparisons: Sequence[Comparison] | ComparisonArrays,
    options: GradeFitOptions | None = None,
) -> FitResult:
    """The fit with estimated prior SD and lapse share, and the full covariance (``FitResult.covariance``).

    ``extra`` gains ``prior_sd`` (the tau used); ``FitResult.lapse`` is the lambda used.
    """
    options = options or GradeFitOptions()
    data = as_comparison_arrays(n_items, comparisons)
    fit_options = options.base
    if n_items < 2 or data.n_comparisons == 0:
        return fit_bradley_terry(n_items, data, fit_options, covariance=True)
    a, b = options.lapse_prior

    def evidence(prior_sd: float, lapse: float) -> float:
        """log p(outcomes | tau, lambda) + log Beta prior of lambda, up to a constant (Laplace)."""
        trial = replace(fit_options, prior_sd=prior_sd, lapse=lapse, tol=max(fit_options.tol, _SEARCH_TOL))
        log_posterior, log_det = laplace_terms(n_items, data, trial)
        lapse_prior = (a - 1.0) * math.log(lapse) + (b - 1.0) * math.log1p(-lapse) if lapse > 0.0 else 0.0
        return log_posterior - n_items * math.log(prior_sd) - 0.5 * log_det + lapse_prior

    def at(point: FloatArray) -> tuple[float, float]:
        """(tau, lambda) at a search point (log tau, logit lambda), each kept within its range."""
        tau = (
            math.exp(float(np.clip(point[0], *_LOG_TAU_BOUNDS))) if options.estimate_prior_sd else fit_options.prior_sd
        )
        lapse = (
            float(np.clip(_expit(float(point[-1])), _MIN_LAPSE, options.max_lapse))
            if options.estimate_lapse
            else fit_options.lapse
        )
        return tau, lapse

    start = [math.log(fit_options.prior_sd)] if options.estimate_prior_sd else []
    start += [_logit(_START_LAPSE)] if options.estimate_lapse else []
    tau, lapse = fit_options.prior_sd, fit_options.lapse
    if start:
        # Nelder-Mead on the (one or two) estimated coordinates: tau and lambda are strongly coupled (lapses look
        # like a narrower spread), so they are searched jointly, not one after the other.
        def negative(point: FloatArray) -> float:
            return -evidence(*at(point))

        origin = np.array(start, dtype=np.float64)
        result = optimize.minimize(
            negative,
            origin,
            method="Nelder-Mead",
            options={"xatol": _XTOL, "fatol": _FTOL, "initial_simplex": _simplex(origin)},
        )
        tau, lapse = at(np.asarray(result.x, dtype=np.float64))
    # The draws (which ignore weights) replace the Laplace covariance: only a fit without them needs it.
    laplace_only = options.posterior is None or fit_options.use_weights
    fit = fit_bradley_terry(n_items, data, replace(fit_options, prior_sd=tau, lapse=lapse), covariance=laplace_only)
    fit = replace(fit, extra={**fit.extra, "prior_sd": tau})
    if laplace_only:
        return fit
    post = sample_theta_posterior(
        data,
        fit,
        prior_sd=tau,
        lapse=lapse,
        estimate_position=fit_options.estimate_position,
        position_prior_sd=fit_options.position_prior_sd,
        lapse_prior=options.lapse_prior,
        options=options.posterior,
    )
    return replace(
        fit,
        theta=post.theta,
        se=post.se,
        covariance=post.covariance,
        extra={**fit.extra, "posterior_prior_sd": post.prior_sd, "posterior_lapse": post.lapse},
    )
