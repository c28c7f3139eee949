"""The multi-judge Bradley-Terry fit: one judge is today's fit, judge parameters are recovered, SEs carry
the judge parameters' uncertainty, a declared covariate bias is learnt from the teachers' verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

from cj_engine import judge_fit
from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.judge_fit import JudgeFitOptions, fit_judges, judge_marginal_reliability
from cj_engine.reliability import marginal_reliability
from cj_engine.types import Comparison, FitOptions

JUDGE_IDS = ("llm", "teacher", "colleague")


def wins(winner: int, loser: int, times: int = 1) -> list[Comparison]:
    return [Comparison(winner, loser, winner)] * times


def simulate(
    n: int,
    m: int,
    seed: int,
    *,
    discrimination: tuple[float, ...] = (1.0,),
    position: tuple[float, ...] = (0.0,),
    shares: tuple[float, ...] = (1.0,),
    sd: float = 1.5,
) -> tuple[np.ndarray, list[Comparison], list[str]]:
    """Random pairs and presentation order; judge k answers with sigmoid(a_k (theta_f - theta_s) + gamma_k)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, sd, n)
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    judge = rng.choice(len(shares), m, p=shares)
    eta = np.array(discrimination)[judge] * (theta[first] - theta[second]) + np.array(position)[judge]
    first_won = rng.random(m) < expit(eta)
    comparisons = [
        Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, first_won, strict=True)
    ]
    return theta, comparisons, [JUDGE_IDS[k] for k in judge]


