"""Posterior draws of the abilities, integrating over the spread of the essays and the lapse share.

Why: the grade fit (:func:`cj_engine.grade_fit.fit_for_grades`) plugs in point estimates of the prior SD tau
and the lapse share lambda and states theta's uncertainty by the Laplace approximation around the MAP. With
about ten comparisons per essay and lapses both understate it. On simulated batches (n = 50, discrimination
2, 5 % lapses, ability SD 1.5: true tau 3) the marginal-likelihood tau came out between 1.7 and 3.3, and
(theta_hat - theta) / se had SD 1.55 where 1 is honest. Given the true tau and lambda, posterior draws of
theta alone had SD 0.99: the missing uncertainty is tau's and lambda's, and the lapse likelihood's flat
tails, which a Gaussian around the mode cannot show. Here all of them are sampled together; the grade
projection then reads the draws' mean and covariance (measured in libs/cj_engine/README.md, "Calibrated
grade probabilities").

The model (the grade fit's, with its two plug-ins made unknowns)
    P(first wins) = lambda / 2 + (1 - lambda) sigmoid(theta_first - theta_second + gamma)
    theta_i = tau z_i, z_i ~ N(0, 1)             (non-centred: the sampler sees tau and z as nearly independent)
    log tau ~ N(log 2, 0.75^2)                   (essays 0.5 to 9 logits apart in SD; data decide within that)
    logit lambda: lambda ~ Beta(a, b)            (the grade fit's lapse prior)
    gamma ~ N(0, position_prior_sd^2), or 0 when the position is not estimated

Sampling
    Hamiltonian Monte Carlo, ``chains`` chains vectorised in numpy, ``leapfrog`` steps per draw, a diagonal
    mass matrix from the Laplace SEs (so every coordinate moves on its own scale), the step size tuned during
    ``warmup`` to an acceptance of about 0.8 (dual averaging) and then fixed. The gradient is sparse: each
    comparison touches two essays, so one evaluation costs O(chains x comparisons). Seeded: the same input
    gives the same output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from cj_engine.graph import ComparisonArrays
from cj_engine.types import FitResult, FloatArray

_TARGET_ACCEPTANCE = 0.8
_JITTER = 0.2  # the step size varies +-20% between draws, so no orbit resonates with a fixed step
_MIN_LAPSE_SD = 0.3  # logit scale: the start of lambda's step (the Laplace fit gives none)
_LOG_TAU_START_SD = 0.15


@dataclass(frozen=True)
class ThetaPosteriorOptions:
    chains: int = 4
    warmup: int = 200
    draws: int = 200  # per chain
    leapfrog: int = 10
    log_tau_mean: float = math.log(2.0)
    log_tau_sd: float = 0.75
    seed: int = 0

    def __post_init__(self) -> None:
        if min(self.chains, self.warmup, self.draws, self.leapfrog) < 1:
            raise ValueError("chains, warmup, draws and leapfrog must be at least 1")
        if not self.log_tau_sd > 0.0:
            raise ValueError(f"log_tau_sd must be positive, got {self.log_tau_sd!r}")


@dataclass(frozen=True)
class ThetaPosterior:
    """Moments of the centred thetas over the draws, and the draws' tau and lambda."""

    theta: FloatArray  # posterior mean, centred
    se: FloatArray  # posterior SD
    covariance: FloatArray  # n x n
    prior_sd: float  # posterior mean of tau
    lapse: float  # posterior mean of lambda
    acceptance: float


class _Target:
    """The log posterior over (z, gamma, log tau, logit lambda) and its gradient, for all chains at once."""

    def __init__(
        self,
        data: ComparisonArrays,
        *,
        estimate_position: bool,
        position_prior_sd: float,
        lapse_prior: tuple[float, float],
        options: ThetaPosteriorOptions,
        chains: int,
    ) -> None:
        n = data.n_items
        self.n = n
        self.first, self.second = data.first, data.second
        self.won = data.first_won > 0.5
        self.estimate_position = estimate_position
        self.position_precision = 1.0 / position_prior_sd**2
        self.lapse_prior = lapse_prior
        self.options = options
        # One bincount per gradient: comparison k of chain c adds to slot c * n + item.
        offsets = (np.arange(chains) * n)[:, None]
        self.first_slots = (offsets + self.first[None, :]).ravel()
        self.second_slots = (offsets + self.second[None, :]).ravel()
        self.slots = chains * n

    def __call__(self, params: FloatArray) -> tuple[FloatArray, FloatArray]:
        n = self.n
        z = params[:, :n]
        gamma = params[:, n] if self.estimate_position else np.zeros(params.shape[0])
        log_tau, logit_lapse = params[:, n + 1], params[:, n + 2]
        tau = np.exp(log_tau)
        lapse = expit(logit_lapse)[:, None]
        theta = tau[:, None] * z
        eta = theta[:, self.first] - theta[:, self.second] + gamma[:, None]
        s = expit(eta)
        p = lapse / 2.0 + (1.0 - lapse) * s
        # p is within [lambda/2, 1 - lambda/2] and lambda > 0 wherever the sampler goes, so the logs are finite
        p_outcome = np.where(self.won, p, 1.0 - p)
        sign = np.where(self.won, 1.0, -1.0)
        d_eta = sign * (1.0 - lapse) * s * (1.0 - s) / p_outcome
        d_lapse = sign * (0.5 - s) / p_outcome
        a, b = self.lapse_prior
        lam = lapse[:, 0]
        o = self.options
        log_post = (
            np.log(p_outcome).sum(axis=1)
            - 0.5 * (z**2).sum(axis=1)
            - 0.5 * self.position_precision * gamma**2
            - 0.5 * ((log_tau - o.log_tau_mean) / o.log_tau_sd) ** 2
            + a * np.log(lam)
            + b * np.log1p(-lam)  # Beta(a, b) on lambda times the Jacobian lambda (1 - lambda) of the logit
        )
        d_theta = (
            np.bincount(self.first_slots, d_eta.ravel(), self.slots)
            - np.bincount(self.second_slots, d_eta.ravel(), self.slots)
        ).reshape(-1, n)
        grad = np.empty_like(params)
        grad[:, :n] = tau[:, None] * d_theta - z
        grad[:, n] = d_eta.sum(axis=1) - self.position_precision * gamma if self.estimate_position else 0.0
        grad[:, n + 1] = (theta * d_theta).sum(axis=1) - (log_tau - o.log_tau_mean) / o.log_tau_sd**2
        grad[:, n + 2] = d_lapse.sum(axis=1) * lam * (1.0 - lam) + a * (1.0 - lam) - b * lam
        return np.asarray(log_post, dtype=np.float64), grad


