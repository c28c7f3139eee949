"""Properties of grade projection for any anchors, abilities and standard errors (hypothesis).

- the grade probabilities of every essay are non-negative and sum to 1;
- the distribution is monotone in theta at fixed SE: P(grade >= k) for every k, and so the expected grade,
  never decrease as theta grows;
- the cut points are strictly increasing, whatever order the anchors are in.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cj_engine.grades import GradeProjection, ProjectionStatus, project_grades
from common_core.grade_scales import BUILT_IN_SCALES, GradeScale

# Each example fits the cut points and samples their posterior (about 0.1 s): no per-example deadline, and
# fewer examples than hypothesis's default.
PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)

thetas = st.floats(min_value=-12.0, max_value=12.0, allow_nan=False)
ses = st.floats(min_value=0.0, max_value=5.0, allow_nan=False)


def _synthetic_scale(n_grades: int) -> GradeScale:
    return GradeScale(name=f"prop_{n_grades}", display_name="property", grades=tuple(f"g{k}" for k in range(n_grades)))


@st.composite
def projections(draw: st.DrawFn) -> GradeProjection:
    """A fitted projection: any scale, anchors in at least two grades and in any theta order."""
    scale = draw(st.sampled_from(BUILT_IN_SCALES) | st.integers(2, 9).map(_synthetic_scale))
    n_grades = len(scale.all_grades)
    first, second = draw(st.lists(st.integers(0, n_grades - 1), min_size=2, max_size=2, unique=True))
    ranks = [first, second, *draw(st.lists(st.integers(0, n_grades - 1), max_size=10))]
    anchor_theta = draw(st.lists(thetas.map(lambda t: t / 2), min_size=len(ranks), max_size=len(ranks)))
    anchor_se = draw(st.lists(st.floats(0.0, 2.0), min_size=len(ranks), max_size=len(ranks)))
    students = draw(st.lists(st.tuples(thetas, ses), max_size=10))
    theta = np.array(anchor_theta + [t for t, _ in students])
    se = np.array(anchor_se + [s for _, s in students])
    anchors = {i: scale.all_grades[rank] for i, rank in enumerate(ranks)}
    projection = project_grades(theta, se, anchors, scale)
    assert projection.status is ProjectionStatus.OK
    assert projection.fit_converged
    return projection


@PROPERTY_SETTINGS
@given(projection=projections())
def test_probabilities_are_a_distribution_for_every_essay(projection: GradeProjection) -> None:
    assert projection.probabilities is not None
    assert projection.grades is not None
    assert np.all(projection.probabilities >= 0.0)
    np.testing.assert_allclose(projection.probabilities.sum(axis=1), 1.0, rtol=0.0, atol=1e-9)
    for item in projection.grades:
        assert abs(sum(item.probabilities.values()) - 1.0) < 1e-9
        assert 0.0 <= item.confidence <= 1.0
        assert item.confidence == max(item.probabilities.values())
        assert 0.0 <= item.expected_index <= len(projection.grade_order) - 1


@PROPERTY_SETTINGS
@given(projection=projections())
def test_cut_points_are_strictly_increasing(projection: GradeProjection) -> None:
    cuts = np.array([c.value for c in projection.cut_points])
    assert cuts.shape[0] == len(projection.grade_order) - 1
    assert np.all(np.isfinite(cuts))
    assert np.all(np.diff(cuts) > 0)
    assert all(c.extra_sd >= 0.0 for c in projection.cut_points)


@PROPERTY_SETTINGS
@given(
    projection=projections(),
    grid=st.lists(thetas, min_size=2, max_size=30),
    se=ses,
)
def test_the_distribution_is_monotone_in_theta_at_fixed_se(
    projection: GradeProjection, grid: list[float], se: float
) -> None:
    assert projection.model is not None
    # The cut points themselves are where the curves are steepest: always include them.
    theta = np.sort(np.concatenate([grid, projection.model.cuts]))
    probabilities = projection.model.probabilities(theta, np.full(theta.shape[0], se))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=0.0, atol=1e-9)
    assert np.all(probabilities >= 0.0)
    # P(grade >= k) for k = 1..K-1, per theta (rows in increasing theta).
    at_least = np.cumsum(probabilities[:, ::-1], axis=1)[:, ::-1][:, 1:]
    assert np.all(np.diff(at_least, axis=0) >= -1e-12)
    expected = probabilities @ np.arange(probabilities.shape[1])
    assert np.all(np.diff(expected) >= -1e-12)
