"""Grade projection: from Bradley-Terry abilities and anchor essays of known grade to grade distributions.

:func:`project_grades` fits ordered cut points between the grades of a :class:`GradeScale` from the anchors
(an ordinal probit with each anchor's SE; see :mod:`cj_engine.grade_cutpoints` for the model, the rule for
grades without anchors and their wider uncertainty), then gives every essay, students and anchors alike, its
full distribution over the scale's grades (``scale.all_grades``, so ``below_lowest`` is a grade too),
integrating over its own theta uncertainty. Never a one-hot argmax (PITFALLS). The students' distributions then
pass the calibration layer (:mod:`cj_engine.grade_calibration`, ``GradeProjectionOptions.calibration``), which
corrects what the model still overstates; anchors keep the model's distribution.

Per essay it reports:

- ``probabilities``: grade -> probability over every grade of the scale, summing to 1;
- ``most_likely_grade``: the mode (ties go to the lower grade);
- ``expected_index``: the mean grade as a continuous index into ``scale.all_grades`` (0 = lowest), and
  ``expected_grade``: the grade nearest to it (halves round up);
- ``confidence``: the probability of the most likely grade (0-1), and ``confidence_label``: ``high`` when
  >= ``high_confidence`` (0.7), ``medium`` when >= ``medium_confidence`` (0.4), else ``low``.

For anchors it also compares the known grade with the projected (most likely) one; an anchor projected more
than ``max_anchor_step_difference`` (1) grade steps away is flagged ``inconsistent``. Anchor pairs whose theta
order contradicts their grade order are listed as inversions; the fit tolerates them.

When grades cannot be projected the result says why, machine-readably (:class:`ProjectionStatus`) and in
words, and carries no grades; the caller still has its ranking and scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

from cj_engine.grade_calibration import GradeCalibration, ScaleCalibrations, at_least
from cj_engine.grade_calibration_table import FITTED
from cj_engine.grade_cutpoints import CutPoint, CutPointOptions, CutSource, GradeModel, fit_cut_points
from cj_engine.grade_posterior import AnchorPlacement, PosteriorOptions, joint_probabilities, sample_grade_posterior
from cj_engine.types import FloatArray
from common_core.grade_scales import GradeScale

__all__ = [
    "DEFAULT_OPTIONS",
    "POINT_OPTIONS",
    "AnchorCheck",
    "AnchorInversion",
    "AnchorPlacement",
    "ConfidenceLabel",
    "CutPoint",
    "CutPointOptions",
    "CutSource",
    "GradeModel",
    "GradeProjection",
    "GradeProjectionOptions",
    "ItemGrade",
    "PosteriorOptions",
    "ProjectionStatus",
    "confidence_label",
    "project_grades",
]

ConfidenceLabel = Literal["high", "medium", "low"]


class ProjectionStatus(StrEnum):
    OK = "ok"
    NO_ANCHORS = "no_anchors"
    TOO_FEW_ANCHOR_GRADES = "too_few_anchor_grades"


@dataclass(frozen=True)
class GradeProjectionOptions:
    """``posterior=None`` is the point projection (cuts taken as known): kept to measure the calibration against.
    ``calibration`` is the layer applied to the students' rows (:mod:`cj_engine.grade_calibration`; with
    ``ScaleCalibrations``, the one fitted on the nearest number of grades to the scale's); None leaves the
    model's probabilities as they are."""

    cut_points: CutPointOptions = field(default_factory=CutPointOptions)
    posterior: PosteriorOptions | None = field(default_factory=PosteriorOptions)
    calibration: GradeCalibration | ScaleCalibrations | None = FITTED
    uncertain_cut_sd: float = 0.5  # a cut whose posterior SD exceeds this many grade steps is named in the message
    high_confidence: float = 0.7
    medium_confidence: float = 0.4
    max_anchor_step_difference: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.medium_confidence <= self.high_confidence <= 1.0:
            raise ValueError("need 0 < medium_confidence <= high_confidence <= 1")
        if self.max_anchor_step_difference < 0:
            raise ValueError("max_anchor_step_difference must be >= 0")


@dataclass(frozen=True)
class ItemGrade:
    """One essay's projected grade; fills EssayResult's grade fields."""

    index: int
    probabilities: dict[str, float]  # every grade of the scale, lowest first
    most_likely_grade: str
    confidence: float  # probability of most_likely_grade
    confidence_label: ConfidenceLabel
    expected_index: float  # mean grade as an index into scale.all_grades (0 = lowest)
    expected_grade: str  # the grade nearest expected_index
    known_grade: str | None  # anchors only


@dataclass(frozen=True)
class AnchorCheck:
    """An anchor's known grade against its projection; ``step_difference`` = projected - known, in steps."""

    index: int
    known_grade: str
    projected_grade: str
    step_difference: int
    probability_of_known_grade: float
    inconsistent: bool


