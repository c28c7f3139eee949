"""The grade calibration layer: what the maps do to a row, fitting them, and where project_grades applies them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import norm

from cj_engine.grade_calibration import GradeCalibration, MonotoneMap, ScaleCalibrations, fit_grade_calibration
from cj_engine.grade_calibration_table import FITTED
from cj_engine.grades import DEFAULT_OPTIONS, project_grades
from common_core.grade_scales import get_grade_scale

SCALE = get_grade_scale("swedish_f_a")  # F E D C B A
IDENTITY = MonotoneMap.identity()
# Not a fitted map: halves the probability of being beyond a boundary, seen from the boundary's end.
HALVE = MonotoneMap((0.0, 1.0), (0.0, 0.5))
ROWS = np.array(
    [
        [0.70, 0.20, 0.05, 0.03, 0.01, 0.01],
        [0.01, 0.04, 0.50, 0.40, 0.04, 0.01],
        [0.00, 0.00, 0.00, 0.00, 0.10, 0.90],
        [1.00, 0.00, 0.00, 0.00, 0.00, 0.00],
    ]
)


def _ordinal_rows(theta: np.ndarray, sd: float, cuts: np.ndarray) -> np.ndarray:
    """Each theta's distribution over len(cuts) + 1 grades when its ability is N(theta, sd^2)."""
    at_most = norm.cdf((cuts[None, :] - theta[:, None]) / sd)
    n = theta.shape[0]
    return np.diff(np.hstack([np.zeros((n, 1)), at_most, np.ones((n, 1))]), axis=1)


def _ece(probabilities: np.ndarray, truth: np.ndarray, width: float = 0.2) -> float:
    stated = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    index = np.minimum((stated / width).astype(int), round(1 / width) - 1)
    return float(
        sum((index == b).mean() * abs(stated[index == b].mean() - correct[index == b].mean()) for b in np.unique(index))
    )


def test_identity_maps_leave_rows_as_they_are() -> None:
    assert np.allclose(GradeCalibration((IDENTITY,)).apply(ROWS), ROWS)


@pytest.mark.parametrize(
    "calibration", [GradeCalibration((HALVE, IDENTITY)), GradeCalibration((HALVE,)), FITTED.for_scale(ROWS.shape[1])]
)
def test_calibrated_rows_are_distributions(calibration: GradeCalibration) -> None:
    out = calibration.apply(ROWS)
    assert out.shape == ROWS.shape
    assert np.all(out >= 0.0)
    assert np.allclose(out.sum(axis=1), 1.0)


def test_an_overstated_open_end_gives_its_mass_to_the_next_grade() -> None:
    out = GradeCalibration((HALVE, IDENTITY)).apply(ROWS[:1])[0]
    assert out[0] == pytest.approx(0.35)
    assert out[1] == pytest.approx(0.20 + 0.35)
    assert out[-1] == pytest.approx(0.005)
    assert out[-2] == pytest.approx(0.01 + 0.005)
    assert np.allclose(out[2:4], ROWS[0, 2:4])


def test_a_boundary_farther_from_its_end_than_any_map_uses_the_last_map() -> None:
    out = GradeCalibration((IDENTITY, HALVE)).apply(ROWS[1:2])[0]
    stated, got = np.cumsum(ROWS[1, ::-1])[::-1], np.cumsum(out[::-1])[::-1]  # P(>= k), k = 0..5
    # F|E and B|A (0 steps from their ends) stay; E|D (1 from the bottom), D|C (2 from the top: the last map)
    # and C|B (1 from the top) are halved, each seen from its own end.
    assert got[1] == pytest.approx(stated[1])
    assert got[5] == pytest.approx(stated[5])
    assert 1.0 - got[2] == pytest.approx((1.0 - stated[2]) / 2.0)
    assert got[3] == pytest.approx(stated[3] / 2.0)
    assert got[4] == pytest.approx(stated[4] / 2.0)


