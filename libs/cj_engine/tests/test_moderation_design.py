"""The moderation plan's information criterion: the expected shrinkage of trace(Cov theta) from a teacher's
verdict, over theta and the teachers' log discriminations jointly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from cj_engine.judge_fit import MultiJudgeFit, fit_judges
from cj_engine.moderation_design import TeacherDesign, teacher_discrimination
from cj_engine.planner_scoring import pair_information
from cj_engine.types import Comparison

N = 40
LONG = (np.arange(N) % 4 == 0).astype(np.float64)


def fitted(teachers: dict[str, int], seed: int = 2) -> MultiJudgeFit:
    """The LLM adds 1 logit to the long essays; each teacher judges random pairs, unbiased and noisier."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, N)
    comparisons: list[Comparison] = []
    judges: list[str] = []
    for judge, view, a, m in (("llm", theta + LONG, 2.0, 250), *((t, theta, 1.0, k) for t, k in teachers.items())):
        first = rng.integers(0, N, m)
        second = (first + rng.integers(1, N, m)) % N
        won = rng.random(m) < expit(a * (view[first] - view[second]))
        comparisons += [
            Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)
        ]
        judges += [judge] * m
    return fit_judges(N, comparisons, judges, "llm", covariates=LONG, covariance=True)


def trace(design: TeacherDesign) -> float:
    return float(np.trace(design.covariance[:N, :N]))


def test_the_gain_is_the_rank_one_update_of_the_joint_covariance_by_the_verdicts_gradient() -> None:
    fit = fitted({"teacher": 60, "colleague": 20})
    design = TeacherDesign(fit)
    assert fit.theta_log_discrimination_covariance is not None
    assert design.covariance.shape == (N + 2, N + 2)
    a, theta = teacher_discrimination(fit), fit.fit.theta
    assert a == pytest.approx(
        (60 * fit.judge("teacher").discrimination + 20 * fit.judge("colleague").discrimination) / 80
    )
    pairs = [(0, 1), (3, 17), (8, 9), (30, 2)]
    for i, j in pairs:
        gradient = np.zeros(N + 2)
        gradient[i], gradient[j] = a, -a
        gradient[N:] = a * (theta[i] - theta[j]) * np.array([20, 60]) / 80  # judges sorted: colleague, teacher
        sigma = design.covariance
        variance = sigma[i, i] + sigma[j, j] - 2 * sigma[i, j]
        weight = pair_information(np.array([a * (theta[i] - theta[j])]), np.array([a**2 * variance]))[0]
        image = sigma @ gradient
        expected = weight * float(image[:N] @ image[:N]) / (1 + weight * float(gradient @ image))
        assert design.gain(np.array([i]), np.array([j]))[0] == pytest.approx(expected, rel=1e-9)


def test_observing_a_verdict_shrinks_the_trace_by_its_gain_and_a_repeat_is_worth_less() -> None:
    design = TeacherDesign(fitted({"teacher": 40}))
    before = trace(design)
    gain = float(design.gain(np.array([4]), np.array([5]))[0])
    design.observe(4, 5)
    assert before - trace(design) == pytest.approx(gain, rel=1e-9)
    assert 0 < design.gain(np.array([4]), np.array([5]))[0] < gain
    assert np.linalg.eigvalsh(design.covariance).min() > -1e-9  # still a covariance (theta's sum is fixed)


def test_before_any_teacher_has_judged_the_teachers_log_a_is_at_its_prior() -> None:
    fit = fitted({})
    design = TeacherDesign(fit)
    assert design.covariance.shape == (N + 1, N + 1)
    assert design.covariance[N, N] == pytest.approx(fit.discrimination_prior_sd**2)
    assert not design.covariance[N, :N].any()
    assert design.discrimination == 1.0


def test_the_long_essays_share_the_unknown_bias_so_a_pair_that_differs_in_length_teaches_most() -> None:
    fit = fitted({})
    design = TeacherDesign(fit)
    theta = fit.fit.theta
    contrast: list[float] = []
    same: list[float] = []
    for i in np.flatnonzero(LONG == 1).tolist():
        for others, out in ((np.flatnonzero(LONG == 0), contrast), (np.flatnonzero(LONG == 1), same)):
            others = others[others != i]
            j = int(others[np.argmin(np.abs(theta[others] - theta[i]))])  # the nearest such essay
            out.append(float(design.gain(np.array([i]), np.array([j]))[0]))
    assert np.median(contrast) > 3 * np.median(same)
