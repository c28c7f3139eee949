"""Ordered cut points between grades, fitted to anchor essays, and the grade distribution they imply.

The model is an ordinal probit on the Bradley-Terry scale. An essay with ability ``theta`` and standard error
``se`` has grade at most ``k`` (index into the scale's grades, lowest first) with probability

    P(grade <= k | theta) = Phi((c_k - theta) / sqrt(sigma^2 + se^2 + tau_k^2))

- ``c_k`` is the cut point between grade ``k`` and grade ``k + 1``;
- ``sigma`` is the residual spread of essays of one grade around their region of the scale;
- ``se`` integrates over the essay's own uncertainty about ``theta`` (a normal convolved with a normal);
- ``tau_k`` is extra uncertainty for a cut point the anchors do not pin down: 0 on a fitted boundary between
  anchored grades, growing with the distance from one (see below).

Fitting (:func:`fit_cut_points`)
    Only grades that have anchors are separated by the likelihood, so the model is first fitted on those grades
    alone (``m + 1`` anchored grades, ``m`` cuts) by maximum a posteriori, with L-BFGS-B and an analytic gradient:

    - the likelihood above over the anchors, each with its own SE;
    - a weak log-normal prior on ``sigma`` (median ``sigma_prior_median``, log-SD ``sigma_prior_log_sd``) and a
      floor ``sigma_floor``, so ``sigma`` stays identifiable with a handful of perfectly separated anchors;
    - a lapse: each anchor's likelihood is ``(1 - lapse) P + lapse / (m + 1)``, so one mislabelled anchor costs
      a bounded amount instead of dragging the cuts and inflating ``sigma`` (it still shows up as inconsistent
      and inverted in :mod:`cj_engine.grades`). The lapse is for fitting only: projections do not include it;
    - cuts parametrised as ``d_0 + cumsum(exp(delta))``, so they stay ordered whatever order the anchors are in.

Expansion to the whole scale
    Fitted cut ``d_j`` separates anchored grades ``r_j < r_{j+1}``. It becomes a knot at grade position
    ``p_j = (r_j + r_{j+1}) / 2``: the boundary between two anchored groups sits midway between them, so in a gap
    of unanchored grades it lands on the middle of the gap (exactly on the cut when ``r_{j+1} = r_j + 1``).
    Cut ``k`` sits at position ``k + 1/2`` and its value is

    - FITTED: the knot's value, when a knot sits on the cut;
    - INTERPOLATED: linear between the two neighbouring knots (so evenly spaced in a gap);
    - EXTRAPOLATED: beyond the outer knots, continuing the grade step ``h`` from the nearest knot.

    ``h`` (logits per grade) is the mean spacing of the knots, ``(d_last - d_0) / (p_last - p_0)``; with a single
    knot (anchors in two grades) it is the distance between the two groups' median theta over their grade
    distance. It is floored at ``min_grade_step`` so that inverted anchors cannot give zero-width grades.

Wider uncertainty for cuts the anchors do not pin
    Each grade step away from a knot is treated as a grade width that is uncertain, with SD ``kappa h``
    (``kappa`` = ``unanchored_step_sd``), independently per step; distances are in grade steps. A cut ``a``
    steps beyond the outer knot then has ``tau^2 = (kappa h)^2 a`` (a random walk), and a cut between knots at
    distances ``a`` and ``b`` has ``tau^2 = (kappa h)^2 a b / (a + b)`` (a Brownian bridge, tied down at both
    knots). Knots have ``tau = 0``.

Different ``tau_k`` per cut could make two cumulative curves cross far out in the tails (a grade's mass
would go negative there); the cumulative probabilities are therefore made monotone in ``k`` with a running
maximum. Each curve falls in ``theta``, so the running maximum does too: the distribution stays stochastically
increasing in ``theta``, non-negative, and sums to 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import optimize, special

from cj_engine.grade_calibration import GradeCalibration
from cj_engine.grade_posterior import GradeDraws
from cj_engine.types import FloatArray, IntArray

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# Bounds on each log cut spacing: keep the optimiser finite when one grade's anchors sit inside another's,
# without pulling well-determined cuts (logits: spacings between 0.001 and 1000).
_LOG_SPACING_BOUNDS = (math.log(1e-3), math.log(1e3))
_SIGMA_CEILING = 100.0
_STATIONARY_GRADIENT = 1e-6


class CutSource(StrEnum):
    FITTED = "fitted"
    INTERPOLATED = "interpolated"
    EXTRAPOLATED = "extrapolated"


@dataclass(frozen=True)
class CutPointOptions:
    """The ordinal model's settings; all on the logit scale of the Bradley-Terry abilities."""

    sigma_prior_median: float = 0.5  # weak log-normal prior on the residual spread sigma...
    sigma_prior_log_sd: float = 1.0  # ...one log-unit wide: sigma between 0.18 and 1.4 within one SD
    sigma_floor: float = 0.05
    fixed_sigma: float | None = None  # use this sigma instead of estimating it
    anchor_lapse: float = 0.02  # chance an anchor's known grade is unrelated to its theta (robust fit)
    min_grade_step: float = 0.25  # floor on h, the logits per grade used for extrapolation
    unanchored_step_sd: float = 0.5  # kappa: SD of an unanchored grade's width, as a fraction of h
    tol: float = 1e-10
    max_iter: int = 500

    def __post_init__(self) -> None:
        positive = {
            "sigma_prior_median": self.sigma_prior_median,
            "sigma_prior_log_sd": self.sigma_prior_log_sd,
            "sigma_floor": self.sigma_floor,
            "min_grade_step": self.min_grade_step,
            "tol": self.tol,
        }
        if self.fixed_sigma is not None:
            positive["fixed_sigma"] = self.fixed_sigma
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not 0.0 <= self.anchor_lapse < 1.0:
            raise ValueError(f"anchor_lapse must be in [0, 1), got {self.anchor_lapse}")
        if not (math.isfinite(self.unanchored_step_sd) and self.unanchored_step_sd >= 0):
            raise ValueError(f"unanchored_step_sd must be finite and >= 0, got {self.unanchored_step_sd}")
        if self.max_iter < 1:
            raise ValueError("max_iter must be at least 1")


