"""Per-essay results from the pooled fit and the grade projection (ARCHITECTURE §3). No I/O."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cj_assessment_service.domain.cj_loop import normalized_score
from cj_engine.grades import DEFAULT_OPTIONS, GradeProjection, confidence_label, project_grades
from cj_engine.types import FitResult
from common_core.events.cj_assessment import EssayResult, GradeCutPoint
from common_core.grade_scales import GradeScale


@dataclass(frozen=True)
class Item:
    """An essay in a job, at its engine index."""

    index: int
    essay_id: uuid.UUID
    is_anchor: bool
    known_grade: str | None
    anchor_label: str | None = None


@dataclass(frozen=True)
class JobResults:
    results: list[EssayResult]
    projection: GradeProjection
    cut_points: list[GradeCutPoint]  # empty without grades


def _score_confidence(se: float, theta: np.ndarray, ses: np.ndarray) -> float:
    """Without grades: how much of this essay's score variance is signal (an item-level reliability, 0-1)."""
    total = float(np.var(theta) + np.mean(ses**2))
    if total <= 0.0:
        return 0.0
    return float(max(0.0, min(1.0, 1.0 - se**2 / total)))


def build_results(
    items: Sequence[Item], fit: FitResult, scale: GradeScale, grade_fit: FitResult | None = None
) -> JobResults:
    """Rank, score, grade and confidence of every essay, anchors included (and graded) like students.

    Rank, score and SE come from ``fit`` (the ranking fit). Grades come from ``grade_fit``
    (``cj_engine.grade_fit.fit_for_grades``, as ``service_layer.fits`` fits: estimated prior SD and lapses,
    with the covariance, so each student's grade takes its theta jointly with the anchors'), or from ``fit``
    without it; the published cut points are then mapped onto ``fit``'s scale.
    """
    anchors = {item.index: item.known_grade for item in items if item.is_anchor and item.known_grade}
    graded_on = grade_fit if grade_fit is not None else fit
    projection = project_grades(graded_on.theta, graded_on.se, anchors, scale, covariance=graded_on.covariance)
    inconsistent = {check.index for check in projection.inconsistent_anchors}
    order = sorted(items, key=lambda item: (-float(fit.theta[item.index]), item.index))
    rank_of = {item.index: rank for rank, item in enumerate(order, start=1)}
    results: list[EssayResult] = []
    for item in items:
        theta, se = float(fit.theta[item.index]), float(fit.se[item.index])
        if projection.grades is not None:
            graded = projection.grades[item.index]
            grade: str | None = graded.most_likely_grade
            probabilities = _normalised(graded.probabilities)
            confidence = graded.confidence
            label = graded.confidence_label
        else:
            grade, probabilities = None, {}
            confidence = _score_confidence(se, fit.theta, fit.se)
            label = confidence_label(confidence, DEFAULT_OPTIONS)
        results.append(
            EssayResult(
                essay_id=item.essay_id,
                is_anchor=item.is_anchor,
                rank=rank_of[item.index],
                bt_score=theta,
                standard_error=se,
                normalized_score=normalized_score(theta),
                grade=grade,
                grade_probabilities=probabilities,
                confidence=round(min(1.0, max(0.0, confidence)), 6),
                confidence_label=label,
                comparison_count=int(fit.comparisons_per_item[item.index]),
                known_grade=item.known_grade if item.is_anchor else None,
                anchor_inconsistent=(item.index in inconsistent) if item.is_anchor else None,
                anchor_label=item.anchor_label if item.is_anchor else None,
            )
        )
    scale_factor = 1.0 if grade_fit is None else _scale_between(grade_fit.theta, fit.theta)
    return JobResults(results=results, projection=projection, cut_points=_cut_points(projection, scale_factor))


def _scale_between(source: np.ndarray, target: np.ndarray) -> float:
    """The least-squares factor taking the grade fit's (centred) thetas onto the ranking fit's: the two fits
    differ by their shrinkage and lapses, which stretch the scale nearly uniformly."""
    denominator = float(np.dot(source, source))
    return float(np.dot(source, target)) / denominator if denominator > 0.0 else 1.0


def _cut_points(projection: GradeProjection, scale_factor: float) -> list[GradeCutPoint]:
    # Cuts are published on the scale of bt_score: the ranking fit's (scale_factor maps the grade fit's onto it).
    # They are the boundaries where the calibrated probabilities change sides, so they agree with the grades.
    return [
        GradeCutPoint(
            lower_grade=cut.lower_grade,
            upper_grade=cut.upper_grade,
            bt_score=cut.value * scale_factor,
            boundary_sd=cut.extra_sd * scale_factor,
            source=cut.source.value,
        )
        for cut in projection.boundaries
    ]


def _normalised(probabilities: dict[str, float]) -> dict[str, float]:
    # The contract checks the sum to 1e-6; rounding noise from the projection is spread back.
    total = sum(probabilities.values())
    return {grade: p / total for grade, p in probabilities.items()} if total > 0 else probabilities
