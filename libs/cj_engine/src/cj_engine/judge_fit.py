"""Bradley-Terry with one discrimination and one position bias per judge: LLM and teachers on one scale.

Model, for a comparison by judge ``k`` with item ``f`` shown first and ``s`` second::

    P(first wins | judge k) = sigmoid(a_k (theta_f - theta_s) + gamma_k)

``a_k`` is how sharply judge ``k`` separates essays (a noisier judge has a smaller ``a_k``), ``gamma_k``
its log-odds preference for the essay shown first. The scale is the **reference** judge's (the LLM):
its ``a`` is fixed at 1, so theta is in the same logits as ``bradley_terry.fit_bradley_terry`` fitted on
the LLM alone. Priors: theta_i ~ N(0, prior_sd^2) and gamma_k ~ N(0, position_prior_sd^2) as in the
single-judge fit (``FitOptions``), and log a_k ~ N(0, discrimination_prior_sd^2) for every other judge
(a log-normal centred on 1: a teacher is presumed as sharp as the LLM until the verdicts say otherwise).
With the reference judge alone this is exactly the single-judge model, and the fit returns the same theta
and SEs.

Fit, in two steps:

1. The non-reference judges' log discriminations b_k = log a_k maximise the Laplace-approximated marginal
   likelihood, theta and gamma integrated out (plus b's prior): L-BFGS-B over b, each evaluation a Newton
   fit of theta and gamma at fixed b (then the model is a logistic regression, concave, as in
   ``bradley_terry``) and the log determinant of its information. Why not the joint MAP over theta, gamma
   and a: with about ten comparisons per essay theta has almost as many parameters as there are verdicts,
   and a consistent judge's verdicts can then be fitted nearly perfectly by rearranging theta, which the
   joint MAP rewards with an ever larger a (measured: a judge of true relative discrimination 1.5 came out
   at 5-7, one of 0.5 at 0.9-6; the incidental-parameter problem). Integrating theta out removes that.
2. Theta and gamma are the MAP at b-hat (Newton with step halving, theta centred after every step
   exactly as in the single-judge fit; with the reference judge alone there is no b and this is that fit,
   step for step).

SEs: from the observed information (the negative Hessian of the log-posterior, which has the extra
residual-weighted terms of the product a_k * (theta_f - theta_s)) at the fit, over theta, gamma and b
jointly, so an essay's SE carries the uncertainty of the discriminations of the judges who saw it (the
block inverse adds H_tt^-1 H_tb S^-1 H_bt H_tt^-1 to the conditional covariance). Should the observed
information not be positive definite, the expected information is used and
``extra["observed_information"]`` is 0. The likelihood only sees theta differences, so
u = (1, ..., 1, 0, ...) is an eigenvector of every information with eigenvalue 1 / prior_sd^2 and every
solve adds c uu'/n to the theta block (see ``bradley_terry``'s docstring).

**Declared biases of the reference judge** (``covariates``). In this model every judge sees the same
theta, so an essay the LLM consistently overrates fits the LLM's scale well and a 10 % moderation cannot
move it: its ten or so LLM verdicts outweigh one or two teacher verdicts, whichever pairs are chosen
(scripts/bench/bench_cj_moderation.py). When the bias follows a feature the platform knows (length, the
issue's example), ``covariates`` (n x q) lets the LLM see s = theta + covariates @ beta while every other
judge sees theta: beta ~ N(0, covariate_bias_prior_sd^2) is then learnt from all teacher verdicts on pairs
that differ in the feature, pooled, and theta is corrected for it. The parameters are
(s, gamma, beta); a shift of s is still invisible to the likelihood, and theta = C (s - covariates @ beta)
with its covariance mapped through the same linear map. Without teacher verdicts nothing identifies beta,
which stays at 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.linalg
from scipy.optimize import brentq, minimize, minimize_scalar
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import expit, ndtri

from cj_engine.bradley_terry import centre_items, check_fit_options
from cj_engine.graph import ComparisonArrays, comparisons_per_item, connected_components
from cj_engine.separation import scale_separation_reliability
from cj_engine.types import Comparison, FitOptions, FitResult, FloatArray, IntArray

# As in bradley_terry: above this many parameters conjugate gradients beat a dense Cholesky per step.
_DENSE_MAX_PARAMS = 1000
_CG_RTOL = 1e-10
_MAX_HALVINGS = 40
# The search range of log a for a non-reference judge (a from 0.05 to 20 times the reference's) and the
# finite-difference step of its marginal-likelihood search.
_LOG_A_MIN = math.log(0.05)
_LOG_A_MAX = math.log(20.0)
_LOG_A_STEP = 1e-5
# The tau search of the marginal reliability, as in reliability.py.
_TAU_MIN = 0.02
_TAU_MAX = 10.0
_LOG_TAU_XTOL = 1e-3


@dataclass(frozen=True)
class JudgeFitOptions:
    """The single-judge options (theta and position priors, weights, tolerance) plus the discrimination prior."""

    fit: FitOptions = field(default_factory=FitOptions)
    discrimination_prior_sd: float = 0.5  # SD of log a_k: a_k within [0.37, 2.7] a priori (95%)
    covariate_bias_prior_sd: float = 1.0  # SD of the reference judge's bias per unit of a declared covariate

    def __post_init__(self) -> None:
        for name in ("discrimination_prior_sd", "covariate_bias_prior_sd"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive finite number")


@dataclass(frozen=True)
class JudgeEstimate:
    """One judge's fitted parameters. The reference judge's discrimination is fixed at 1 (SE 0)."""

    judge: str
    is_reference: bool
    n_decisions: int
    discrimination: float
    discrimination_se: float
    position_bias: float  # gamma_k: log-odds in favour of the essay shown first (0 if not estimated)
    position_se: float


@dataclass(frozen=True)
class MultiJudgeFit:
    """``fit`` is a ``FitResult`` on the reference judge's scale (its ``position_effect`` is the reference
    judge's), so grade projection, planning and SSR read it unchanged; ``judges`` lists every judge,
    the reference first, then the others by id."""

    fit: FitResult
    judges: tuple[JudgeEstimate, ...]
    reference_judge: str
    # With covariates: the reference judge's bias per unit of each covariate, relative to the other judges
    # (logits on the fitted scale), and its SE; theta is corrected for it. Empty without covariates.
    covariate_bias: tuple[float, ...] = ()
    covariate_bias_se: tuple[float, ...] = ()
    # The reference judge's view, theta + covariates @ covariate_bias (centred): what its verdicts follow.
    reference_view: FloatArray | None = None
    # With ``covariance`` and other judges: Cov(theta, log a_k) (n x others, in ``judges``' order after the
    # reference) and Cov(log a) (others x others), so a plan can tell what a verdict teaches about the
    # discriminations (moderation_design). None otherwise.
    theta_log_discrimination_covariance: FloatArray | None = None
    log_discrimination_covariance: FloatArray | None = None
    discrimination_prior_sd: float = 0.5  # the prior SD of log a_k the fit used (JudgeFitOptions)

    def judge(self, judge_id: str) -> JudgeEstimate:
        for estimate in self.judges:
            if estimate.judge == judge_id:
                return estimate
        raise KeyError(judge_id)

    def first_win_probability(self, comparisons: Sequence[Comparison], judges: Sequence[str]) -> FloatArray:
        """The model's P(first wins) for each comparison under its own judge's a_k and gamma_k."""
        by_id = {estimate.judge: estimate for estimate in self.judges}
        theta = self.fit.theta
        view = self.reference_view if self.reference_view is not None else theta
        eta = []
        for c, j in zip(comparisons, judges, strict=True):
            scale = view if j == self.reference_judge else theta
            eta.append(by_id[j].discrimination * (scale[c.first] - scale[c.second]) + by_id[j].position_bias)
        return np.asarray(expit(np.asarray(eta, dtype=np.float64)), dtype=np.float64)


@dataclass(frozen=True)
class _Problem:
    """The log-posterior of the inner parameters x = (s_0..s_{n-1}[, gamma_0..gamma_{K-1}], beta_0..beta_{q-1})
    given the log discriminations b = (b_1..b_{K-1}) of the non-reference judges (judge 0 is the reference,
    b_0 = 0). s is the reference judge's view; the other judges see theta = s - covariates @ beta (without
    covariates, q = 0 and s is theta)."""

    data: ComparisonArrays
    judge: IntArray  # per comparison: 0 = reference, 1..K-1 the others
    n_judges: int
    estimate_position: bool
    weight: FloatArray
    precision: FloatArray  # prior precision of x
    b_precision: float
    covariates: FloatArray  # n x q (q = 0: none)

    @property
    def n_items(self) -> int:
        return self.data.n_items

    @property
    def n_inner(self) -> int:
        return int(self.precision.shape[0])

    @property
    def n_covariates(self) -> int:
        return int(self.covariates.shape[1])

    def covariate_contrast(self) -> FloatArray:
        """Per comparison and covariate: X_f - X_s for the non-reference judges' comparisons, 0 for the
        reference's (whose view s already contains its bias)."""
        contrast = self.covariates[self.data.first] - self.covariates[self.data.second]
        contrast[self.judge == 0] = 0.0
        return np.asarray(contrast, dtype=np.float64)

    def discriminations(self, b: FloatArray) -> FloatArray:
        """a_k per judge (the reference's 1)."""
        return np.asarray(np.exp(np.concatenate([[0.0], b])), dtype=np.float64)

    def predictor(self, x: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per comparison: the logit eta, the theta difference d and the judge's a."""
        d = x[self.data.first] - x[self.data.second]
        if self.n_covariates:
            d = d - self.covariate_contrast() @ x[self.n_inner - self.n_covariates :]
        a = self.discriminations(b)[self.judge]
        eta = a * d
        if self.estimate_position:
            eta = eta + x[self.n_items + self.judge]
        return eta, d, a

    def jacobian(self, x: FloatArray, b: FloatArray, *, with_b: bool) -> csr_matrix:
        """d eta / d (x[, b]), one row per comparison."""
        m = self.data.n_comparisons
        _eta, d, a = self.predictor(x, b)
        rows, cols, vals = [np.arange(m), np.arange(m)], [self.data.first, self.data.second], [a, -a]
        if self.estimate_position:
            rows.append(np.arange(m))
            cols.append(self.n_items + self.judge)
            vals.append(np.ones(m))
        contrast = self.covariate_contrast()
        for q in range(self.n_covariates):
            rows.append(np.arange(m))
            cols.append(np.full(m, self.n_inner - self.n_covariates + q))
            vals.append(-a * contrast[:, q])
        width = self.n_inner
        if with_b:
            free = np.flatnonzero(self.judge > 0)
            rows.append(free)
            cols.append(self.n_inner + self.judge[free] - 1)
            vals.append((a * d)[free])
            width += self.n_judges - 1
        triplets = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
        return csr_matrix(triplets, shape=(m, width))

    def log_posterior(self, x: FloatArray, b: FloatArray) -> float:
        """log p(y | x, b) + log p(x), without constants (b's own prior is the caller's)."""
        eta, _d, _a = self.predictor(x, b)
        sign = 2.0 * self.data.first_won - 1.0
        log_lik = -float(np.dot(self.weight, np.logaddexp(0.0, -sign * eta)))
        return log_lik - 0.5 * float(np.dot(self.precision, x * x))

    def residual_and_curvature(self, x: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per comparison: w (y - p) and the Fisher weight w p (1 - p)."""
        eta, _d, _a = self.predictor(x, b)
        p = expit(eta)
        return self.weight * (self.data.first_won - p), self.weight * p * (1.0 - p)

    def information(self, x: FloatArray, b: FloatArray, *, with_b: bool) -> tuple[csr_matrix, FloatArray]:
        """J'WJ over x (and b), without the prior, and the log-likelihood's gradient over the same."""
        jac = self.jacobian(x, b, with_b=with_b)
        residual, curvature = self.residual_and_curvature(x, b)
        info = csr_matrix(jac.T @ csr_matrix(jac.multiply(curvature[:, None])))
        return info, np.asarray(jac.T @ residual, dtype=np.float64)

    def shift(self, info: csr_matrix) -> float:
        """The c in H + c uu'/n: the mean theta curvature plus the prior precision (0 for a lone item)."""
        if self.n_items == 1:
            return 0.0
        return float(np.mean(info.diagonal()[: self.n_items])) + float(self.precision[0])

    def dense_precision(self, info: csr_matrix, prior_precision: FloatArray) -> FloatArray:
        """info + prior precision + c uu'/n on the theta block, dense."""
        dense: FloatArray = np.asarray(info.toarray(), dtype=np.float64)
        n = self.n_items
        dense[np.diag_indices_from(dense)] += prior_precision
        dense[:n, :n] += self.shift(info) / n
        return dense

    def newton_direction(self, x: FloatArray, b: FloatArray) -> FloatArray:
        """The Newton step over x at fixed b (the model is then a logistic regression in x: J'WJ is the
        Hessian)."""
        info, score = self.information(x, b, with_b=False)
        gradient = score - self.precision * x
        if self.n_inner <= _DENSE_MAX_PARAMS:
            dense = self.dense_precision(info, self.precision)
            solved: FloatArray = scipy.linalg.solve(dense, gradient, assume_a="pos", check_finite=False)
            return solved
        n, precision, c = self.n_items, self.precision, self.shift(info)
        diagonal = info.diagonal() + precision
        diagonal[:n] += c / n

        def matvec(v: FloatArray) -> FloatArray:
            out: FloatArray = info @ v + precision * v
            out[:n] += c * float(np.sum(v[:n])) / n
            return out

        shape = (self.n_inner, self.n_inner)
        operator = LinearOperator(shape, matvec=matvec, dtype=np.float64)
        preconditioner = LinearOperator(shape, matvec=lambda v: v / diagonal, dtype=np.float64)
        solution, _info = cg(operator, gradient, rtol=_CG_RTOL, M=preconditioner)
        return np.asarray(solution, dtype=np.float64)

    def log_det(self, x: FloatArray, b: FloatArray) -> float:
        """log det of the posterior precision of x at fixed b (the shift undone, as in bradley_terry)."""
        info, _score = self.information(x, b, with_b=False)
        lower = scipy.linalg.cholesky(self.dense_precision(info, self.precision), lower=True, check_finite=False)
        return 2.0 * float(np.sum(np.log(np.diag(lower)))) - math.log1p(self.shift(info) / float(self.precision[0]))

    def observed_correction(self, x: FloatArray, b: FloatArray) -> FloatArray:
        """-sum_c w (y - p) d2 eta / d(x, b)^2, dense over (x, b): what the observed information adds to J'WJ.

        eta = exp(b_k) d + gamma_k, so d2 eta / d b_k^2 = a d and d2 eta / d b_k d theta_f = a =
        -d2 eta / d b_k d theta_s; every other second derivative is 0."""
        size = self.n_inner + self.n_judges - 1
        correction = np.zeros((size, size))
        residual, _curvature = self.residual_and_curvature(x, b)
        _eta, d, a = self.predictor(x, b)
        free = np.flatnonzero(self.judge > 0)
        column = self.n_inner + self.judge[free] - 1
        r_a = residual[free] * a[free]
        np.add.at(correction, (column, column), -r_a * d[free])
        for items, sign in ((self.data.first[free], 1.0), (self.data.second[free], -1.0)):
            np.add.at(correction, (column, items), -sign * r_a)
            np.add.at(correction, (items, column), -sign * r_a)
        contrast = self.covariate_contrast()[free]
        for q in range(self.n_covariates):
            beta = self.n_inner - self.n_covariates + q  # d2 eta / d b_k d beta_q = -a (X_fq - X_sq)
            np.add.at(correction, (column, np.full(free.shape[0], beta)), r_a * contrast[:, q])
            np.add.at(correction, (np.full(free.shape[0], beta), column), r_a * contrast[:, q])
        return correction


def _build(
    n_items: int,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    reference_judge: str,
    options: JudgeFitOptions,
    covariates: FloatArray | None,
) -> tuple[_Problem, tuple[str, ...]]:
    if len(judges) != len(comparisons):
        raise ValueError("judges must give one judge id per comparison")
    design = np.zeros((n_items, 0)) if covariates is None else np.asarray(covariates, dtype=np.float64)
    if design.ndim == 1:
        design = design[:, None]
    if design.shape[0] != n_items or not np.all(np.isfinite(design)):
        raise ValueError("covariates must be finite, one row per item")
    check_fit_options(options.fit)
    if options.fit.lapse:
        raise ValueError("fit_judges does not model lapses: FitOptions.lapse must be 0")
    order = (reference_judge, *sorted(set(judges) - {reference_judge}))
    index = {judge: k for k, judge in enumerate(order)}
    data = ComparisonArrays.from_comparisons(n_items, comparisons)
    estimate_position = options.fit.estimate_position
    precision = np.full(n_items, 1.0 / options.fit.prior_sd**2)
    if estimate_position:
        precision = np.concatenate([precision, np.full(len(order), 1.0 / options.fit.position_prior_sd**2)])
    precision = np.concatenate([precision, np.full(design.shape[1], 1.0 / options.covariate_bias_prior_sd**2)])
    problem = _Problem(
        data=data,
        judge=np.fromiter((index[j] for j in judges), dtype=np.int64, count=len(judges)),
        n_judges=len(order),
        estimate_position=estimate_position,
        weight=data.weight if options.fit.use_weights else np.ones(data.n_comparisons),
        precision=precision,
        b_precision=1.0 / options.discrimination_prior_sd**2,
        covariates=design,
    )
    return problem, order


def _maximise(
    problem: _Problem, b: FloatArray, options: FitOptions, start: FloatArray | None
) -> tuple[FloatArray, bool, int, float]:
    """Damped Newton ascent over x at fixed b: (x, converged, iterations, log-posterior)."""
    x = np.zeros(problem.n_inner) if start is None else centre_items(start, problem.n_items)
    value = problem.log_posterior(x, b)
    for iteration in range(1, options.max_iter + 1):
        step = problem.newton_direction(x, b)
        if float(np.max(np.abs(step), initial=0.0)) < options.tol:
            x = centre_items(x + step, problem.n_items)
            return x, True, iteration, problem.log_posterior(x, b)
        slack = 1e-12 * (1.0 + abs(value))
        scale = 1.0
        for _ in range(_MAX_HALVINGS):
            candidate = centre_items(x + scale * step, problem.n_items)
            candidate_value = problem.log_posterior(candidate, b)
            if candidate_value >= value - slack:
                break
            scale *= 0.5
        else:
            return x, False, iteration, value
        x, value = candidate, candidate_value
    return x, False, options.max_iter, value


def _estimate_discriminations(problem: _Problem, options: FitOptions) -> tuple[FloatArray, FloatArray | None]:
    """b-hat maximising the Laplace-approximated marginal likelihood (theta and gamma integrated out) plus
    b's prior, and the inner MAP found at it (a warm start). No free judge: b is empty."""
    n_free = problem.n_judges - 1
    if n_free == 0:
        return np.zeros(0), None
    warm: list[FloatArray | None] = [None]

    def negative_evidence(b: FloatArray) -> float:
        x, _converged, _iterations, value = _maximise(problem, b, options, warm[0])
        warm[0] = x
        return -(value - 0.5 * problem.log_det(x, b) - 0.5 * problem.b_precision * float(np.dot(b, b)))

    bounds = [(_LOG_A_MIN, _LOG_A_MAX)] * n_free
    found = minimize(
        negative_evidence,
        np.zeros(n_free),
        method="L-BFGS-B",
        bounds=bounds,
        options={"eps": _LOG_A_STEP, "ftol": 1e-10, "gtol": 1e-6},
    )
    return np.asarray(found.x, dtype=np.float64), warm[0]


@dataclass(frozen=True)
class _Posterior:
    """Theta SEs, the other parameters' variances and the centred theta covariance, over (x, b) jointly."""

    se: FloatArray
    other_variance: FloatArray  # gamma_0..gamma_{K-1} (if estimated), then b_1..b_{K-1}
    covariance: FloatArray | None
    theta_b_covariance: FloatArray | None  # Cov(theta, b) and Cov(b), with the covariance and a free judge
    b_covariance: FloatArray | None
    log_det: float  # of the posterior precision of x at the fitted b: the marginal-likelihood term
    observed: bool  # False if the observed information was not positive definite


def _posterior(problem: _Problem, x: FloatArray, b: FloatArray, with_covariance: bool) -> _Posterior:
    n = problem.n_items
    info, _score = problem.information(x, b, with_b=True)
    prior = np.concatenate([problem.precision, np.full(problem.n_judges - 1, problem.b_precision)])
    expected = problem.dense_precision(info, prior)
    try:
        lower = scipy.linalg.cholesky(expected + problem.observed_correction(x, b), lower=True, check_finite=False)
        observed = True
    except np.linalg.LinAlgError:
        lower, observed = scipy.linalg.cholesky(expected, lower=True, check_finite=False), False
    lower_inv, status = scipy.linalg.lapack.dtrtri(lower, lower=1)
    if status != 0:
        raise np.linalg.LinAlgError(f"triangular inverse failed (LAPACK info {status})")
    variance = np.einsum("ij,ij->j", lower_inv, lower_inv)  # Sigma = L^-T L^-1
    log_det = problem.log_det(x, b)
    if n == 1:
        covariance = variance[:1, None] if with_covariance else None
        return _Posterior(np.sqrt(variance[:1]), variance[1:], covariance, None, None, log_det, observed)
    with_b = with_covariance and problem.n_judges > 1
    if not (problem.n_covariates or with_b):
        return _centred_posterior(problem, lower, lower_inv, variance, with_covariance, log_det, observed)
    # theta = C (s - X beta): Cov = (L^-1 T')' (L^-1 T') with L^-1 T' = (L^-1_s - L^-1_beta X') C (X has no
    # columns without covariates)
    beta = slice(problem.n_inner - problem.n_covariates, problem.n_inner)
    mapped = lower_inv[:, :n] - lower_inv[:, beta] @ problem.covariates.T
    mapped -= mapped.mean(axis=1, keepdims=True)
    theta_b_covariance = b_covariance = None
    if with_b:
        b_block = lower_inv[:, problem.n_inner :]
        theta_b_covariance, b_covariance = mapped.T @ b_block, b_block.T @ b_block
    if problem.n_covariates:
        covariance = mapped.T @ mapped if with_covariance else None
        se = np.sqrt(np.maximum(np.einsum("ij,ij->j", mapped, mapped), np.finfo(np.float64).tiny))
        return _Posterior(se, variance[n:], covariance, theta_b_covariance, b_covariance, log_det, observed)
    centred = _centred_posterior(problem, lower, lower_inv, variance, with_covariance, log_det, observed)
    return replace(centred, theta_b_covariance=theta_b_covariance, b_covariance=b_covariance)


def _centred_posterior(
    problem: _Problem,
    lower: FloatArray,
    lower_inv: FloatArray,
    variance: FloatArray,
    with_covariance: bool,
    log_det: float,
    observed: bool,
) -> _Posterior:
    """Without covariates: theta's SEs and covariance centred as in ``bradley_terry``."""
    n = problem.n_items
    u = np.zeros(lower.shape[0])
    u[:n] = 1.0
    sigma_u = scipy.linalg.cho_solve((lower, True), u, check_finite=False)
    # diag(C Sigma C) with C = I - 11'/n on the theta block, as in bradley_terry
    centred = variance[:n] - 2.0 * sigma_u[:n] / n + float(np.dot(u, sigma_u)) / n**2
    covariance = None
    if with_covariance:
        block = lower_inv[:, :n]
        sigma = block.T @ block
        row_means = sigma.mean(axis=1)
        covariance = sigma - row_means[:, None] - row_means[None, :] + float(row_means.mean())
    se = np.sqrt(np.maximum(centred, np.finfo(np.float64).tiny))
    return _Posterior(se, variance[n:], covariance, None, None, log_det, observed)


def fit_judges(
    n_items: int,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    reference_judge: str,
    options: JudgeFitOptions | None = None,
    *,
    covariates: FloatArray | None = None,
    covariance: bool = False,
) -> MultiJudgeFit:
    """Theta and every judge's discrimination and position bias (see the module docstring).

    ``judges[i]`` is the id of the judge of ``comparisons[i]``; ``reference_judge`` (the LLM) sets the
    scale and need not have judged anything. ``FitResult.extra`` holds ``log_posterior`` and
    ``log_det_information`` (the Laplace terms of the marginal likelihood over theta and gamma at the
    fitted discriminations, as in the single-judge fit) and ``observed_information`` (1.0 if the SEs come
    from the observed information, 0.0 if from the expected). ``converged`` is the final Newton fit's.
    With ``covariance`` the result carries the centred n x n covariance of theta, as
    ``fit_bradley_terry(..., covariance=True)`` does, and, when other judges have judged, theta's covariance
    with their log discriminations and theirs (what ``moderation_design`` needs to value a verdict).

    ``covariates`` (n x q, or a vector for q = 1) declares essay features the reference judge may be biased
    on (e.g. length): its verdicts are then taken to follow theta + covariates @ beta while the other
    judges' follow theta, and beta (``MultiJudgeFit.covariate_bias``, prior N(0, covariate_bias_prior_sd^2))
    is learnt from where they disagree. Without other judges' verdicts beta stays at 0 and theta is the
    reference judge's scale.
    """
    chosen = options or JudgeFitOptions()
    problem, order = _build(n_items, comparisons, judges, reference_judge, chosen, covariates)
    b, warm = _estimate_discriminations(problem, chosen.fit)
    x, converged, iterations, value = _maximise(problem, b, chosen.fit, warm)
    posterior = _posterior(problem, x, b, covariance)
    q = problem.n_covariates
    beta = x[problem.n_inner - q :]
    view = x[:n_items].copy()
    theta = view
    if q:
        theta = view - problem.covariates @ beta
        theta -= theta.mean()
    k = len(order)
    counts = np.bincount(problem.judge, minlength=k)
    a = problem.discriminations(b)
    gamma = x[n_items : n_items + k] if problem.estimate_position else np.zeros(k)
    gamma_variance = posterior.other_variance[:k] if problem.estimate_position else np.zeros(k)
    beta_variance = posterior.other_variance[problem.n_inner - n_items - q : problem.n_inner - n_items]
    b_variance = np.concatenate([[0.0], posterior.other_variance[len(posterior.other_variance) - (k - 1) :]])
    estimates = tuple(
        JudgeEstimate(
            judge=judge,
            is_reference=j == 0,
            n_decisions=int(counts[j]),
            discrimination=float(a[j]),
            discrimination_se=float(a[j] * math.sqrt(b_variance[j])),  # delta method: SE(a) = a SE(log a)
            position_bias=float(gamma[j]),
            position_se=float(math.sqrt(gamma_variance[j])),
        )
        for j, judge in enumerate(order)
    )
    n_components, _labels = connected_components(n_items, problem.data)
    fit = FitResult(
        theta=theta,
        se=posterior.se,
        position_effect=estimates[0].position_bias,
        position_se=estimates[0].position_se,
        comparisons_per_item=comparisons_per_item(n_items, problem.data),
        n_components=n_components,
        ssr=scale_separation_reliability(theta, posterior.se),
        converged=converged,
        iterations=iterations,
        extra={
            "log_posterior": value,
            "log_det_information": posterior.log_det,
            "observed_information": 1.0 if posterior.observed else 0.0,
        },
        covariance=posterior.covariance,
    )
    return MultiJudgeFit(
        fit=fit,
        judges=estimates,
        reference_judge=reference_judge,
        covariate_bias=tuple(float(v) for v in beta),
        covariate_bias_se=tuple(float(math.sqrt(v)) for v in beta_variance),
        reference_view=view if q else None,
        theta_log_discrimination_covariance=posterior.theta_b_covariance,
        log_discrimination_covariance=posterior.b_covariance,
        discrimination_prior_sd=chosen.discrimination_prior_sd,
    )


def judge_marginal_reliability(
    n_items: int,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    reference_judge: str,
    options: JudgeFitOptions | None = None,
    *,
    covariates: FloatArray | None = None,
    confidence: float = 0.75,
) -> float:
    """``reliability.marginal_reliability`` for the multi-judge model: the same random-effects marginal
    likelihood over tau (theta_i ~ N(0, tau^2), Laplace approximation, tau at its one-sided ``confidence``
    profile bound, reliability = 1 - mean SE^2 / (tau^2 (n - 1) / n)), with the judges' discriminations
    held at their fit under ``options`` (so one reliability costs one judge fit plus about 20 Newton fits).
    With the reference judge alone it is ``marginal_reliability`` (the same search, the same terms).
    """
    if not 0.5 <= confidence < 1.0:
        raise ValueError("confidence must be in [0.5, 1)")
    chosen = options or JudgeFitOptions()
    problem, _order = _build(n_items, comparisons, judges, reference_judge, chosen, covariates)
    if n_items < 2 or problem.data.n_comparisons == 0:
        return 0.0
    b, _warm = _estimate_discriminations(problem, chosen.fit)
    evidences: dict[float, float] = {}

    def at_tau(log_tau: float) -> _Problem:
        precision = problem.precision.copy()
        precision[:n_items] = math.exp(-2.0 * log_tau)
        return replace(problem, precision=precision)

    def evidence_at(log_tau: float) -> float:
        if log_tau not in evidences:
            scaled = at_tau(log_tau)
            x, _converged, _iterations, value = _maximise(scaled, b, chosen.fit, None)
            evidences[log_tau] = value - n_items * log_tau - 0.5 * scaled.log_det(x, b)
        return evidences[log_tau]

    bounds = (math.log(_TAU_MIN), math.log(_TAU_MAX))
    best = minimize_scalar(
        lambda log_tau: -evidence_at(log_tau), bounds=bounds, method="bounded", options={"xatol": _LOG_TAU_XTOL}
    )
    log_tau_hat, evidence_max = float(best.x), -float(best.fun)
    drop = float(ndtri(confidence)) ** 2 / 2.0
    log_tau = log_tau_hat
    if drop > 0.0:
        if evidence_at(bounds[0]) >= evidence_max - drop:
            log_tau = bounds[0]
        else:
            log_tau = float(
                brentq(lambda v: evidence_at(v) - (evidence_max - drop), bounds[0], log_tau_hat, xtol=_LOG_TAU_XTOL)
            )
    scaled = at_tau(log_tau)
    x, _converged, _iterations, _value = _maximise(scaled, b, chosen.fit, None)
    se = _posterior(scaled, x, b, with_covariance=False).se
    centred_prior_variance = math.exp(2.0 * log_tau) * (n_items - 1) / n_items
    return float(np.clip(1.0 - float(np.mean(se**2)) / centred_prior_variance, 0.0, 1.0))