@dataclass(frozen=True)
class CutPoint:
    """The boundary between two adjacent grades: ``value`` in logits, ``extra_sd`` is its ``tau``."""

    lower_grade: str
    upper_grade: str
    value: float
    extra_sd: float
    source: CutSource


@dataclass(frozen=True)
class GradeModel:
    """Fitted cut points over ``grades`` (lowest first); turns (theta, se) into grade distributions.

    With ``draws`` (posterior draws of the cuts, :mod:`cj_engine.grade_posterior`) an essay's distribution is
    averaged over them; without, it is the point model of the module docstring (cuts known up to ``tau``).
    With ``calibration`` the distributions then pass that layer (a projection's model grades a new essay as it
    graded its students).
    """

    grades: tuple[str, ...]
    cuts: FloatArray  # len(grades) - 1 values, strictly increasing
    extra_sd: FloatArray  # tau per cut
    sigma: float
    draws: GradeDraws | None = None
    calibration: GradeCalibration | None = None

    def probabilities(self, theta: FloatArray, se: FloatArray) -> FloatArray:
        """Row ``i`` is essay ``i``'s distribution over :attr:`grades`: non-negative, sums to 1."""
        raw = self._model_probabilities(theta, se)
        return raw if self.calibration is None else self.calibration.apply(raw)

    def _model_probabilities(self, theta: FloatArray, se: FloatArray) -> FloatArray:
        if self.draws is not None:
            return self.draws.probabilities(theta, se)
        theta = np.asarray(theta, dtype=np.float64).reshape(-1)
        se = np.asarray(se, dtype=np.float64).reshape(-1)
        if theta.shape != se.shape:
            raise ValueError("theta and se must have the same length")
        spread = np.sqrt(self.sigma**2 + se[:, None] ** 2 + self.extra_sd[None, :] ** 2)
        at_most = special.ndtr((self.cuts[None, :] - theta[:, None]) / spread)
        at_most = np.maximum.accumulate(at_most, axis=1)  # see the module docstring: tails of unequal spreads
        n = theta.shape[0]
        bounded = np.hstack([np.zeros((n, 1)), at_most, np.ones((n, 1))])
        return np.diff(bounded, axis=1)


@dataclass(frozen=True)
class CutPointFit:
    model: GradeModel
    cut_points: tuple[CutPoint, ...]
    grade_step: float  # h: logits per grade, used to extrapolate and to size tau
    converged: bool
    iterations: int


