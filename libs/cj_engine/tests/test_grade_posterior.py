"""The joint-posterior grade projection: distributions, what widens them, and what the covariance changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from cj_engine.grade_posterior import AnchorPlacement, PosteriorOptions, sample_grade_posterior
from cj_engine.grades import DEFAULT_OPTIONS, POINT_OPTIONS, GradeProjection, GradeProjectionOptions, project_grades
from cj_engine.types import FloatArray
from common_core.grade_scales import GradeScale, get_grade_scale

SCALE = get_grade_scale("swedish_f_a")  # F E D C B A
CBA = GradeScale(name="test_cba_posterior", display_name="C-B-A", grades=("C", "B", "A"))
# One anchor per grade, two logits apart, and students between and beyond them.
ANCHOR_THETA = [-5.0, -3.0, -1.0, 1.0, 3.0, 5.0]
STUDENTS = [-6.0, -4.0, -2.1, -0.3, 0.4, 2.0, 3.9, 6.5]


def _project(
    se_anchor: float = 0.3,
    se_student: float = 0.5,
    covariance: FloatArray | None = None,
    options: GradeProjectionOptions = DEFAULT_OPTIONS,
    anchor_theta: list[float] = ANCHOR_THETA,
) -> GradeProjection:
    theta = np.array(anchor_theta + STUDENTS)
    se = np.array([se_anchor] * len(anchor_theta) + [se_student] * len(STUDENTS))
    anchors = {i: SCALE.all_grades[i] for i in range(len(anchor_theta))}
    return project_grades(theta, se, anchors, SCALE, covariance=covariance, options=options)


def _students(projection: GradeProjection) -> FloatArray:
    assert projection.probabilities is not None
    return projection.probabilities[-len(STUDENTS) :]


def _placement(placement: AnchorPlacement) -> GradeProjectionOptions:
    return replace(DEFAULT_OPTIONS, posterior=PosteriorOptions(placement=placement))


@pytest.mark.parametrize("joint", [False, True])
def test_every_distribution_sums_to_one_and_is_never_one_hot(joint: bool) -> None:
    se = np.array([0.3] * 6 + [0.5] * len(STUDENTS))
    projection = _project(covariance=np.diag(se**2) if joint else None)
    assert projection.probabilities is not None
    np.testing.assert_allclose(projection.probabilities.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(projection.probabilities >= 0.0)
    # Every student keeps mass on at least two grades, and nobody is certain.
    rows = _students(projection)
    assert np.all((rows > 1e-6).sum(axis=1) >= 2)
    assert np.all(rows.max(axis=1) < 1.0)


def test_a_diagonal_covariance_gives_the_independent_projection() -> None:
    se = np.array([0.3] * 6 + [0.5] * len(STUDENTS))
    independent = _project()
    joint = _project(covariance=np.diag(se**2))
    assert independent.probabilities is not None
    assert joint.probabilities is not None
    np.testing.assert_allclose(joint.probabilities, independent.probabilities, rtol=0.0, atol=1e-12)


def test_a_shift_shared_by_every_theta_cancels_only_in_the_joint_projection() -> None:
    # Fitted together, the essays may all be off by a common amount: the grade depends on differences, so the
    # joint projection ignores it, while treating the thetas as independent spreads every essay wider.
    n = len(ANCHOR_THETA) + len(STUDENTS)
    se = np.array([0.3] * 6 + [0.5] * len(STUDENTS))
    base = np.diag(se**2)
    shifted = base + 2.0**2 * np.ones((n, n))
    plain, joint = _students(_project(covariance=base)), _students(_project(covariance=shifted))
    independent = _students(_project(se_anchor=float(np.hypot(0.3, 2.0)), se_student=float(np.hypot(0.5, 2.0))))
    assert np.max(np.abs(joint - plain)) < 0.05
    assert independent.max(axis=1).mean() < plain.max(axis=1).mean() - 0.1


def test_less_certain_anchors_give_wider_distributions() -> None:
    sure, unsure = _students(_project(se_anchor=0.1)), _students(_project(se_anchor=1.5))
    assert unsure.max(axis=1).mean() < sure.max(axis=1).mean() - 0.01
    entropy = lambda p: -(p * np.log(np.maximum(p, 1e-300))).sum(axis=1)  # noqa: E731
    assert entropy(unsure).mean() > entropy(sure).mean()


def test_random_exemplars_place_cuts_less_precisely_than_typical_ones() -> None:
    random = _project(options=_placement(AnchorPlacement.RANDOM))
    typical = _project(options=_placement(AnchorPlacement.TYPICAL))
    assert sum(random.cut_sd) > sum(typical.cut_sd)
    # A student at a typical anchor's theta is surer of that grade when anchors are known to be typical.
    assert _students(typical)[3].max() > _students(random)[3].max()


def test_fitted_cuts_are_uncertain_only_in_the_posterior() -> None:
    # The issue: the point projection treats a cut with anchors on both sides as known exactly.
    assert all(sd == 0.0 for sd in _project(options=POINT_OPTIONS).cut_sd)
    assert all(sd > 0.0 for sd in _project().cut_sd)


def test_cut_draws_respect_anchors_with_tiny_errors() -> None:
    projection = project_grades(np.array([-2.0, 0.0, 2.0]), np.full(3, 0.01), {0: "C", 1: "B", 2: "A"}, CBA)
    assert projection.model is not None
    assert projection.model.draws is not None
    cuts = projection.model.draws.cuts
    assert np.all(np.diff(cuts, axis=1) > 0.0)
    between = (cuts[:, 0] > -2.0) & (cuts[:, 0] < 0.0) & (cuts[:, 1] > 0.0) & (cuts[:, 1] < 2.0)
    assert between.mean() > 0.9  # the rest: the small chance that an anchor is mislabelled


def test_anchors_that_cannot_place_the_cuts_say_so_and_widen_the_distributions() -> None:
    # Only the two extreme grades anchored: every boundary between them comes from the prior on grade widths.
    far = project_grades(np.array([-5.0, 5.0, -1.0, 0.5]), np.array([0.3, 0.3, 0.5, 0.5]), {0: "F", 1: "A"}, SCALE)
    full = _project()
    assert "only 2 of 6 grades have anchors" in far.message
    assert far.uncertainty_notes
    assert far.probabilities is not None
    assert far.probabilities[2:].max(axis=1).mean() < _students(full)[2:5].max(axis=1).mean()
    # Students far beyond the anchors: their grade is extrapolated, and the message says so.
    beyond = project_grades(np.array([-1.0, 1.0, 9.0]), np.full(3, 0.3), {0: "C", 1: "B"}, CBA)
    assert "1 essay(s) lie more than a grade beyond the outermost anchors" in beyond.message
    every_grade = project_grades(np.array([-2.0, 0.0, 2.0]), np.full(3, 0.01), {0: "C", 1: "B", 2: "A"}, CBA)
    assert every_grade.uncertainty_notes == ()
    assert ";" not in every_grade.message  # nothing to warn about


def test_the_default_sampler_has_converged() -> None:
    # Anchors as uncertain as in a real batch (SE most of a grade): the default run must give the cuts that a
    # run ten times as long gives. The earlier sampler (flat prior on log h, 30 sweeps from the point fit)
    # did not: its draws stayed near their start, and a long run squeezed every grade.
    anchor_theta = np.array(ANCHOR_THETA) * 1.1 + np.array([0.4, -0.3, 0.2, -0.5, 0.3, -0.2])
    covariance = np.diag(np.full(6, 1.4**2))
    ranks = np.arange(6)
    start = (anchor_theta[:-1] + anchor_theta[1:]) / 2.0
    options = PosteriorOptions()
    default = sample_grade_posterior(anchor_theta, covariance, ranks, start, 2.2, options)
    ten_times = replace(options, sweeps=10 * options.sweeps, burn_in=options.sweeps)
    long = sample_grade_posterior(anchor_theta, covariance, ranks, start, 2.2, ten_times)
    np.testing.assert_allclose(default.cuts.mean(axis=0), long.cuts.mean(axis=0), atol=0.15)  # logits; h is 2.2
    np.testing.assert_allclose(default.cut_sd, long.cut_sd, rtol=0.15)


def test_the_projection_is_seeded() -> None:
    first, second = _project(), _project()
    assert first.probabilities is not None
    assert second.probabilities is not None
    np.testing.assert_array_equal(first.probabilities, second.probabilities)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: PosteriorOptions(width_log_sd=0.0), "width_log_sd"),
        (lambda: PosteriorOptions(open_band_mean=-1.0), "open_band_mean"),
        (lambda: PosteriorOptions(step_log_sd=float("inf")), "step_log_sd"),
        (lambda: PosteriorOptions(anchor_lapse=0.0), "anchor_lapse"),
        (lambda: PosteriorOptions(typical_concentration=0.5), "typical_concentration"),
        (lambda: PosteriorOptions(sweeps=5, burn_in=5), "burn_in"),
    ],
)
def test_invalid_posterior_options_are_rejected(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_a_covariance_of_the_wrong_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="covariance must be"):
        _project(covariance=np.eye(3))