def test_the_layer_keeps_the_order_of_essays_along_theta() -> None:
    rows = _ordinal_rows(np.linspace(-4.0, 4.0, 400), 0.7, np.array([-3.0, -1.5, 0.0, 1.5, 3.0]))
    bumpy = MonotoneMap((0.0, 0.1, 0.3, 0.5, 0.9, 1.0), (0.0, 0.0, 0.4, 0.45, 0.5, 1.0))
    for calibration in (*(layer for _, layer in FITTED.by_grades), GradeCalibration((bumpy, HALVE, bumpy))):
        out = calibration.apply(rows)
        at_least = np.cumsum(out[:, ::-1], axis=1)[:, ::-1]
        assert np.all(np.diff(at_least, axis=0) >= -1e-12)
    nine = _ordinal_rows(np.linspace(-4.0, 4.0, 400), 0.7, np.linspace(-3.0, 3.0, 8))
    at_least = np.cumsum(FITTED.for_scale(9).apply(nine)[:, ::-1], axis=1)[:, ::-1]
    assert np.all(np.diff(at_least, axis=0) >= -1e-12)


@pytest.mark.parametrize(
    ("x", "y"),
    [((0.0, 0.5), (0.0, 0.5)), ((0.0, 0.5, 1.0), (0.0, 0.6, 0.4)), ((0.0, 0.5, 0.5, 1.0), (0.0, 0.5, 0.5, 1.0))],
)
def test_a_map_must_be_monotone_over_0_to_1(x: tuple[float, ...], y: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="map"):
        MonotoneMap(x, y)


def test_the_shipped_maps_are_monotone_and_shrink_overstated_open_ends() -> None:
    assert [n for n, _ in FITTED.by_grades] == [6, 9, 10]  # F-A, 1-9, ENG5 NP (fit_grade_calibration.py)
    for _, layer in FITTED.by_grades:
        for mapping in layer.maps:
            assert np.all(np.diff(mapping.y) >= 0.0)
    # What the fit found (grade_calibration's docstring): an open end stated at 0.8 comes true far less often.
    assert FITTED.for_scale(6).maps[0](np.array([0.8]))[0] < 0.7


def test_a_scale_uses_the_calibration_fitted_on_the_nearest_number_of_grades() -> None:
    six, nine = GradeCalibration((HALVE,)), GradeCalibration((IDENTITY,))
    calibrations = ScaleCalibrations(((6, six), (9, nine)))
    assert calibrations.for_scale(6) is six
    assert calibrations.for_scale(4) is six
    assert calibrations.for_scale(7) is six  # nearer to six
    assert calibrations.for_scale(8) is nine
    assert calibrations.for_scale(15) is nine
    assert ScaleCalibrations(((5, six), (7, nine))).for_scale(6) is six  # a tie goes to the shorter scale
    assert six.for_scale(9) is six  # one calibration serves every scale


@pytest.mark.parametrize("by_grades", [(), ((6, GradeCalibration((HALVE,))), (6, GradeCalibration((IDENTITY,))))])
def test_scale_calibrations_need_one_calibration_per_length(
    by_grades: tuple[tuple[int, GradeCalibration], ...],
) -> None:
    with pytest.raises(ValueError, match="calibration"):
        ScaleCalibrations(by_grades)


def test_project_grades_calibrates_with_the_layer_of_the_scales_length() -> None:
    nine_grades = get_grade_scale("numeric_1_9")
    theta = np.array([-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, -3.6, 0.3, 3.7])
    se = np.array([0.3] * 9 + [0.6] * 3)
    anchors = {i: nine_grades.all_grades[i] for i in range(9)}
    layers = replace(
        DEFAULT_OPTIONS,
        calibration=ScaleCalibrations(((6, GradeCalibration((HALVE,))), (9, GradeCalibration((IDENTITY,))))),
    )
    plain = project_grades(theta, se, anchors, nine_grades, options=replace(DEFAULT_OPTIONS, calibration=None))
    on_nine = project_grades(theta, se, anchors, nine_grades, options=layers)
    assert plain.probabilities is not None
    assert on_nine.probabilities is not None
    assert np.allclose(on_nine.probabilities, plain.probabilities)  # the identity of the nine-grade entry
    six_anchors = {i: SCALE.all_grades[i] for i in range(6)}
    six_theta = np.array([-5.0, -3.0, -1.0, 1.0, 3.0, 5.0, -6.0])
    six_se = np.array([0.3] * 6 + [0.6])
    plain_six = project_grades(
        six_theta, six_se, six_anchors, SCALE, options=replace(DEFAULT_OPTIONS, calibration=None)
    )
    on_six = project_grades(six_theta, six_se, six_anchors, SCALE, options=layers)
    assert plain_six.probabilities is not None
    assert on_six.probabilities is not None
    assert on_six.probabilities[6, 0] == pytest.approx(plain_six.probabilities[6, 0] / 2.0)  # HALVE on F