def fit_cut_points(
    theta: FloatArray, se: FloatArray, ranks: IntArray, grades: tuple[str, ...], options: CutPointOptions
) -> CutPointFit:
    """Fit the cut points from anchors with abilities ``theta``, errors ``se`` and grade indices ``ranks``.

    ``ranks`` index into ``grades`` (lowest first) and must cover at least two distinct grades.
    """
    anchored = np.unique(ranks)
    if anchored.shape[0] < 2:
        raise ValueError("cut points need anchors in at least two distinct grades")
    category = np.searchsorted(anchored, ranks).astype(np.int64)
    knots, sigma, converged, iterations = _fit_ordinal(theta, se, category, int(anchored.shape[0]), options)

    positions = (anchored[:-1] + anchored[1:]) / 2.0
    if knots.shape[0] >= 2:
        step = float((knots[-1] - knots[0]) / (positions[-1] - positions[0]))
    else:
        top, bottom = theta[category == 1], theta[category == 0]
        step = float((np.median(top) - np.median(bottom)) / (anchored[1] - anchored[0]))
    step = max(step, options.min_grade_step)

    cuts, tau2, sources = _expand(knots, positions, len(grades) - 1, step, options.unanchored_step_sd)
    extra_sd = np.sqrt(tau2)
    cut_points = tuple(
        CutPoint(grades[k], grades[k + 1], float(cuts[k]), float(extra_sd[k]), sources[k]) for k in range(len(cuts))
    )
    model = GradeModel(grades=grades, cuts=cuts, extra_sd=extra_sd, sigma=sigma)
    return CutPointFit(model, cut_points, step, converged, iterations)


def _expand(
    knots: FloatArray, positions: FloatArray, n_cuts: int, step: float, kappa: float
) -> tuple[FloatArray, FloatArray, list[CutSource]]:
    """Cut values, extra variances and sources at positions k + 1/2 from the knots (module docstring)."""
    x = np.arange(n_cuts, dtype=np.float64) + 0.5
    cuts = np.interp(x, positions, knots)
    below, above = x < positions[0], x > positions[-1]
    cuts[below] = knots[0] - step * (positions[0] - x[below])
    cuts[above] = knots[-1] + step * (x[above] - positions[-1])

    walk = np.where(below, positions[0] - x, np.where(above, x - positions[-1], 0.0))
    bridge = np.zeros(n_cuts)
    if positions.shape[0] >= 2:
        after = np.clip(np.searchsorted(positions, x, side="right"), 1, positions.shape[0] - 1)
        a = np.maximum(x - positions[after - 1], 0.0)
        b = np.maximum(positions[after] - x, 0.0)
        bridge = np.divide(a * b, a + b, out=bridge, where=(a + b) > 0)
    tau2 = (kappa * step) ** 2 * np.where(below | above, walk, bridge)

    on_knot = np.isin(x, positions)
    sources = [
        CutSource.FITTED if on_knot[k] else CutSource.EXTRAPOLATED if below[k] or above[k] else CutSource.INTERPOLATED
        for k in range(n_cuts)
    ]
    return cuts, tau2, sources


def _fit_ordinal(
    theta: FloatArray, se: FloatArray, category: IntArray, n_categories: int, options: CutPointOptions
) -> tuple[FloatArray, float, bool, int]:
    """MAP cut points (n_categories - 1, increasing) and sigma for anchors in categories 0..n_categories-1."""
    # Medians, not means: a mislabelled anchor should not move the starting point either.
    centres = np.array([np.median(theta[category == j]) for j in range(n_categories)])
    midpoints = (centres[:-1] + centres[1:]) / 2.0
    spacings = np.maximum(np.diff(midpoints), 0.1)  # an out-of-order start is fine: only a starting point
    log_spacing = np.clip(np.log(spacings), *_LOG_SPACING_BOUNDS)
    if options.fixed_sigma is not None:
        log_sigma0 = math.log(options.fixed_sigma)
        sigma_bounds = (log_sigma0, log_sigma0)
    else:
        log_sigma0 = math.log(max(options.sigma_prior_median, options.sigma_floor))
        sigma_bounds = (math.log(options.sigma_floor), math.log(_SIGMA_CEILING))
    start = np.concatenate([[midpoints[0]], log_spacing, [log_sigma0]])
    bounds = [(None, None)] + [_LOG_SPACING_BOUNDS] * (n_categories - 2) + [sigma_bounds]

    result = optimize.minimize(
        _negative_log_posterior,
        start,
        args=(theta, se, category, options),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": options.max_iter, "ftol": options.tol, "gtol": options.tol},
    )
    params = np.asarray(result.x, dtype=np.float64)
    cuts, sigma = _unpack(params)
    # L-BFGS-B can end in a failed line search while already at the optimum (rounding noise in the objective):
    # judge convergence by the projected gradient too, ignoring components pushing against an active bound.
    gradient = _negative_log_posterior(params, theta, se, category, options)[1]
    lower = np.array([-np.inf if lo is None else lo for lo, _ in bounds])
    upper = np.array([np.inf if hi is None else hi for _, hi in bounds])
    blocked = ((params <= lower) & (gradient > 0)) | ((params >= upper) & (gradient < 0))
    stationary = bool(np.max(np.abs(np.where(blocked, 0.0, gradient))) < _STATIONARY_GRADIENT)
    return cuts, sigma, bool(result.success) or stationary, int(result.nit)


