"""Bradley-Terry abilities by MAP Newton iterations, with a jointly fitted position effect.

Model, for a comparison with item ``f`` shown first and ``s`` second::

    P(first wins) = sigmoid(theta_f - theta_s + gamma)

``gamma`` is the log-odds advantage of being shown first (LLM judges often prefer one position); fitting
it jointly is what corrects theta for presentation order. Priors: theta_i ~ N(0, prior_sd^2) and
gamma ~ N(0, position_prior_sd^2). The log-posterior is strictly concave, so the MAP estimate exists and is
finite even under perfect separation, for isolated items and for disconnected graphs.

With ``FitOptions.lapse`` (lambda > 0) a share lambda of judgements is a coin flip whatever the essays:
``P(first wins) = lambda/2 + (1 - lambda) sigmoid(...)``. One upset then no longer drags an extreme essay
inwards, and the SEs use the expected (Fisher) information, which is small for lopsided pairs (see
``gradient_and_curvature``), so extreme essays get honest, wider SEs. This likelihood is not concave, so
the iteration is Fisher scoring with the same step halving (an ascent method: the information stays
positive definite); it starts from theta = 0 like the plain fit, and lambda = 0 is exactly the plain fit.
``cj_engine.grade_fit`` estimates lambda; the ranking fit keeps lambda = 0.

With ``FitOptions.use_weights`` each comparison's log-likelihood term is multiplied by its weight (so a
comparison of weight 2 counts exactly like two identical comparisons). Off by default: weights are
ignored unless asked for.

Identification and SEs: the likelihood depends on theta only through differences, and the prior pulls
the mean of theta to exactly 0, so the MAP theta is already centred; it is centred again to remove
rounding. SEs come from the posterior covariance Sigma = H^-1 (H = regularised Fisher information,
i.e. the negative Hessian of the log-posterior) under the SAME centring: Cov_c = C Sigma C^T with
C = I - 11^T/n, SE_i = sqrt(Cov_c[i, i]). Every item, item 0 included, gets a positive SE for n >= 2.
With a single item centring leaves nothing, so its SE is the uncentred posterior SD (the prior SD).

Numerics: u = (1, ..., 1, 0) is an exact eigenvector of H with eigenvalue 1/prior_sd^2, because the
likelihood ignores shifts of theta. With a weak prior that eigenvalue is tiny and H ill-conditioned, so
every solve uses H + c uu^T/n instead: it has the same eigenvectors and differs only along u, which the
centring projects away (C u = 0) and along which the gradient is zero at a centred theta. Newton steps
and centred covariances are therefore unchanged, and the cancellation a raw inverse would suffer is gone.
Newton directions come from a dense Cholesky solve for small problems and from Jacobi-preconditioned
conjugate gradients (sparse matrix-vector products only) for large ones; the SEs need one dense
factorisation and triangular inverse, O(n^3), which bounds the design range to a few thousand items.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import expit

from cj_engine.graph import ComparisonArrays, as_comparison_arrays, comparisons_per_item, connected_components
from cj_engine.separation import scale_separation_reliability
from cj_engine.types import Comparison, FitOptions, FitResult, FloatArray

# Above this many parameters a dense Cholesky per Newton step costs more than CG on the sparse system.
_DENSE_NEWTON_MAX_PARAMS = 1000
_CG_RTOL = 1e-10
_MAX_HALVINGS = 40
_DEFAULT_OPTIONS = FitOptions()


@dataclass(frozen=True)
class _Problem:
    """The log-posterior and its derivatives over params = (theta_0..theta_{n-1}[, gamma])."""

    n_items: int
    design: csr_matrix  # one row per comparison: e_first - e_second (+ e_gamma)
    design_sq: csr_matrix  # elementwise square, for the Hessian diagonal
    sign: FloatArray  # +1 if the first-shown item won, -1 otherwise
    outcome: FloatArray  # 1 if the first-shown item won, 0 otherwise
    weight: FloatArray
    prior_precision: FloatArray
    lapse: float

    @classmethod
    def build(cls, data: ComparisonArrays, options: FitOptions) -> _Problem:
        n, m = data.n_items, data.n_comparisons
        n_params = n + 1 if options.estimate_position else n
        rows = np.repeat(np.arange(m), 2)
        cols = np.column_stack([data.first, data.second]).ravel()
        vals = np.tile([1.0, -1.0], m)
        if options.estimate_position:
            rows = np.concatenate([rows, np.arange(m)])
            cols = np.concatenate([cols, np.full(m, n)])
            vals = np.concatenate([vals, np.ones(m)])
        design = csr_matrix((vals, (rows, cols)), shape=(m, n_params))
        precision = np.full(n_params, 1.0 / options.prior_sd**2)
        if options.estimate_position:
            precision[n] = 1.0 / options.position_prior_sd**2
        return cls(
            n_items=n,
            design=design,
            design_sq=csr_matrix(design.multiply(design)),
            sign=2.0 * data.first_won - 1.0,
            outcome=data.first_won,
            weight=data.weight if options.use_weights else np.ones(m),
            prior_precision=precision,
            lapse=options.lapse,
        )

    @property
    def n_params(self) -> int:
        return int(self.prior_precision.shape[0])

    def log_posterior(self, params: FloatArray) -> float:
        log_lik = float(np.dot(self.weight, self.log_likelihoods(self.design @ params)))
        return log_lik - 0.5 * float(np.dot(self.prior_precision, params * params))

    def log_likelihoods(self, eta: FloatArray) -> FloatArray:
        """Each comparison's log-likelihood at linear predictors ``eta``."""
        lapse = self.lapse
        log_sigmoid = -np.logaddexp(0.0, -self.sign * eta)  # log sigmoid(sign * eta), without overflow
        if lapse == 0.0:
            return np.asarray(log_sigmoid, dtype=np.float64)
        return np.asarray(np.logaddexp(math.log(lapse / 2.0), math.log1p(-lapse) + log_sigmoid), dtype=np.float64)

    def gradient_and_curvature(self, params: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The gradient of the log-posterior and each comparison's Fisher weight.

        Plain model: score (y - p), weight p (1 - p). With lapses p = lapse/2 + (1 - lapse) s, s = sigmoid(eta):
        score (y - p) p' / (p (1 - p)) and the expected information p'^2 / (p (1 - p)) with p' = (1 - lapse)
        s (1 - s). That weight falls to 0 for a lopsided pair (a win there says little once a lapse could explain
        a loss), which is what keeps the SEs of extreme essays honest; and being an expectation it stays >= 0
        where the observed curvature of this non-concave likelihood would not.
        """
        s_first = expit(self.design @ params)
        if self.lapse == 0.0:
            score, curvature = self.outcome - s_first, s_first * (1.0 - s_first)
        else:
            p_first = self.lapse / 2.0 + (1.0 - self.lapse) * s_first
            slope = (1.0 - self.lapse) * s_first * (1.0 - s_first)
            spread = p_first * (1.0 - p_first)  # >= lapse/2 (1 - lapse/2) > 0
            score, curvature = (self.outcome - p_first) * slope / spread, slope * slope / spread
        gradient = self.design.T @ (self.weight * score) - self.prior_precision * params
        return gradient, self.weight * curvature

    def shift(self, curvature: FloatArray) -> float:
        """The c in H + c uu^T/n: the mean theta curvature, so the u-direction is scaled like the rest."""
        if self.n_items == 1:
            return 0.0  # a lone item's u-direction is not projected away: its variance must stay the prior's
        diagonal = self.design_sq.T @ curvature
        return float(np.mean(diagonal[: self.n_items])) + float(self.prior_precision[0])

    def dense_information(self, curvature: FloatArray) -> FloatArray:
        """H + c uu^T/n as a dense matrix (see the module docstring for the shift)."""
        weighted = csr_matrix(self.design.multiply(curvature[:, None]))
        info: FloatArray = np.asarray((self.design.T @ weighted).toarray(), dtype=np.float64)
        info[np.diag_indices_from(info)] += self.prior_precision
        n = self.n_items
        info[:n, :n] += self.shift(curvature) / n
        return info

    def newton_direction(self, gradient: FloatArray, curvature: FloatArray) -> FloatArray:
        if self.n_params <= _DENSE_NEWTON_MAX_PARAMS:
            info = self.dense_information(curvature)
            step: FloatArray = scipy.linalg.solve(info, gradient, assume_a="pos", check_finite=False)
            return step
        n, c = self.n_items, self.shift(curvature)
        design, precision = self.design, self.prior_precision

        def matvec(x: FloatArray) -> FloatArray:
            out: FloatArray = design.T @ (curvature * (design @ x)) + precision * x
            out[:n] += c * float(np.sum(x[:n])) / n
            return out

        diagonal = self.design_sq.T @ curvature + precision
        diagonal[:n] += c / n
        shape = (self.n_params, self.n_params)
        operator = LinearOperator(shape, matvec=matvec, dtype=np.float64)
        preconditioner = LinearOperator(shape, matvec=lambda x: x / diagonal, dtype=np.float64)
        solution, _info = cg(operator, gradient, rtol=_CG_RTOL, M=preconditioner)
        # A CG that stopped at maxiter still gives an ascent direction; the line search guards the step.
        return np.asarray(solution, dtype=np.float64)


def centre_items(params: FloatArray, n_items: int) -> FloatArray:
    """The parameters with the items' block moved to mean zero (the scale's identification)."""
    centred = params.copy()
    centred[:n_items] -= centred[:n_items].mean()
    return centred


def _maximise(problem: _Problem, options: FitOptions) -> tuple[FloatArray, bool, int, float]:
    """Damped Newton (Fisher scoring) ascent: returns (params, converged, iterations, log-posterior)."""
    params = np.zeros(problem.n_params)
    value = problem.log_posterior(params)
    for iteration in range(1, options.max_iter + 1):
        gradient, curvature = problem.gradient_and_curvature(params)
        step = problem.newton_direction(gradient, curvature)
        if float(np.max(np.abs(step), initial=0.0)) < options.tol:
            params = centre_items(params + step, problem.n_items)
            return params, True, iteration, problem.log_posterior(params)
        # Step halving: accept the first step that does not lower the objective beyond rounding.
        slack = 1e-12 * (1.0 + abs(value))
        scale = 1.0
        for _ in range(_MAX_HALVINGS):
            candidate = centre_items(params + scale * step, problem.n_items)
            candidate_value = problem.log_posterior(candidate)
            if candidate_value >= value - slack:
                break
            scale *= 0.5
        else:
            return params, False, iteration, value
        params, value = candidate, candidate_value
    return params, False, options.max_iter, value


def _factorise(problem: _Problem, params: FloatArray) -> tuple[FloatArray, float]:
    """The Cholesky factor of the shifted information at ``params``, and log det of the unshifted one."""
    _gradient, curvature = problem.gradient_and_curvature(params)
    info = problem.dense_information(curvature)
    lower = scipy.linalg.cholesky(info, lower=True, check_finite=False)
    # The shift replaced the eigenvalue 1/prior_sd^2 along u by 1/prior_sd^2 + c; undo it for the determinant.
    precision_u = float(problem.prior_precision[0])
    log_det = 2.0 * float(np.sum(np.log(np.diag(lower)))) - float(np.log1p(problem.shift(curvature) / precision_u))
    return lower, log_det


def _centred_covariance(lower_inv: FloatArray, n: int) -> FloatArray:
    """C Sigma_theta C with C = I - 11'/n, from the inverse Cholesky factor of the shifted information.

    The shift changes Sigma only along u, which the centring projects away, so this is the centred
    posterior covariance of theta itself (its diagonal is SE^2).
    """
    block = lower_inv[:, :n]
    sigma: FloatArray = block.T @ block
    row_means = sigma.mean(axis=1)
    centred: FloatArray = sigma - row_means[:, None] - row_means[None, :] + float(row_means.mean())
    return centred


def _standard_errors(
    problem: _Problem, params: FloatArray, with_covariance: bool = False
) -> tuple[FloatArray, float, float, FloatArray | None]:
    """Centred theta SEs, the position SE, log det of the (unshifted) posterior precision, and optionally the
    centred covariance of theta."""
    n = problem.n_items
    lower, log_det = _factorise(problem, params)
    lower_inv, status = scipy.linalg.lapack.dtrtri(lower, lower=1)
    if status != 0:
        raise np.linalg.LinAlgError(f"triangular inverse failed (LAPACK info {status})")
    covariance = _centred_covariance(lower_inv, n) if with_covariance and n > 1 else None
    # Sigma = L^-T L^-1, so Sigma_ii is the squared norm of column i of L^-1.
    variance = np.einsum("ij,ij->j", lower_inv, lower_inv)
    position_se = float(np.sqrt(variance[n])) if problem.n_params > n else 0.0
    if n == 1:
        return np.sqrt(variance[:1]), position_se, log_det, variance[:1, None] if with_covariance else None
    u = np.zeros(problem.n_params)
    u[:n] = 1.0
    sigma_u = scipy.linalg.cho_solve((lower, True), u, check_finite=False)
    # diag(C Sigma C) = Sigma_ii - 2 (Sigma 1)_i / n + 1' Sigma 1 / n^2, on the theta block
    centred = variance[:n] - 2.0 * sigma_u[:n] / n + float(np.dot(u, sigma_u)) / n**2
    return np.sqrt(np.maximum(centred, np.finfo(np.float64).tiny)), position_se, log_det, covariance


def check_fit_options(options: FitOptions) -> None:
    """Refuse settings no fit can run with (shared with the multi-judge fit in ``judge_fit``)."""
    for name in ("prior_sd", "position_prior_sd", "tol"):
        value = getattr(options, name)
        if not (value > 0 and np.isfinite(value)):
            raise ValueError(f"FitOptions.{name} must be a positive finite number, got {value!r}")
    if options.max_iter < 1:
        raise ValueError("FitOptions.max_iter must be at least 1")
    if not 0.0 <= options.lapse < 1.0:
        raise ValueError(f"FitOptions.lapse must be in [0, 1), got {options.lapse!r}")


def fit_bradley_terry(
    n_items: int,
    comparisons: Sequence[Comparison] | ComparisonArrays,
    options: FitOptions = _DEFAULT_OPTIONS,
    *,
    covariance: bool = False,
) -> FitResult:
    """MAP Bradley-Terry fit of ``n_items`` items (indices 0..n-1) from ``comparisons``.

    Returns theta centred at 0 with SEs under the same centring, the position effect gamma (log-odds
    that the first-shown item wins; 0 with SE 0 when ``options.estimate_position`` is False, since it is
    then fixed rather than estimated), the actual comparisons per item, the number of connected
    components (isolated items count as components), SSR, and whether Newton converged.
    ``extra`` holds ``log_posterior`` (the maximised log-posterior, without normalising constants) and
    ``log_det_information`` (log det of the posterior precision H): together a Laplace approximation of
    the marginal likelihood, which ``reliability.marginal_reliability`` maximises over the prior SD.
    With ``covariance`` the result also carries the centred posterior covariance of theta (n x n, one
    O(n^3) product on top of the SEs; about 0.3 s at 2,000 items), which a grade projection needs.
    """
    check_fit_options(options)
    data = as_comparison_arrays(n_items, comparisons)
    problem = _Problem.build(data, options)
    params, converged, iterations, value = _maximise(problem, options)
    se, position_se, log_det, theta_covariance = _standard_errors(problem, params, covariance)
    theta = params[:n_items].copy()
    n_components, _labels = connected_components(n_items, data)
    return FitResult(
        theta=theta,
        se=se,
        position_effect=float(params[n_items]) if options.estimate_position else 0.0,
        position_se=position_se,
        comparisons_per_item=comparisons_per_item(n_items, data),
        n_components=n_components,
        ssr=scale_separation_reliability(theta, se),
        converged=converged,
        iterations=iterations,
        extra={"log_posterior": value, "log_det_information": log_det},
        covariance=theta_covariance,
        lapse=options.lapse,
    )


def laplace_terms(
    n_items: int,
    comparisons: Sequence[Comparison] | ComparisonArrays,
    options: FitOptions = _DEFAULT_OPTIONS,
) -> tuple[float, float]:
    """``fit_bradley_terry``'s ``extra["log_posterior"]`` and ``extra["log_det_information"]``, without the SEs.

    The same Newton fit and Cholesky factor, bit for bit, but no triangular inverse: the inverse costs more
    than the factor itself, and a marginal-likelihood search over the prior SD needs only these two terms
    at every point it tries (``reliability.marginal_reliability``; the SEs at the chosen point only).
    """
    check_fit_options(options)
    problem = _Problem.build(as_comparison_arrays(n_items, comparisons), options)
    params, _converged, _iterations, value = _maximise(problem, options)
    _lower, log_det = _factorise(problem, params)
    return value, log_det