@dataclass(frozen=True)
class AnchorInversion:
    """Two anchors whose theta order contradicts their grade order."""

    lower_grade_index: int
    lower_grade: str
    lower_grade_theta: float
    higher_grade_index: int
    higher_grade: str
    higher_grade_theta: float
    z: float  # theta gap (lower-grade anchor minus higher-grade anchor) over its combined SE

    @property
    def theta_gap(self) -> float:
        return self.lower_grade_theta - self.higher_grade_theta


@dataclass(frozen=True)
class GradeProjection:
    status: ProjectionStatus
    message: str
    scale_name: str
    grade_order: tuple[str, ...]  # scale.all_grades: columns of `probabilities`, lowest first
    grades: tuple[ItemGrade, ...] | None  # one per item, None unless status is OK
    probabilities: FloatArray | None  # (n_items, n_grades)
    cut_points: tuple[CutPoint, ...] = ()  # the cut-point model's fit
    # Where the students' (calibrated) probabilities change sides: the cut points moved by the calibration layer,
    # the boundaries to publish (the cut points themselves without a layer).
    boundaries: tuple[CutPoint, ...] = ()
    sigma: float | None = None
    cut_sd: tuple[float, ...] = ()  # posterior SD of each cut (the point projection: its tau)
    uncertainty_notes: tuple[str, ...] = ()  # why the anchors place the cuts only roughly (also in `message`)
    grade_step: float | None = None  # logits per grade used to extrapolate (h)
    anchored_grades: tuple[str, ...] = ()
    unanchored_grades: tuple[str, ...] = ()
    anchor_checks: tuple[AnchorCheck, ...] = ()
    inversions: tuple[AnchorInversion, ...] = ()
    model: GradeModel | None = None  # evaluates new (theta, se) as students (calibrated); None without grades
    fit_converged: bool | None = None

    @property
    def has_grades(self) -> bool:
        return self.status is ProjectionStatus.OK

    @property
    def inconsistent_anchors(self) -> tuple[AnchorCheck, ...]:
        return tuple(check for check in self.anchor_checks if check.inconsistent)


DEFAULT_OPTIONS = GradeProjectionOptions()
POINT_OPTIONS = GradeProjectionOptions(posterior=None, calibration=None)


