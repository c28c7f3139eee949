"""The joint posterior of the anchors' abilities and the cut points, and the grade distributions it implies.

Why: the point projection (:mod:`cj_engine.grade_cutpoints`) treats the fitted cut points as known and an
essay's theta as independent of the anchors' theta. Both are wrong in a way that makes its probabilities
overconfident: one anchor per grade places a cut only roughly (a random exemplar can sit anywhere in its
band), and an essay and the anchors are fitted together (their thetas are correlated, so the SE of their
*difference* is not the two SEs added in quadrature). This module integrates over both (measured shares:
libs/cj_engine/README.md, "Calibrated grade probabilities").

The model, on the Bradley-Terry scale
    - The thetas of the anchors ``A`` and of every essay are jointly normal: the Laplace approximation of
      the fit, mean ``theta_hat`` and covariance ``Sigma`` (the diagonal ``se^2`` when no covariance is
      given: the independent case).
    - Cut points ``c_0 < ... < c_{K-2}`` split the scale into ``K`` grade bands. A band's width
      ``w = c_r - c_{r-1}`` has a log-normal prior with median ``h`` and log-SD ``width_log_sd``: grades are
      about equally wide, not exactly; a grade without an anchor, whose width no anchor checks, gets the
      wider ``unanchored_width_log_sd``. ``h``, the logits per grade, is unknown too: log-normal around the
      point fit's h with log-SD ``step_log_sd`` (empirical Bayes). Unanchored grades get their width, and
      their uncertainty, from the width prior alone.
      Why not flat on log h: the anchors' thetas are uncertain by most of a grade, so they cannot rule out
      narrow grades, and each anchor's band density (1 / width) rewards them; with a flat prior the
      converged posterior squeezed the grades to about two thirds of their true width (measured:
      libs/cj_engine/README.md, "The sampler converges").
    - Where an anchor sits in its band (``AnchorPlacement``): a *random* exemplar anywhere in it (its
      relative position ``t = (theta - c_{r-1}) / w`` uniform on (0, 1)); a *typical* exemplar near its
      middle (``t ~ Beta(b, b)``, ``b = typical_concentration``). The two open-ended bands (the lowest and
      the highest grade) have no middle: there the distance ``d`` beyond the band's one cut is
      exponential with mean ``h / 2`` (random; the tail of a population is densest at its cut) or ``h`` times
      ``Beta(b, b)`` (typical: about half a grade beyond the cut).
    - Each anchor's grade may be unrelated to its theta with probability ``anchor_lapse`` (a mislabelled
      anchor): its likelihood is a mixture with a flat density over the scale, so inverted anchors widen
      the distributions instead of making the model impossible.

Sampling
    ``chains`` parallel Gibbs chains (vectorised across chains): each anchor's theta, each cut and h in turn
    is redrawn from its full conditional, tabulated on a grid (an anchor: its Gaussian conditional +- 4 SD; a
    cut: between its neighbours, so the order is kept; log h: +- 4 prior SDs around the point fit's), for
    ``sweeps`` sweeps, the first ``burn_in`` discarded, every ``thin``-th kept. The defaults converge: a
    run ten times as long gives the same cuts (a test). Single-site updates move slowly along the
    direction that stretches every anchor and cut together, which is why there are many sweeps of few
    chains. Seeded: the same input gives the same output.

Grade distributions
    Given a draw of the anchors' thetas and the cuts, an essay's theta is normal (the Gaussian conditional:
    mean ``theta_hat_i + B_i (theta_A - theta_hat_A)``, ``B = Sigma_iA Sigma_AA^-1``, variance
    ``Sigma_ii - B_i Sigma_Ai``), so its grade probabilities are differences of normal CDFs at the cuts;
    they are averaged over the draws (Rao-Blackwellised: smooth, never one-hot). Each draw's cuts are
    ordered, so every draw's distribution is a distribution and is stochastically increasing in theta, and
    so is their average. An essay outside the fit (:meth:`GradeDraws.probabilities`) is independent of the
    anchors: ``B = 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import special

from cj_engine.types import FloatArray, IntArray

_GRID = 32  # cells per Gibbs update
_GRID_SDS = 4.0  # an anchor's grid spans its Gaussian conditional mean +- this many SDs
_OUTER_CUT_REACH = 3.0  # the outermost cuts may move this many grade steps beyond the anchors
_MIN_SD = 1e-9
_DRAW_CHUNK = 256  # draws per block when averaging essay probabilities: bounds memory at n x 256 x cuts


class AnchorPlacement(StrEnum):
    RANDOM = "random"  # any exemplar of the grade: anywhere in its band
    TYPICAL = "typical"  # a typical, mid-band exemplar


@dataclass(frozen=True)
class PosteriorOptions:
    placement: AnchorPlacement = AnchorPlacement.RANDOM
    typical_concentration: float = 4.0  # b of Beta(b, b): the middle half of the band holds 80% of anchors
    width_log_sd: float = 0.15  # grades are about equally wide: a grade's width varies by about +-15% around h
    unanchored_width_log_sd: float = 0.5  # ...but a grade without an anchor is not checked by one: +-50%
    open_band_mean: float = 0.5  # random exemplars of the lowest/highest grade: mean distance past the cut, in h
    step_log_sd: float = 0.1  # h is the point fit's to about +-10% (best training log score among 0.07-0.25)
    anchor_lapse: float = 0.02
    chains: int = 16
    sweeps: int = 150
    burn_in: int = 30
    thin: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        if not (self.typical_concentration >= 1.0 and math.isfinite(self.typical_concentration)):
            raise ValueError("typical_concentration must be finite and >= 1")
        for name in ("width_log_sd", "unanchored_width_log_sd", "open_band_mean", "step_log_sd"):
            value = getattr(self, name)
            if not (value > 0.0 and math.isfinite(value)):
                raise ValueError(f"{name} must be positive and finite, got {value}")
        if not 0.0 < self.anchor_lapse < 1.0:
            raise ValueError("anchor_lapse must be in (0, 1)")
        if self.chains < 1 or self.thin < 1 or not 0 <= self.burn_in < self.sweeps:
            raise ValueError("need chains >= 1, thin >= 1 and 0 <= burn_in < sweeps")


@dataclass(frozen=True)
class GradeDraws:
    """Posterior draws of the cut points (and of the anchors' thetas they were drawn with)."""

    cuts: FloatArray  # (draws, K - 1), each row strictly increasing
    anchor_theta: FloatArray  # (draws, m)

    def probabilities(self, theta: FloatArray, se: FloatArray) -> FloatArray:
        """Grade distributions of essays independent of the anchors (``theta``, ``se``): (n, K)."""
        theta = np.asarray(theta, dtype=np.float64).reshape(-1)
        se = np.asarray(se, dtype=np.float64).reshape(-1)
        if theta.shape != se.shape:
            raise ValueError("theta and se must have the same length")
        independent = np.zeros((theta.shape[0], 0))
        return _average(theta[:, None], independent, se, self.cuts, self.anchor_theta[:, :0])

    @property
    def cut_sd(self) -> FloatArray:
        return np.asarray(self.cuts.std(axis=0), dtype=np.float64)


@dataclass(frozen=True)
class _Terms:
    """The pieces of the log posterior that one Gibbs update needs: the band term of chosen anchors and the
    width prior of chosen grades. Everything is vectorised over rows (chains, or chains x grid cells)."""

    n_grades: int
    options: PosteriorOptions
    log_flat: float  # log density of a mislabelled anchor: flat over the scale's range
    width_log_sd: FloatArray  # per grade: width_log_sd with an anchor, unanchored_width_log_sd without

    def band(
        self, theta: FloatArray, lower: FloatArray, upper: FloatArray, ranks: IntArray, step: FloatArray
    ) -> FloatArray:
        """log p(theta | its band (lower, upper)) per anchor (last axis: anchors of grades ``ranks``), with the
        lapse mixture; ``step`` is h (broadcast). The lowest and the highest grade are open-ended: their outer
        bound is ignored."""
        b = self.options.typical_concentration
        typical = self.options.placement is AnchorPlacement.TYPICAL
        interior = (ranks > 0) & (ranks < self.n_grades - 1)
        beyond = np.where(ranks == 0, upper - theta, theta - lower)  # open bands: distance past their cut
        with np.errstate(invalid="ignore", divide="ignore"):
            if typical:
                open_band = _log_beta(beyond / step, b) - np.log(step)
            else:
                rate = 1.0 / (self.options.open_band_mean * step)
                open_band = np.where(beyond > 0.0, np.log(rate) - rate * beyond, -np.inf)
            if interior.any():
                width = upper[..., interior] - lower[..., interior]
                # Beta(b, b) on the relative position (uniform for random exemplars), per unit of theta.
                position = (theta[..., interior] - lower[..., interior]) / width
                open_band[..., interior] = _log_beta(position, b if typical else 1.0) - np.log(width)
        lapse = self.options.anchor_lapse
        mixed = np.logaddexp(math.log1p(-lapse) + open_band, math.log(lapse) + self.log_flat)
        return np.asarray(mixed, dtype=np.float64)

    def width_prior(self, widths: FloatArray, step: FloatArray, grades: slice) -> FloatArray:
        """log of the log-normal prior (median ``step``, h) of the widths of interior ``grades``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            log_width = np.log(widths)
        z = (log_width - np.log(step)) / self.width_log_sd[grades]
        return np.asarray(np.where(widths > 0.0, -0.5 * z * z - log_width, -np.inf), dtype=np.float64)


def _log_beta(x: FloatArray, b: float) -> FloatArray:
    inside = (x > 0.0) & (x < 1.0)
    safe = np.where(inside, x, 0.5)
    log_density = (b - 1.0) * (np.log(safe) + np.log1p(-safe)) - special.betaln(b, b)
    return np.asarray(np.where(inside, log_density, -np.inf), dtype=np.float64)


def _padded(cuts: FloatArray) -> FloatArray:
    """Cuts (chains, K - 1) with -inf and +inf added at the ends: band r is (padded[:, r], padded[:, r + 1])."""
    edge = np.full((cuts.shape[0], 1), np.inf)
    return np.hstack([-edge, cuts, edge])


def sample_grade_posterior(
    anchor_theta: FloatArray,
    anchor_covariance: FloatArray,
    ranks: IntArray,
    start_cuts: FloatArray,
    step: float,
    options: PosteriorOptions,
) -> GradeDraws:
    """Draws of (anchor thetas, cuts) from the joint posterior of the module docstring.

    ``start_cuts`` (strictly increasing, one per boundary of the scale) start the chains; ``step`` is h, the
    logits per grade of the point fit.
    """
    m, n_cuts = anchor_theta.shape[0], start_cuts.shape[0]
    covariance = anchor_covariance + np.eye(m) * 1e-12  # a zero SE (a tiny test case) must stay invertible
    precision = np.linalg.inv(covariance)
    span = float(max(np.ptp(anchor_theta), np.ptp(start_cuts))) + 4.0 * step
    width_log_sd = np.full(n_cuts + 1, options.unanchored_width_log_sd)
    width_log_sd[np.unique(ranks)] = options.width_log_sd
    terms = _Terms(n_cuts + 1, options, -math.log(span), width_log_sd)
    rng = np.random.default_rng(options.seed)
    chains = options.chains
    theta = np.tile(anchor_theta, (chains, 1))
    cuts = np.tile(start_cuts, (chains, 1))
    h = np.full(chains, step)
    log_h_reach = _GRID_SDS * options.step_log_sd
    log_h_low = np.full(chains, math.log(step) - log_h_reach)
    grid = (np.arange(_GRID) + 0.5) / _GRID  # cell centres on (0, 1)
    # h's grid and its log-normal prior around the point fit's h are the same in every sweep.
    log_steps = log_h_low[:, None] + 2.0 * log_h_reach * grid  # (chains, grid)
    steps = np.exp(log_steps)
    log_step_prior = -0.5 * np.square((log_steps - math.log(step)) / options.step_log_sd)
    outer = np.flatnonzero((ranks == 0) | (ranks == n_cuts))  # anchors of the open-ended grades
    conditional_sd = 1.0 / np.sqrt(np.diag(precision))
    reach = _OUTER_CUT_REACH * step
    kept_theta, kept_cuts = [], []
    for sweep in range(options.sweeps):
        for a in range(m):
            # theta_a | the rest: its Gaussian conditional given the other anchors, times its band term.
            offset = theta - anchor_theta
            mean = anchor_theta[a] - (offset @ precision[a] - offset[:, a] * precision[a, a]) / precision[a, a]
            low = mean - _GRID_SDS * conditional_sd[a]
            values = low[:, None] + 2.0 * _GRID_SDS * conditional_sd[a] * grid
            bands = _padded(cuts)
            r = ranks[a : a + 1]
            log_weight = -0.5 * np.square((values - mean[:, None]) / conditional_sd[a])
            band = terms.band(values[:, :, None], bands[:, None, r], bands[:, None, r + 1], r, h[:, None, None])
            log_weight += band[:, :, 0]
            theta[:, a] = _draw(rng, log_weight, low, 2.0 * _GRID_SDS * conditional_sd[a])
        for k in range(n_cuts):
            # c_k | the rest: between its neighbours (so the order is kept), times the band terms of the anchors
            # in the two grades it bounds and the width prior of those grades.
            low = cuts[:, k - 1] if k > 0 else np.minimum(cuts[:, 0], theta.min(axis=1)) - reach
            high = cuts[:, k + 1] if k < n_cuts - 1 else np.maximum(cuts[:, k], theta.max(axis=1)) + reach
            values = low[:, None] + (high - low)[:, None] * grid  # (chains, grid)
            near = ranks[(ranks == k) | (ranks == k + 1)]
            theta_near = theta[:, (ranks == k) | (ranks == k + 1)][:, None, :]
            bands = _padded(cuts)[:, None, :]
            # Grade k is bounded above by c_k, grade k + 1 below by it; the other bound is a fixed neighbour.
            lower = np.where(near == k + 1, values[:, :, None], bands[:, :, near])
            upper = np.where(near == k, values[:, :, None], bands[:, :, near + 1])
            log_weight = terms.band(theta_near, lower, upper, near, h[:, None, None]).sum(axis=2)
            if k > 0:
                log_weight += terms.width_prior(values - cuts[:, k - 1 : k], h[:, None], slice(k, k + 1))
            if k < n_cuts - 1:
                log_weight += terms.width_prior(cuts[:, k + 1 : k + 2] - values, h[:, None], slice(k + 1, k + 2))
            cuts[:, k] = _draw(rng, log_weight, low, high - low)
        # h | the rest (log-normal prior around the point fit's): the widths of the interior grades, and how far
        # the anchors of the open-ended grades sit beyond their cut, both measured in h.
        interior = slice(1, n_cuts)
        log_weight = terms.width_prior(np.diff(cuts, axis=1)[:, None, :], steps[:, :, None], interior).sum(axis=2)
        if outer.shape[0]:
            bands = _padded(cuts)[:, None, :]
            open_terms = terms.band(
                theta[:, None, outer],
                bands[:, :, ranks[outer]],
                bands[:, :, ranks[outer] + 1],
                ranks[outer],
                steps[:, :, None],
            )
            log_weight += open_terms.sum(axis=2)
        log_weight += log_step_prior
        h = np.exp(_draw(rng, log_weight, log_h_low, 2.0 * log_h_reach))
        if sweep >= options.burn_in and (sweep - options.burn_in) % options.thin == 0:
            kept_theta.append(theta.copy())
            kept_cuts.append(cuts.copy())
    return GradeDraws(cuts=np.vstack(kept_cuts), anchor_theta=np.vstack(kept_theta))


def _draw(rng: np.random.Generator, log_weight: FloatArray, low: FloatArray, length: FloatArray | float) -> FloatArray:
    """One draw per row from a density tabulated at the centres of ``_GRID`` equal cells of (low, low + length).

    A cell is drawn with the tabulated weights and a point uniformly within it: an exact draw from the
    piecewise-constant approximation of the conditional, with no step size to tune.
    """
    rows = log_weight.shape[0]
    weight = np.exp(log_weight - log_weight.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weight, axis=1)
    cell = (cumulative < rng.random((rows, 1)) * cumulative[:, -1:]).sum(axis=1)
    return np.asarray(low + length * (np.minimum(cell, _GRID - 1) + rng.random(rows)) / _GRID, dtype=np.float64)


def joint_probabilities(
    theta: FloatArray, covariance: FloatArray, anchor_index: IntArray, draws: GradeDraws
) -> FloatArray:
    """Grade distributions (n, K) of essays fitted jointly with the anchors (full covariance of the fit)."""
    sigma_aa = covariance[np.ix_(anchor_index, anchor_index)] + np.eye(anchor_index.shape[0]) * 1e-12
    sigma_ia = covariance[:, anchor_index]
    gain = np.asarray(np.linalg.solve(sigma_aa, sigma_ia.T).T, dtype=np.float64)  # B = Sigma_iA Sigma_AA^-1
    variance = np.diag(covariance) - np.einsum("ia,ia->i", gain, sigma_ia)
    sd = np.sqrt(np.maximum(variance, 0.0))
    centre = theta - gain @ theta[anchor_index]
    return _average(centre[:, None], gain, sd, draws.cuts, draws.anchor_theta)


def _average(
    centre: FloatArray, gain: FloatArray, sd: FloatArray, cuts: FloatArray, anchor_theta: FloatArray
) -> FloatArray:
    """Mean over draws of each essay's grade distribution; essay mean = centre + gain @ anchor_theta[draw]."""
    n, n_draws = centre.shape[0], cuts.shape[0]
    spread = np.maximum(sd, _MIN_SD)[:, None, None]
    at_most = np.zeros((n, cuts.shape[1]))
    for start in range(0, n_draws, _DRAW_CHUNK):
        block = slice(start, start + _DRAW_CHUNK)
        mean = centre + gain @ anchor_theta[block].T  # (n, draws in block)
        at_most += special.ndtr((cuts[block][None, :, :] - mean[:, :, None]) / spread).sum(axis=1)
    at_most /= n_draws
    at_most = np.maximum.accumulate(at_most, axis=1)  # exact already; guards rounding in the sums
    bounded = np.hstack([np.zeros((n, 1)), at_most, np.ones((n, 1))])
    return np.asarray(np.diff(bounded, axis=1), dtype=np.float64)