def _unpack(params: FloatArray) -> tuple[FloatArray, float]:
    cuts = params[0] + np.concatenate([[0.0], np.cumsum(np.exp(params[1:-1]))])
    return cuts, float(np.exp(params[-1]))


def _negative_log_posterior(
    params: FloatArray, theta: FloatArray, se: FloatArray, category: IntArray, options: CutPointOptions
) -> tuple[float, FloatArray]:
    """Objective and gradient for :func:`_fit_ordinal`; params = [d_0, log spacings..., log sigma]."""
    cuts, sigma = _unpack(params)
    spread = np.sqrt(sigma**2 + se**2)
    padded = np.concatenate([[-np.inf], cuts, [np.inf]])
    lower = (padded[category] - theta) / spread
    upper = (padded[category + 1] - theta) / spread
    log_p = _log_interval(lower, upper)
    # Each anchor's likelihood is (1 - lapse) P + lapse / n_categories: a mislabelled anchor costs a bounded
    # amount instead of dragging the cuts and sigma towards it.
    lapse = options.anchor_lapse
    n_categories = cuts.shape[0] + 1
    log_lik = np.logaddexp(np.log1p(-lapse) + log_p, math.log(lapse / n_categories)) if lapse > 0 else log_p

    # d log L / d z at each bound: (1 - lapse) phi(z) / L, computed in logs; 0 at an infinite bound.
    log_weight = np.log1p(-lapse) - _LOG_SQRT_2PI - log_lik
    ratio_upper = np.exp(-0.5 * np.square(upper) + log_weight)
    ratio_lower = np.exp(-0.5 * np.square(lower) + log_weight)
    z_ratio_upper = np.where(np.isfinite(upper), upper, 0.0) * ratio_upper
    z_ratio_lower = np.where(np.isfinite(lower), lower, 0.0) * ratio_lower

    n_cuts = cuts.shape[0]
    grad_cut = np.zeros(n_cuts)
    upper_cut, lower_cut = category, category - 1  # which cut bounds each anchor (if any)
    has_upper, has_lower = upper_cut < n_cuts, lower_cut >= 0
    np.add.at(grad_cut, upper_cut[has_upper], (ratio_upper / spread)[has_upper])
    np.add.at(grad_cut, lower_cut[has_lower], (-ratio_lower / spread)[has_lower])
    grad_log_sigma = float(np.sum(-(z_ratio_upper - z_ratio_lower) * sigma**2 / spread**2))

    log_prior = 0.0
    if options.fixed_sigma is None:
        offset = math.log(sigma) - math.log(options.sigma_prior_median)
        log_prior = -0.5 * (offset / options.sigma_prior_log_sd) ** 2
        grad_log_sigma -= offset / options.sigma_prior_log_sd**2

    # Cut j = d_0 + sum_{i<=j} exp(log spacing_i): chain rule through the cumulative sum.
    tail_sums = np.cumsum(grad_cut[::-1])[::-1]
    grad = np.concatenate([[tail_sums[0]], np.exp(params[1:-1]) * tail_sums[1:], [grad_log_sigma]])
    return -float(np.sum(log_lik) + log_prior), -grad


def _log_interval(lower: FloatArray, upper: FloatArray) -> FloatArray:
    """log(Phi(upper) - Phi(lower)) for lower < upper, accurate in both tails."""
    mirror = lower > 0  # both bounds in the upper tail: use Phi(-lower) - Phi(-upper) instead
    hi = np.where(mirror, -lower, upper)
    lo = np.where(mirror, -upper, lower)
    log_hi: FloatArray = special.log_ndtr(hi)
    log_lo: FloatArray = special.log_ndtr(lo)
    return log_hi + np.log1p(-np.exp(log_lo - log_hi))
