"""Grade projection from anchors: hand-checkable cases, every edge case's reason, and the real scales."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable

import numpy as np
import pytest
from scipy import optimize

from cj_engine.grade_cutpoints import CutPointOptions, _negative_log_posterior
from cj_engine.grades import (
    DEFAULT_OPTIONS,
    POINT_OPTIONS,
    CutSource,
    GradeProjection,
    GradeProjectionOptions,
    ProjectionStatus,
    confidence_label,
    project_grades,
)
from cj_engine.types import FloatArray
from common_core.events.cj_assessment import EssayResult
from common_core.grade_scales import GradeScale, get_grade_scale

CBA = GradeScale(name="test_cba", display_name="C-B-A", grades=("C", "B", "A"))
FIVE = GradeScale(name="test_five", display_name="1-5", grades=("1", "2", "3", "4", "5"))
TINY_SE = 0.01


def _project(theta: list[float], anchors: dict[int, str], scale: GradeScale, se: float = TINY_SE) -> GradeProjection:
    return project_grades(np.array(theta), np.full(len(theta), se), anchors, scale)


def _cba_with_items(
    *items: float, se: float = TINY_SE, options: GradeProjectionOptions = DEFAULT_OPTIONS
) -> GradeProjection:
    """Two anchors per grade, centred at -2 (C), 0 (B) and +2 (A); the items follow at index 6, 7, ..."""
    theta = [-2.1, -1.9, -0.1, 0.1, 1.9, 2.1, *items]
    ses = np.array([TINY_SE] * 6 + [se] * len(items))
    anchors = {0: "C", 1: "C", 2: "B", 3: "B", 4: "A", 5: "A"}
    return project_grades(np.array(theta), ses, anchors, CBA, options=options)


def _grades(projection: GradeProjection) -> list[str]:
    assert projection.grades is not None
    return [g.most_likely_grade for g in projection.grades]


def test_an_item_at_an_anchors_theta_gets_that_grade() -> None:
    projection = _cba_with_items(-2.0, 0.0, 2.0)
    assert projection.status is ProjectionStatus.OK
    assert projection.grades is not None
    items = projection.grades[6:]
    assert [g.most_likely_grade for g in items] == ["C", "B", "A"]
    for item in items:
        assert item.confidence > 0.9
        assert item.confidence_label == "high"
        # A real distribution, not one-hot: the neighbouring grade keeps some mass.
        assert sorted(item.probabilities.values())[-2] > 0.0


def test_an_item_halfway_between_two_anchored_grades_is_about_even() -> None:
    # The point projection (cuts taken as known; symmetric probit). The default posterior places the lowest
    # grade's cut nearer its anchors (a random exemplar of an open-ended grade is likeliest near its cut).
    projection = _cba_with_items(-1.0, options=POINT_OPTIONS)
    assert projection.grades is not None
    item = projection.grades[6]
    assert item.probabilities["C"] == pytest.approx(0.5, abs=0.02)
    assert item.probabilities["B"] == pytest.approx(0.5, abs=0.02)
    assert item.probabilities["A"] < 1e-3
    assert item.expected_index == pytest.approx(0.5, abs=0.02)
    assert item.confidence_label == "medium"
    cuts = [c.value for c in projection.cut_points]
    assert cuts == pytest.approx([-1.0, 1.0], abs=0.01)  # symmetric anchors: cuts midway between groups


def test_a_large_se_spreads_probability_over_the_grades() -> None:
    # The point projection, whose symmetry is exact (the default posterior's is up to its Monte Carlo error).
    sure = _cba_with_items(0.0, se=TINY_SE, options=POINT_OPTIONS)
    unsure = _cba_with_items(0.0, se=2.0, options=POINT_OPTIONS)
    assert sure.grades is not None
    assert unsure.grades is not None
    item = unsure.grades[6]
    assert item.most_likely_grade == "B"
    assert item.confidence < 0.5
    assert item.confidence < sure.grades[6].confidence
    assert min(item.probabilities.values()) > 0.1
    assert item.probabilities["C"] == pytest.approx(item.probabilities["A"], abs=1e-6)
    assert item.confidence_label == "low"


def test_probabilities_match_the_closed_form() -> None:
    # The point projection: every grade anchored, so no cut has extra uncertainty:
    # P(C) = Phi((c_0 - theta) / sqrt(sigma^2 + se^2)).
    projection = _cba_with_items(0.3, se=0.4, options=POINT_OPTIONS)
    assert projection.model is not None
    assert projection.sigma is not None
    assert projection.grades is not None
    c0, c1 = (c.value for c in projection.cut_points)
    spread = math.hypot(projection.sigma, 0.4)
    phi = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))  # noqa: E731
    expected = {"C": phi((c0 - 0.3) / spread), "B": phi((c1 - 0.3) / spread) - phi((c0 - 0.3) / spread)}
    expected["A"] = 1 - expected["C"] - expected["B"]
    assert projection.grades[6].probabilities == pytest.approx(expected, abs=1e-12)
    assert all(c.source is CutSource.FITTED and c.extra_sd == 0.0 for c in projection.cut_points)


def test_anchors_get_their_own_distribution_and_a_misplaced_anchor_is_flagged() -> None:
    scale = get_grade_scale("swedish_f_a")
    theta: list[float] = []
    anchors: dict[int, str] = {}
    for rank, grade in enumerate(scale.all_grades):
        for offset in (-0.1, 0.1):
            anchors[len(theta)] = grade
            theta.append(rank - 2.5 + offset)
    misplaced = len(theta)
    anchors[misplaced] = "A"  # known A, but judged like an F
    theta.append(-2.5)
    projection = _project(theta, anchors, scale, se=0.1)

    assert projection.grades is not None
    for index, grade in anchors.items():
        item = projection.grades[index]
        assert item.known_grade == grade
        assert sum(item.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert max(item.probabilities.values()) < 1.0  # graded like any essay, not stamped with its grade
    checks = {check.index: check for check in projection.anchor_checks}
    assert set(checks) == set(anchors)
    assert checks[misplaced].projected_grade == "F"
    assert checks[misplaced].step_difference == -5
    assert checks[misplaced].inconsistent
    assert [c.index for c in projection.inconsistent_anchors] == [misplaced]
    # One mislabelled anchor does not pull the others off their grades (the fit has a lapse term).
    assert all(checks[i].step_difference == 0 for i in anchors if i != misplaced)
    assert {inv.higher_grade_index for inv in projection.inversions} == {misplaced}
    assert "1 anchor(s) projected more than 1 step(s)" in projection.message


def test_no_anchors_gives_no_grades_with_a_reason() -> None:
    projection = _project([-1.0, 0.0, 1.0], {}, CBA)
    assert projection.status is ProjectionStatus.NO_ANCHORS
    assert projection.status.value == "no_anchors"
    assert projection.grades is None
    assert projection.probabilities is None
    assert projection.model is None
    assert not projection.has_grades
    assert "no anchors" in projection.message


def test_anchors_in_a_single_grade_give_no_grades_with_a_reason() -> None:
    # The Unicode minus is the same grade as "E-": still one distinct grade.
    projection = _project([-1.0, 0.0, 1.0], {0: "E-", 1: "E\u2212", 2: "E-"}, get_grade_scale("eng5_np"))
    assert projection.status is ProjectionStatus.TOO_FEW_ANCHOR_GRADES
    assert projection.status.value == "too_few_anchor_grades"
    assert projection.grades is None
    assert "E-" in projection.message
    assert "two distinct grades" in projection.message


@pytest.mark.parametrize(
    ("theta", "se", "anchors", "message"),
    [
        ([0.0, 1.0], [0.1, 0.1], {0: "C", 1: "Q"}, "grade 'Q' is not on the test_cba scale"),
        ([0.0, 1.0], [0.1, 0.1], {0: "C", 2: "A"}, "anchor index 2 is outside the 2 items"),
        ([0.0, 1.0], [0.1], {0: "C", 1: "A"}, "one length"),
        ([0.0, math.nan], [0.1, 0.1], {0: "C", 1: "A"}, "finite"),
        ([0.0, 1.0], [0.1, -0.1], {0: "C", 1: "A"}, ">= 0"),
    ],
)
def test_malformed_input_is_rejected(
    theta: list[float], se: list[float], anchors: dict[int, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        project_grades(np.array(theta), np.array(se), anchors, CBA)


def test_out_of_order_anchors_still_fit_and_the_inversion_is_reported() -> None:
    # Anchor 3 is graded B but sits above anchor 4, graded A.
    projection = _project([-2.0, -1.8, 0.0, 1.5, 1.2, 2.2], {0: "C", 1: "C", 2: "B", 3: "B", 4: "A", 5: "A"}, CBA)
    assert projection.status is ProjectionStatus.OK
    assert projection.fit_converged
    cuts = [c.value for c in projection.cut_points]
    assert cuts[0] < cuts[1]
    assert len(projection.inversions) == 1
    inversion = projection.inversions[0]
    assert (inversion.lower_grade_index, inversion.lower_grade) == (3, "B")
    assert (inversion.higher_grade_index, inversion.higher_grade) == (4, "A")
    assert inversion.theta_gap == pytest.approx(0.3)
    assert inversion.z == pytest.approx(0.3 / math.hypot(TINY_SE, TINY_SE))
    assert "1 anchor pair(s) out of grade order" in projection.message


def test_fully_reversed_anchors_still_give_ordered_cuts_and_valid_distributions() -> None:
    projection = _project([2.0, 0.0, -2.0, 0.5], {0: "C", 1: "B", 2: "A"}, CBA)
    assert projection.status is ProjectionStatus.OK
    assert projection.probabilities is not None
    cuts = [c.value for c in projection.cut_points]
    assert cuts[0] < cuts[1]
    assert len(projection.inversions) == 3
    np.testing.assert_allclose(projection.probabilities.sum(axis=1), 1.0, atol=1e-9)


def test_a_grade_between_anchored_grades_is_interpolated_and_less_certain() -> None:
    # Grades 1, 2, 4, 5 anchored at theta = grade - 1; grade 3 has no anchor.
    theta = [0.0, 0.1, 1.0, 1.1, 3.0, 3.1, 4.0, 4.1]
    anchors = {0: "1", 1: "1", 2: "2", 3: "2", 4: "4", 5: "4", 6: "5", 7: "5"}
    projection = _project([*[t - 0.05 for t in theta], 1.0, 2.0, 3.0], anchors, FIVE)

    assert projection.unanchored_grades == ("3",)
    sources = [c.source for c in projection.cut_points]
    assert sources == [CutSource.FITTED, CutSource.INTERPOLATED, CutSource.INTERPOLATED, CutSource.FITTED]
    cuts = np.array([c.value for c in projection.cut_points])
    np.testing.assert_allclose(cuts, [0.5, 1.5, 2.5, 3.5], atol=0.02)  # evenly spaced between fitted cuts
    extra = [c.extra_sd for c in projection.cut_points]
    # Brownian bridge between the knots at positions 2 and 3.5: tau = kappa * h * sqrt(1 * 0.5 / 1.5).
    assert projection.grade_step is not None
    expected_tau = 0.5 * projection.grade_step * math.sqrt(1 / 3)
    assert extra == pytest.approx([0.0, expected_tau, expected_tau, 0.0])

    assert projection.grades is not None
    at_2, at_3, at_4 = projection.grades[8:]
    assert (at_2.most_likely_grade, at_3.most_likely_grade, at_4.most_likely_grade) == ("2", "3", "4")
    assert at_3.confidence < at_2.confidence
    assert at_3.confidence < at_4.confidence


def test_grades_beyond_the_anchored_range_are_extrapolated_with_growing_uncertainty() -> None:
    scale = get_grade_scale("swedish_f_a")  # F E D C B A; only D, C and B anchored
    theta = [-0.55, -0.45, -0.05, 0.05, 0.45, 0.55, -3.0, 3.0]
    projection = _project(theta, {0: "D", 1: "D", 2: "C", 3: "C", 4: "B", 5: "B"}, scale)

    assert projection.unanchored_grades == ("F", "E", "A")
    sources = [c.source for c in projection.cut_points]
    assert sources == [
        CutSource.EXTRAPOLATED,
        CutSource.EXTRAPOLATED,
        CutSource.FITTED,
        CutSource.FITTED,
        CutSource.EXTRAPOLATED,
    ]
    cuts = np.array([c.value for c in projection.cut_points])
    assert np.all(np.diff(cuts) > 0)
    # The mean spacing of the fitted cuts continues outwards.
    assert projection.grade_step is not None
    np.testing.assert_allclose(np.diff(cuts), projection.grade_step, rtol=1e-9)
    extra = [c.extra_sd for c in projection.cut_points]
    assert extra[0] > extra[1] > 0.0 == extra[2] == extra[3] < extra[4]
    assert _grades(projection)[6:] == ["F", "A"]


def test_anchors_in_two_grades_use_the_groups_distance_as_the_grade_step() -> None:
    # C and A anchored two grades apart: B is inferred in between, one grade step = half the distance.
    projection = _project([-2.0, 2.0, 0.0], {0: "C", 1: "A"}, CBA)
    assert projection.grade_step == pytest.approx(2.0)
    assert [c.source for c in projection.cut_points] == [CutSource.EXTRAPOLATED, CutSource.EXTRAPOLATED]
    assert [c.value for c in projection.cut_points] == pytest.approx([-1.0, 1.0], abs=1e-3)
    assert _grades(projection) == ["C", "A", "B"]


@pytest.mark.parametrize("name", ["swedish_f_a", "eng5_np", "numeric_1_9"])
def test_real_scales_from_common_core(name: str) -> None:
    scale = get_grade_scale(name)
    grades = scale.all_grades
    # Every other grade anchored (three anchors each), grade r centred at theta = r - (k - 1) / 2.
    centre = (len(grades) - 1) / 2
    theta: list[float] = []
    anchors: dict[int, str] = {}
    for rank in range(0, len(grades), 2):
        for offset in (-0.15, 0.0, 0.15):
            anchors[len(theta)] = grades[rank]
            theta.append(rank - centre + offset)
    students = np.linspace(-centre - 1, centre + 1, 25)
    projection = _project([*theta, *students], anchors, scale, se=0.3)

    assert projection.status is ProjectionStatus.OK
    assert projection.grade_order == grades
    assert projection.probabilities is not None
    assert projection.grades is not None
    np.testing.assert_allclose(projection.probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(projection.probabilities >= 0)
    assert np.all(np.diff([c.value for c in projection.cut_points]) > 0)
    for item in projection.grades:
        assert tuple(item.probabilities) == grades
        assert item.confidence == max(item.probabilities.values())
    assert all(not check.inconsistent for check in projection.anchor_checks)
    assert all(check.step_difference == 0 for check in projection.anchor_checks)
    student_grades = [grades.index(g.most_likely_grade) for g in projection.grades[len(theta) :]]
    assert student_grades == sorted(student_grades)
    assert student_grades[0] == 0
    assert student_grades[-1] == len(grades) - 1


def test_eng5_below_lowest_f_is_a_grade_that_anchors_and_essays_can_have() -> None:
    scale = get_grade_scale("eng5_np")
    projection = _project([-4.0, -3.0, -2.0, -6.0], {0: "F", 1: "F+", 2: "E-"}, scale)
    assert projection.grade_order[0] == "F"
    assert projection.anchored_grades == ("F", "F+", "E-")
    assert _grades(projection)[3] == "F"
    assert projection.cut_points[0].lower_grade == "F"
    assert projection.cut_points[0].source is CutSource.FITTED


def test_an_item_grade_fills_the_essay_result_contract() -> None:
    projection = _cba_with_items(0.4, se=0.5)
    assert projection.grades is not None
    for item in (projection.grades[0], projection.grades[6]):
        result = EssayResult(
            essay_id=uuid.uuid4(),
            is_anchor=item.known_grade is not None,
            rank=1,
            bt_score=0.4,
            standard_error=0.5,
            normalized_score=50.0,
            grade=item.most_likely_grade,
            grade_probabilities=item.probabilities,
            confidence=item.confidence,
            confidence_label=item.confidence_label,
            comparison_count=10,
            known_grade=item.known_grade,
        )
        assert result.grade_probabilities == item.probabilities


def test_the_model_grades_new_essays_like_the_projection() -> None:
    projection = _cba_with_items(-0.7, 1.3, se=0.3)
    assert projection.model is not None
    assert projection.probabilities is not None
    again = projection.model.probabilities(np.array([-0.7, 1.3]), np.array([0.3, 0.3]))
    np.testing.assert_array_equal(again, projection.probabilities[6:])


def test_projection_is_deterministic() -> None:
    first, second = _cba_with_items(-0.3, 0.8, se=0.4), _cba_with_items(-0.3, 0.8, se=0.4)
    assert first.probabilities is not None
    assert second.probabilities is not None
    np.testing.assert_array_equal(first.probabilities, second.probabilities)
    assert first.cut_points == second.cut_points


def test_a_fixed_sigma_is_used_as_given() -> None:
    options = GradeProjectionOptions(cut_points=CutPointOptions(fixed_sigma=0.8))
    theta = np.array([-2.0, 0.0, 2.0])
    projection = project_grades(theta, np.full(3, 0.1), {0: "C", 1: "B", 2: "A"}, CBA, options=options)
    assert projection.sigma == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("confidence", "label"), [(1.0, "high"), (0.7, "high"), (0.69, "medium"), (0.4, "medium"), (0.39, "low")]
)
def test_confidence_label_thresholds(confidence: float, label: str) -> None:
    assert confidence_label(confidence, GradeProjectionOptions()) == label


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GradeProjectionOptions(high_confidence=0.3, medium_confidence=0.5), "medium_confidence"),
        (lambda: GradeProjectionOptions(max_anchor_step_difference=-1), "max_anchor_step_difference"),
        (lambda: CutPointOptions(sigma_floor=0.0), "sigma_floor"),
        (lambda: CutPointOptions(anchor_lapse=1.0), "anchor_lapse"),
        (lambda: CutPointOptions(fixed_sigma=-1.0), "fixed_sigma"),
    ],
)
def test_invalid_options_are_rejected(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_the_fit_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(7)
    category = np.array([0, 1, 2, 3, 0, 1, 2, 3, 1, 2], dtype=np.int64)
    theta = category + rng.normal(0.0, 0.8, size=10)
    se = np.asarray(rng.uniform(0.05, 0.8, size=10), dtype=np.float64)
    options = CutPointOptions()

    def objective(params: FloatArray) -> float:
        return _negative_log_posterior(params, theta, se, category, options)[0]

    def gradient(params: FloatArray) -> FloatArray:
        return _negative_log_posterior(params, theta, se, category, options)[1]

    for _ in range(5):
        params = rng.normal(0.0, 1.0, size=4)  # d_0, two log spacings (four grades, three cuts), log sigma
        error = optimize.check_grad(objective, gradient, params)
        assert error < 1e-5 * max(1.0, float(np.linalg.norm(gradient(params))))