# The single-judge fixtures of test_bradley_terry: separation, disconnection, isolation, weights, no data.
FIXTURES = {
    "random": (6, simulate(6, 60, seed=3)[1], FitOptions()),
    "separated": (4, [*wins(0, 1, 3), *wins(1, 2, 3), *wins(2, 3, 3), *wins(0, 3, 2)], FitOptions()),
    "disconnected": (4, [*wins(0, 1, 3), *wins(1, 0), *wins(2, 3, 2), *wins(3, 2)], FitOptions()),
    "isolated": (3, [*wins(0, 1, 2), *wins(1, 0)], FitOptions()),
    "no_position": (5, simulate(5, 50, seed=1, position=(1.0,))[1], FitOptions(estimate_position=False)),
    "weak_prior": (5, simulate(5, 80, seed=3, position=(0.4,))[1], FitOptions(prior_sd=1e4, position_prior_sd=1e4)),
    "weighted": (
        3,
        [Comparison(0, 1, 0, weight=2.0), Comparison(1, 2, 1), Comparison(2, 0, 0), Comparison(1, 0, 1)],
        FitOptions(use_weights=True),
    ),
    "empty": (4, [], FitOptions(prior_sd=2.0, position_prior_sd=0.7)),
    "single_item": (1, [], FitOptions()),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_one_judge_is_todays_fit(name: str) -> None:
    n, comparisons, options = FIXTURES[name]
    expected = fit_bradley_terry(n, comparisons, options, covariance=True)
    result = fit_judges(
        n, comparisons, ["llm"] * len(comparisons), "llm", JudgeFitOptions(fit=options), covariance=True
    )
    got = result.fit
    np.testing.assert_allclose(got.theta, expected.theta, atol=1e-6)
    np.testing.assert_allclose(got.se, expected.se, atol=1e-6)
    assert got.position_effect == pytest.approx(expected.position_effect, abs=1e-6)
    assert got.position_se == pytest.approx(expected.position_se, abs=1e-6)
    assert got.extra["log_posterior"] == pytest.approx(expected.extra["log_posterior"], abs=1e-6)
    assert got.extra["log_det_information"] == pytest.approx(expected.extra["log_det_information"], abs=1e-6)
    assert got.covariance is not None
    assert expected.covariance is not None
    np.testing.assert_allclose(got.covariance, expected.covariance, atol=1e-6)
    assert got.n_components == expected.n_components
    assert got.comparisons_per_item.tolist() == expected.comparisons_per_item.tolist()
    assert [j.judge for j in result.judges] == ["llm"]
    assert result.judges[0].discrimination == 1.0
    assert result.theta_log_discrimination_covariance is None  # no other judge, no log a


def test_one_judge_on_the_iterative_path_is_todays_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    _theta, comparisons, judges = simulate(150, 1500, seed=4, position=(0.2,))
    monkeypatch.setattr(judge_fit, "_DENSE_MAX_PARAMS", 1)
    got = fit_judges(150, comparisons, judges, "llm").fit
    expected = fit_bradley_terry(150, comparisons)
    np.testing.assert_allclose(got.theta, expected.theta, atol=1e-6)
    np.testing.assert_allclose(got.se, expected.se, atol=1e-6)


def test_one_judge_reliability_is_todays() -> None:
    _theta, comparisons, judges = simulate(40, 300, seed=8, discrimination=(2.0,), position=(0.3,))
    ours = judge_marginal_reliability(40, comparisons, judges, "llm")
    assert ours == pytest.approx(marginal_reliability(40, comparisons), abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_judge_parameters_are_recovered(seed: int) -> None:
    """LLM a = 2 (the scale), a teacher half as sharp and biased to the second essay, a sharper colleague."""
    _theta, comparisons, judges = simulate(
        120, 1200, seed, discrimination=(2.0, 1.0, 3.0), position=(0.3, -0.4, 0.0), shares=(0.6, 0.25, 0.15)
    )
    fit = fit_judges(120, comparisons, judges, "llm")
    llm, colleague, teacher = fit.judges  # the reference first, then the others by id
    assert (llm.judge, colleague.judge, teacher.judge) == ("llm", "colleague", "teacher")
    assert llm.discrimination == 1.0
    assert llm.discrimination_se == 0.0
    assert teacher.discrimination == pytest.approx(0.5, abs=max(0.15, 3 * teacher.discrimination_se))
    assert colleague.discrimination == pytest.approx(1.5, abs=3 * colleague.discrimination_se)
    assert llm.position_bias > 0 > teacher.position_bias
    assert teacher.n_decisions == judges.count("teacher")


def test_joint_se_includes_the_judge_parameters() -> None:
    """The SEs are the centred theta block of the inverse of an independently differentiated log-posterior
    over theta, gamma and log a at the fit: wider than with the teacher's a taken as known."""
    _theta, comparisons, judges = simulate(
        6, 150, seed=5, discrimination=(1.5, 0.8), position=(0.2, -0.2), shares=(0.6, 0.4)
    )
    options = JudgeFitOptions(fit=FitOptions(prior_sd=2.0, position_prior_sd=1.0), discrimination_prior_sd=0.5)
    fit = fit_judges(6, comparisons, judges, "llm", options, covariance=True)
    teacher = fit.judge("teacher")
    params = np.concatenate(
        [fit.fit.theta, [fit.judges[0].position_bias, teacher.position_bias, math.log(teacher.discrimination)]]
    )
    is_llm = np.array([j == "llm" for j in judges])

    def log_posterior(p: np.ndarray) -> float:
        theta, gamma, b = p[:6], p[6:8], p[8]
        total = -0.5 * float(np.sum(theta**2)) / 4.0 - 0.5 * float(np.sum(gamma**2)) - 0.5 * b**2 / 0.25
        for c, llm in zip(comparisons, is_llm, strict=True):
            a, g = (1.0, gamma[0]) if llm else (math.exp(b), gamma[1])
            p_first = expit(a * (theta[c.first] - theta[c.second]) + g)
            total += math.log(p_first if c.first_won else 1.0 - p_first)
        return total

    eps = 1e-4
    size = params.size
    hessian = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            ei, ej = np.eye(size)[i] * eps, np.eye(size)[j] * eps
            hessian[i, j] = (
                log_posterior(params + ei + ej)
                - log_posterior(params + ei - ej)
                - log_posterior(params - ei + ej)
                + log_posterior(params - ei - ej)
            ) / (4 * eps * eps)
    centring = np.eye(6) - 1.0 / 6.0
    covariance = np.linalg.inv(-hessian)
    joint_se = np.sqrt(np.diag(centring @ covariance[:6, :6] @ centring))
    known_a = np.linalg.inv(-hessian[:8, :8])[:6, :6]
    conditional_se = np.sqrt(np.diag(centring @ known_a @ centring))
    np.testing.assert_allclose(fit.fit.se, joint_se, rtol=1e-4)
    assert np.all(fit.fit.se > conditional_se)
    assert teacher.discrimination_se == pytest.approx(teacher.discrimination * math.sqrt(covariance[8, 8]), rel=1e-4)
    # the joint covariance of theta and log a, which the moderation plan reads
    assert fit.theta_log_discrimination_covariance is not None
    assert fit.log_discrimination_covariance is not None
    np.testing.assert_allclose(fit.theta_log_discrimination_covariance[:, 0], centring @ covariance[:6, 8], atol=1e-5)
    np.testing.assert_allclose(fit.log_discrimination_covariance, [[covariance[8, 8]]], rtol=1e-4)


def test_a_declared_covariate_bias_is_learnt_from_the_teachers() -> None:
    """The LLM adds 1.5 logits to the 'long' essays; the teacher does not. With the length declared, the
    fit learns the LLM's bias from the teacher's verdicts and takes it out of theta."""
    rng = np.random.default_rng(11)
    n = 80
    theta = rng.normal(0.0, 1.5, n)
    long = (rng.random(n) < 0.3).astype(np.float64)
    comparisons, judges = [], []
    for judge, view, m in (("llm", theta + 1.5 * long, 800), ("teacher", theta, 300)):
        first = rng.integers(0, n, m)
        second = (first + rng.integers(1, n, m)) % n
        won = rng.random(m) < expit(1.5 * (view[first] - view[second]))
        comparisons += [
            Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)
        ]
        judges += [judge] * m
    declared = fit_judges(n, comparisons, judges, "llm", covariates=long)
    ignored = fit_judges(n, comparisons, judges, "llm")
    (beta,), (beta_se,) = declared.covariate_bias, declared.covariate_bias_se
    # 1.5 logits of ability, on the fitted scale (the LLM's, whose discrimination is 1.5): 2.25
    assert beta == pytest.approx(2.25, abs=3 * beta_se)

    def long_bias(fit: judge_fit.MultiJudgeFit) -> float:
        slope, intercept = np.polyfit(fit.fit.theta, theta, 1)
        error = slope * fit.fit.theta + intercept - theta
        return float(error[long == 1].mean())

    assert abs(long_bias(declared)) < abs(long_bias(ignored)) / 2
    # Without teachers nothing identifies the bias: it stays at its prior mean and theta is the LLM's scale.
    llm_only = [c for c, j in zip(comparisons, judges, strict=True) if j == "llm"]
    alone = fit_judges(n, llm_only, ["llm"] * len(llm_only), "llm", covariates=long)
    assert alone.covariate_bias == (0.0,)
    np.testing.assert_allclose(alone.fit.theta, fit_bradley_terry(n, llm_only).theta, atol=1e-6)


def test_the_fit_is_deterministic_and_needs_one_judge_id_per_comparison() -> None:
    _theta, comparisons, judges = simulate(
        30, 400, seed=2, discrimination=(2.0, 1.0), position=(0.0, 0.0), shares=(0.7, 0.3)
    )
    a = fit_judges(30, comparisons, judges, "llm")
    b = fit_judges(30, comparisons, judges, "llm")
    assert a.fit.theta.tolist() == b.fit.theta.tolist()
    assert a.judges == b.judges
    with pytest.raises(ValueError, match="one judge id per comparison"):
        fit_judges(30, comparisons, judges[:-1], "llm")
    # The fit has no lapse term: a lapse share would be ignored, so it is refused instead.
    with pytest.raises(ValueError, match="does not model lapses"):
        fit_judges(30, comparisons, judges, "llm", JudgeFitOptions(fit=FitOptions(lapse=0.05)))
    with pytest.raises(ValueError, match="prior_sd"):
        fit_judges(30, comparisons, judges, "llm", JudgeFitOptions(fit=FitOptions(prior_sd=0.0)))


def test_a_reference_judge_without_verdicts_still_sets_the_scale() -> None:
    _theta, comparisons, _judges = simulate(10, 100, seed=6)
    fit = fit_judges(10, comparisons, ["teacher"] * len(comparisons), "llm")
    assert fit.judges[0].judge == "llm"
    assert fit.judges[0].n_decisions == 0
    assert fit.judge("teacher").n_decisions == 100
    assert np.all(np.isfinite(fit.fit.se))