def project_grades(
    theta: FloatArray,
    se: FloatArray,
    anchors: Mapping[int, str],
    scale: GradeScale,
    *,
    covariance: FloatArray | None = None,
    options: GradeProjectionOptions = DEFAULT_OPTIONS,
) -> GradeProjection:
    """Grade distributions for every item from abilities ``theta`` (SE ``se``) and anchors ``index -> grade``.

    ``covariance`` is the fit's covariance of theta (``FitResult.covariance``, n x n): with it, each
    student's theta is taken jointly with the anchors' (``se`` must be its diagonal's square root); without
    it, independently. Anchors are always graded as if independent of the other anchors, like a new essay,
    so that a mislabelled one still shows up as inconsistent.

    Raises ``ValueError`` for malformed input: arrays of different lengths or non-finite values, a negative
    SE, an anchor index outside the items, or an anchor grade not on ``scale``.
    """
    theta_arr = np.asarray(theta, dtype=np.float64)
    se_arr = np.asarray(se, dtype=np.float64)
    _validate_items(theta_arr, se_arr)
    if covariance is not None and covariance.shape != (theta_arr.shape[0],) * 2:
        raise ValueError(f"covariance must be {theta_arr.shape[0]} x {theta_arr.shape[0]}, got {covariance.shape}")
    n_items = int(theta_arr.shape[0])
    known = {index: scale.validate_grade(grade) for index, grade in sorted(anchors.items())}
    for index in known:
        if not 0 <= index < n_items:
            raise ValueError(f"anchor index {index} is outside the {n_items} items")
    order = scale.all_grades

    def without_grades(status: ProjectionStatus, message: str) -> GradeProjection:
        return GradeProjection(status, message, scale.name, order, grades=None, probabilities=None)

    if not known:
        return without_grades(ProjectionStatus.NO_ANCHORS, "no anchors: ranking and scores only, no grades")
    distinct = sorted({order.index(grade) for grade in known.values()})
    if len(distinct) < 2:
        return without_grades(
            ProjectionStatus.TOO_FEW_ANCHOR_GRADES,
            f"all {len(known)} anchors have grade {order[distinct[0]]}: cut points need anchors in at least "
            "two distinct grades, so no grades are projected",
        )

    anchor_index = np.fromiter(known, dtype=np.int64, count=len(known))
    anchor_rank = np.array([order.index(grade) for grade in known.values()], dtype=np.int64)
    fit = fit_cut_points(theta_arr[anchor_index], se_arr[anchor_index], anchor_rank, order, options.cut_points)
    model, cut_sd = fit.model, fit.model.extra_sd
    if options.posterior is None:
        probabilities = model.probabilities(theta_arr, se_arr)
    else:
        anchor_covariance = (
            np.diag(se_arr[anchor_index] ** 2) if covariance is None else covariance[np.ix_(anchor_index, anchor_index)]
        )
        draws = sample_grade_posterior(
            theta_arr[anchor_index], anchor_covariance, anchor_rank, model.cuts, fit.grade_step, options.posterior
        )
        model, cut_sd = replace(model, draws=draws), draws.cut_sd
        if covariance is None:
            probabilities = model.probabilities(theta_arr, se_arr)
        else:
            probabilities = joint_probabilities(theta_arr, covariance, anchor_index, draws)
            probabilities[anchor_index] = model.probabilities(theta_arr[anchor_index], se_arr[anchor_index])
    if options.calibration is not None:
        layer = options.calibration.for_scale(len(order))
        students = np.setdiff1d(np.arange(n_items), anchor_index)
        probabilities[students] = layer.apply(probabilities[students])
        model = replace(model, calibration=layer)
        typical_se = float(np.median(se_arr[students])) if students.size else float(np.median(se_arr))
        boundaries = _calibrated_cut_points(model, fit.cut_points, typical_se)
    else:
        boundaries = fit.cut_points
    grades = _item_grades(probabilities, order, known, options)
    checks = _anchor_checks(grades, known, order, options.max_anchor_step_difference)
    inversions = _inversions(theta_arr, se_arr, known, order)
    anchored = tuple(order[r] for r in distinct)
    unanchored = tuple(g for g in order if g not in anchored)
    summary = _summary(scale, len(known), anchored, unanchored, checks, inversions, options.max_anchor_step_difference)
    notes = _placement_notes(theta_arr, anchor_index, fit.cut_points, cut_sd, fit.grade_step, len(anchored), options)
    summary += "".join(f"; {note}" for note in notes)
    return GradeProjection(
        status=ProjectionStatus.OK,
        message=summary,
        scale_name=scale.name,
        grade_order=order,
        grades=grades,
        probabilities=probabilities,
        cut_points=fit.cut_points,
        boundaries=boundaries,
        sigma=fit.model.sigma,
        cut_sd=tuple(float(sd) for sd in cut_sd),
        uncertainty_notes=notes,
        grade_step=fit.grade_step,
        anchored_grades=anchored,
        unanchored_grades=unanchored,
        anchor_checks=checks,
        inversions=inversions,
        model=model,
        fit_converged=fit.converged,
    )


# The grid on which the calibrated boundaries are found: this far past the outermost cuts, this fine.
_CROSSING_MARGIN = 10.0
_CROSSING_POINTS = 801


def _calibrated_cut_points(model: GradeModel, cuts: tuple[CutPoint, ...], se: float) -> tuple[CutPoint, ...]:
    """Each boundary where a student's calibrated probability of the upper grade or above crosses 0.5, at the
    students' median SE: the calibration layer moves where the probabilities change sides, and the published
    boundaries must agree with the grades (an essay above a boundary is more likely at or above its upper grade).
    A boundary the probabilities never cross on the grid keeps the model's value."""
    values = np.array([cut.value for cut in cuts])
    grid = np.linspace(values.min() - _CROSSING_MARGIN, values.max() + _CROSSING_MARGIN, _CROSSING_POINTS)
    rows = model.probabilities(grid, np.full(grid.shape[0], se))
    upper = at_least(rows)  # non-decreasing along the grid (monotone layer)
    moved = []
    for k, cut in enumerate(cuts):
        above = np.flatnonzero(upper[:, k] > 0.5)
        if above.size == 0 or above[0] == 0:
            moved.append(cut)
            continue
        i = int(above[0])
        low, high = upper[i - 1, k], upper[i, k]
        share = (0.5 - low) / (high - low) if high > low else 0.5
        moved.append(replace(cut, value=float(grid[i - 1] + share * (grid[i] - grid[i - 1]))))
    return tuple(moved)