def _boundary_ece(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The ECE of every "at least grade k" statement, pooled (bins of 0.1)."""
    at_least = np.cumsum(probabilities[:, ::-1], axis=1)[:, ::-1][:, 1:]
    stated = at_least.ravel()
    came_true = np.stack([truth >= k for k in range(1, probabilities.shape[1])], axis=1).ravel()
    index = np.minimum((stated * 10).astype(int), 9)
    return float(
        sum(
            (index == b).mean() * abs(stated[index == b].mean() - came_true[index == b].mean())
            for b in np.unique(index)
        )
    )


def test_fitting_recovers_a_known_overconfidence_and_removes_it_on_fresh_draws() -> None:
    rng = np.random.default_rng(3)
    cuts = np.array([-3.0, -1.5, 0.0, 1.5, 3.0])

    def draws(n: int) -> tuple[np.ndarray, np.ndarray]:
        """Stated with SD 0.4 around the estimate, while the true ability is 1.2 away on average."""
        estimate = rng.normal(0.0, 2.0, n)
        truth = np.searchsorted(cuts, estimate + rng.normal(0.0, 1.2, n))
        return _ordinal_rows(estimate, 0.4, cuts), truth

    train, train_truth = draws(20_000)
    calibration = fit_grade_calibration([train[:10_000], train[10_000:]], [train_truth[:10_000], train_truth[10_000:]])
    fresh, fresh_truth = draws(10_000)
    calibrated = calibration.apply(fresh)
    # What the layer promises: the boundary statements say what comes true; the top-label ECE follows.
    before = _boundary_ece(fresh, fresh_truth)
    assert before > 0.05
    assert _boundary_ece(calibrated, fresh_truth) < min(0.025, before / 3.0)
    assert _ece(fresh, fresh_truth) > 0.1
    assert _ece(calibrated, fresh_truth) < 0.5 * _ece(fresh, fresh_truth)


def test_fitting_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError, match="truth"):
        fit_grade_calibration([ROWS], [np.array([0, 1])])


def test_project_grades_calibrates_students_and_leaves_anchors_rows_to_the_model() -> None:
    anchor_theta = [-5.0, -3.0, -1.0, 1.0, 3.0, 5.0]
    students = [-6.0, -4.2, 0.2, 5.8]
    theta = np.array(anchor_theta + students)
    se = np.array([0.3] * 6 + [0.6] * 4)
    anchors = {i: SCALE.all_grades[i] for i in range(6)}
    plain = project_grades(theta, se, anchors, SCALE, options=replace(DEFAULT_OPTIONS, calibration=None))
    halved = replace(DEFAULT_OPTIONS, calibration=GradeCalibration((HALVE, IDENTITY)))
    calibrated = project_grades(theta, se, anchors, SCALE, options=halved)
    assert plain.probabilities is not None
    assert calibrated.probabilities is not None
    assert np.allclose(calibrated.probabilities[:6], plain.probabilities[:6])
    assert np.allclose(calibrated.probabilities[6:, 0], plain.probabilities[6:, 0] / 2.0)
    assert calibrated.grades is not None
    # The confidence follows the calibrated probabilities, and the model grades a new essay as a student.
    assert calibrated.grades[6].confidence == pytest.approx(float(calibrated.probabilities[6].max()))
    assert calibrated.model is not None
    again = calibrated.model.probabilities(theta[6:], se[6:])
    assert np.allclose(again, calibrated.probabilities[6:])


def test_the_boundaries_are_where_the_calibrated_grades_change_sides() -> None:
    anchor_theta = [-5.0, -3.0, -1.0, 1.0, 3.0, 5.0]
    theta = np.array([*anchor_theta, 0.0])
    se = np.array([0.3] * 6 + [0.6])
    anchors = {i: SCALE.all_grades[i] for i in range(6)}
    plain = project_grades(theta, se, anchors, SCALE, options=replace(DEFAULT_OPTIONS, calibration=None))
    assert plain.boundaries == plain.cut_points
    calibrated = project_grades(theta, se, anchors, SCALE)
    assert calibrated.model is not None
    values = np.array([cut.value for cut in calibrated.boundaries])
    assert np.all(np.diff(values) > 0.0)
    for k, value in enumerate(values, start=1):
        rows = calibrated.model.probabilities(np.array([value - 0.05, value + 0.05]), np.full(2, 0.6))
        at_least = rows[:, k:].sum(axis=1)
        assert at_least[0] < 0.5 < at_least[1]