def sample_theta_posterior(
    data: ComparisonArrays,
    start: FitResult,
    *,
    prior_sd: float,
    lapse: float,
    estimate_position: bool = True,
    position_prior_sd: float = 1.0,
    lapse_prior: tuple[float, float] = (2.0, 38.0),
    options: ThetaPosteriorOptions | None = None,
) -> ThetaPosterior:
    """Draws started at the grade fit ``start`` (its MAP thetas and SEs, fitted with ``prior_sd`` and ``lapse``)."""
    options = options or ThetaPosteriorOptions()
    n, chains = data.n_items, options.chains
    rng = np.random.default_rng(options.seed)
    target = _Target(
        data,
        estimate_position=estimate_position,
        position_prior_sd=position_prior_sd,
        lapse_prior=lapse_prior,
        options=options,
        chains=chains,
    )
    start_lapse = min(max(lapse, 0.01), 0.5)
    origin = np.concatenate(
        [start.theta / prior_sd, [start.position_effect, math.log(prior_sd), math.log(start_lapse / (1 - start_lapse))]]
    )
    # The mass matrix's diagonal: each coordinate's step on the scale its posterior has (Laplace's SEs).
    scale = np.concatenate([start.se / prior_sd, [max(start.position_se, 0.05), _LOG_TAU_START_SD, _MIN_LAPSE_SD]])
    if not estimate_position:
        scale[n] = 0.0  # gamma stays at 0: it is not in the model
    params = origin[None, :] + 0.1 * scale[None, :] * rng.standard_normal((chains, origin.size))
    log_post, grad = target(params)
    step = 0.3
    # Dual averaging (Hoffman & Gelman 2014) of log step towards the target acceptance, during warmup only.
    mu, shrink, t0, kappa = math.log(10.0 * step), 0.05, 10.0, 0.75
    h_bar, log_step_bar = 0.0, 0.0
    kept: list[FloatArray] = []
    accepted: list[float] = []
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for iteration in range(options.warmup + options.draws):
            eps = step * rng.uniform(1.0 - _JITTER, 1.0 + _JITTER)
            momentum = rng.standard_normal(params.shape)
            proposal = params.copy()
            moving = momentum + 0.5 * eps * scale * grad
            for leap in range(options.leapfrog):
                proposal = proposal + eps * scale * moving
                new_log_post, new_grad = target(proposal)
                if leap < options.leapfrog - 1:
                    moving = moving + eps * scale * new_grad
            moving = moving + 0.5 * eps * scale * new_grad
            log_ratio = (new_log_post - 0.5 * (moving**2).sum(axis=1)) - (log_post - 0.5 * (momentum**2).sum(axis=1))
            log_ratio = np.where(np.isfinite(log_ratio), log_ratio, -np.inf)  # a diverging orbit is rejected
            acceptance = np.exp(np.minimum(log_ratio, 0.0))
            take = rng.uniform(size=chains) < acceptance
            params[take], log_post[take], grad[take] = proposal[take], new_log_post[take], new_grad[take]
            if iteration < options.warmup:
                t = iteration + 1
                h_bar += ((_TARGET_ACCEPTANCE - float(acceptance.mean())) - h_bar) / (t + t0)
                log_step = mu - math.sqrt(t) / shrink * h_bar
                step = math.exp(log_step)
                log_step_bar = t**-kappa * log_step + (1.0 - t**-kappa) * log_step_bar
            else:
                if iteration == options.warmup:
                    step = math.exp(log_step_bar)
                kept.append(params.copy())
                accepted.append(float(acceptance.mean()))
    draws = np.concatenate(kept)
    tau = np.exp(draws[:, n + 1])
    theta = tau[:, None] * draws[:, :n]
    theta -= theta.mean(axis=1, keepdims=True)  # the fit's identification: centred at 0
    covariance = np.cov(theta, rowvar=False).reshape(n, n)
    return ThetaPosterior(
        theta=theta.mean(axis=0),
        se=np.sqrt(np.maximum(np.diag(covariance), np.finfo(np.float64).tiny)),
        covariance=covariance,
        prior_sd=float(tau.mean()),
        lapse=float(expit(draws[:, n + 2]).mean()),
        acceptance=float(np.mean(accepted)),
    )