def _placement_notes(
    theta: FloatArray,
    anchor_index: npt.NDArray[np.int64],
    cut_points: tuple[CutPoint, ...],
    cut_sd: FloatArray,
    grade_step: float,
    n_anchored: int,
    options: GradeProjectionOptions,
) -> tuple[str, ...]:
    """Why the grades are uncertain, when the anchors cannot place the cut points well (the distributions are
    already wider for it: this only says why)."""
    notes = []
    n_grades = len(cut_points) + 1
    if 2 * n_anchored < n_grades:
        notes.append(f"only {n_anchored} of {n_grades} grades have anchors, so the grade boundaries are placed roughly")
    students = np.setdiff1d(np.arange(theta.shape[0]), anchor_index)
    low, high = float(theta[anchor_index].min()) - grade_step, float(theta[anchor_index].max()) + grade_step
    beyond = int(np.count_nonzero((theta[students] < low) | (theta[students] > high)))
    if beyond:
        notes.append(f"{beyond} essay(s) lie more than a grade beyond the outermost anchors")
    rough = [
        f"{cut.lower_grade}|{cut.upper_grade} (SD {sd:.2f} logits)"
        for cut, sd in zip(cut_points, cut_sd, strict=True)
        if sd > options.uncertain_cut_sd * grade_step
    ]
    if rough:
        notes.append("the anchors place these boundaries only roughly: " + ", ".join(rough))
    return tuple(notes)


def confidence_label(confidence: float, options: GradeProjectionOptions) -> ConfidenceLabel:
    if confidence >= options.high_confidence:
        return "high"
    if confidence >= options.medium_confidence:
        return "medium"
    return "low"


def _validate_items(theta: FloatArray, se: FloatArray) -> None:
    if theta.ndim != 1 or theta.shape != se.shape:
        raise ValueError(f"theta and se must be 1-D arrays of one length, got {theta.shape} and {se.shape}")
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(se))):
        raise ValueError("theta and se must be finite")
    if np.any(se < 0):
        raise ValueError("standard errors must be >= 0")


def _item_grades(
    probabilities: FloatArray, order: tuple[str, ...], known: Mapping[int, str], options: GradeProjectionOptions
) -> tuple[ItemGrade, ...]:
    mode = np.argmax(probabilities, axis=1)  # first maximum: ties go to the lower grade
    confidence = probabilities[np.arange(probabilities.shape[0]), mode]
    expected = probabilities @ np.arange(len(order), dtype=np.float64)
    nearest = np.clip(np.floor(expected + 0.5), 0, len(order) - 1).astype(np.int64)
    return tuple(
        ItemGrade(
            index=i,
            probabilities=dict(zip(order, (float(p) for p in row), strict=True)),
            most_likely_grade=order[int(mode[i])],
            confidence=float(confidence[i]),
            confidence_label=confidence_label(float(confidence[i]), options),
            expected_index=float(expected[i]),
            expected_grade=order[int(nearest[i])],
            known_grade=known.get(i),
        )
        for i, row in enumerate(probabilities)
    )


def _anchor_checks(
    grades: tuple[ItemGrade, ...], known: Mapping[int, str], order: tuple[str, ...], max_steps: int
) -> tuple[AnchorCheck, ...]:
    checks = []
    for index, grade in known.items():
        item = grades[index]
        steps = order.index(item.most_likely_grade) - order.index(grade)
        checks.append(
            AnchorCheck(
                index=index,
                known_grade=grade,
                projected_grade=item.most_likely_grade,
                step_difference=steps,
                probability_of_known_grade=item.probabilities[grade],
                inconsistent=abs(steps) > max_steps,
            )
        )
    return tuple(checks)


def _inversions(
    theta: FloatArray, se: FloatArray, known: Mapping[int, str], order: tuple[str, ...]
) -> tuple[AnchorInversion, ...]:
    found = []
    for low, low_grade in known.items():
        for high, high_grade in known.items():
            if order.index(low_grade) < order.index(high_grade) and theta[low] > theta[high]:
                gap = float(theta[low] - theta[high])
                combined = math.hypot(float(se[low]), float(se[high]))
                found.append(
                    AnchorInversion(
                        lower_grade_index=low,
                        lower_grade=low_grade,
                        lower_grade_theta=float(theta[low]),
                        higher_grade_index=high,
                        higher_grade=high_grade,
                        higher_grade_theta=float(theta[high]),
                        z=gap / combined if combined > 0 else math.inf,
                    )
                )
    return tuple(found)


def _summary(
    scale: GradeScale,
    n_anchors: int,
    anchored: tuple[str, ...],
    unanchored: tuple[str, ...],
    checks: tuple[AnchorCheck, ...],
    inversions: tuple[AnchorInversion, ...],
    max_steps: int,
) -> str:
    parts = [f"grades on {scale.name} from {n_anchors} anchors in grades {', '.join(anchored)}"]
    if unanchored:
        parts.append(f"no anchor for {', '.join(unanchored)}: those cut points are interpolated or extrapolated")
    if inversions:
        parts.append(f"{len(inversions)} anchor pair(s) out of grade order")
    inconsistent = [c for c in checks if c.inconsistent]
    if inconsistent:
        parts.append(f"{len(inconsistent)} anchor(s) projected more than {max_steps} step(s) from their known grade")
    return "; ".join(parts)
