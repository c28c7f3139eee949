"""A calibration layer over the grade posterior: monotone maps of "at least grade k", fitted on simulations.

The joint posterior (:mod:`cj_engine.grade_posterior`, on the grade fit) still states the **open-ended grades**
(the lowest and the highest of the scale) far too surely: on simulated batches a student's probability of
0.8 for an open-ended grade came true about two times in three, one of 0.55 about three times in ten, and
those grades got about 1.8 times their real share of the probability mass, while the interior grades were
stated too unsurely. With the true abilities in place of the fitted ones the same cut-point model is
calibrated, and the fitted thetas' errors are larger than their Laplace SEs when the judge lapses (z-scores
of SD 1.2-1.4 with 5 % lapses, 1.0 without, on random pairs), so the excess comes from the theta posterior
under lapses; until the model carries that (posterior draws instead of the Laplace approximation), this
layer corrects what it states. The issue allows a calibration step on top of the model if it is validated on
settings it was not fitted on: bench-cj's calibration section is that validation.

What is calibrated is each statement "the essay is at least grade k" (the cumulative probability P(>= k),
k = 1..K-1, the quantity a grade boundary decides), seen from its nearer end of the scale: P(>= k) for the
upper half, P(< k) for the lower half. Statements at the same distance from their end share one monotone
map (``maps[d]``: d = 0 for the open-ended grades' own boundaries, 1 for the next, and so on; farther
boundaries use the last map), fitted by isotonic regression of what came true on what was stated. The
calibrated cumulative probabilities are then made non-increasing in k (a running minimum) and differenced back
into a distribution. Every step is monotone, so the layer keeps the projection's order: a higher theta never
makes a higher grade less likely.

The fitted maps (``grade_calibration_table.FITTED``) come from ``scripts/bench/fit_grade_calibration.py``
(simulated settings of its own: batch sizes, judges, lapse rates, position biases and ability spreads that
bench-cj's calibration section does not use), one set per scale length fitted: six grades (Swedish F-A), nine
(1-9) and ten (ENG5 NP). A scale uses the set fitted on the nearest number of grades (``ScaleCalibrations``):
over the same spread of abilities more grades are narrower, and the six-grade maps, which lift the interior
grades, overstated them on nine and ten grades (bench-cj --calibration-scales). Only students are calibrated: an
anchor's row stays the model's, because the anchor check compares it with the anchor's known grade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression

from cj_engine.types import FloatArray

__all__ = ["GradeCalibration", "MonotoneMap", "ScaleCalibrations", "at_least", "fit_grade_calibration"]

# Knots of a fitted map: the isotonic fit is averaged over quantile bins of the stated probability, so each
# knot rests on about 1/_KNOTS of the data and the map is smooth between them.
_KNOTS = 24
_MIN_KNOT = 1e-3


@dataclass(frozen=True)
class MonotoneMap:
    """A non-decreasing piecewise-linear map of [0, 1] into [0, 1] (fitted maps run through (0, 0) and (1, 1))."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        x, y = np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64)
        if x.ndim != 1 or x.shape != y.shape or x.shape[0] < 2:
            raise ValueError("a map needs x and y of one length, at least 2")
        if x[0] != 0.0 or x[-1] != 1.0 or y[0] < 0.0 or y[-1] > 1.0:
            raise ValueError("a map must cover x from 0 to 1 with y in [0, 1]")
        if np.any(np.diff(x) <= 0.0) or np.any(np.diff(y) < 0.0):
            raise ValueError("a map needs increasing x and non-decreasing y")

    def __call__(self, p: FloatArray) -> FloatArray:
        return np.asarray(np.interp(p, self.x, self.y), dtype=np.float64)

    @classmethod
    def identity(cls) -> MonotoneMap:
        return cls((0.0, 1.0), (0.0, 1.0))


@dataclass(frozen=True)
class GradeCalibration:
    """``maps[d]`` calibrates the boundaries ``d`` steps in from their end of the scale (see the module)."""

    maps: tuple[MonotoneMap, ...]

    def __post_init__(self) -> None:
        if not self.maps:
            raise ValueError("a calibration needs at least one map")

    def apply(self, probabilities: FloatArray) -> FloatArray:
        """Calibrated rows of an (essays x grades) matrix of probabilities, lowest grade first."""
        p = np.asarray(probabilities, dtype=np.float64)
        if p.ndim != 2:
            raise ValueError(f"probabilities must be a 2-D matrix, got shape {p.shape}")
        if p.shape[0] == 0 or p.shape[1] < 2:
            return p.copy()
        cumulative = at_least(p)
        calibrated = np.empty_like(cumulative)
        for column, (distance, upper) in enumerate(_boundaries(p.shape[1])):
            mapping = self.maps[min(distance, len(self.maps) - 1)]
            stated = cumulative[:, column]
            calibrated[:, column] = mapping(stated) if upper else 1.0 - mapping(1.0 - stated)
        return _distribution(np.minimum.accumulate(calibrated, axis=1))

    def for_scale(self, n_grades: int) -> GradeCalibration:
        """The layer for a scale of ``n_grades`` grades: this one, whatever the scale (see ``ScaleCalibrations``)."""
        return self


@dataclass(frozen=True)
class ScaleCalibrations:
    """Calibrations fitted on scales of different lengths, ``(number of grades, calibration)``; a scale uses the
    one fitted on the nearest number of grades (the shorter on a tie)."""

    by_grades: tuple[tuple[int, GradeCalibration], ...]

    def __post_init__(self) -> None:
        lengths = [n for n, _ in self.by_grades]
        if not lengths or len(set(lengths)) != len(lengths) or min(lengths) < 2:
            raise ValueError("need at least one calibration, one per number of grades (>= 2)")

    def for_scale(self, n_grades: int) -> GradeCalibration:
        return min(self.by_grades, key=lambda item: (abs(item[0] - n_grades), item[0]))[1]


def at_least(p: FloatArray) -> FloatArray:
    """P(grade >= k) for k = 1..K-1, one column each."""
    return np.cumsum(p[:, ::-1], axis=1)[:, ::-1][:, 1:]


def _distribution(cumulative: FloatArray) -> FloatArray:
    n = cumulative.shape[0]
    bounded = np.hstack([np.ones((n, 1)), cumulative, np.zeros((n, 1))])
    return np.maximum(-np.diff(bounded, axis=1), 0.0)


def _boundaries(n_grades: int) -> list[tuple[int, bool]]:
    """Per boundary k = 1..K-1: (steps from its nearer end, whether that end is the top)."""
    return [(min(k - 1, n_grades - 1 - k), 2 * k > n_grades - 1) for k in range(1, n_grades)]


def _isotonic_map(stated: FloatArray, observed: FloatArray) -> MonotoneMap:
    """The isotonic regression of ``observed`` (0/1) on ``stated``, averaged over quantile bins of ``stated``."""
    edges = np.unique(np.quantile(stated, np.linspace(0.0, 1.0, _KNOTS + 1)))
    bins = np.clip(np.searchsorted(edges, stated, side="right") - 1, 0, max(edges.shape[0] - 2, 0))
    xs, ys, weights = [], [], []
    for b in np.unique(bins):
        members = bins == b
        xs.append(float(stated[members].mean()))
        ys.append(float(observed[members].mean()))
        weights.append(float(members.sum()))
    fitted = isotonic_regression(np.asarray(ys), weights=np.asarray(weights)).x
    # Knots below _MIN_KNOT carry nothing a line from (0, 0) does not (those probabilities are all but zero).
    keep = [i for i, x in enumerate(xs) if _MIN_KNOT < x < 1.0]
    x = np.concatenate([[0.0], np.asarray(xs)[keep], [1.0]])
    y = np.clip(np.concatenate([[0.0], fitted[keep], [1.0]]), 0.0, 1.0)
    x, unique = np.unique(x, return_index=True)
    return MonotoneMap(tuple(float(v) for v in x), tuple(float(v) for v in np.maximum.accumulate(y[unique])))


def fit_grade_calibration(probabilities: Sequence[FloatArray], truth: Sequence[np.ndarray]) -> GradeCalibration:
    """The maps that make ``probabilities`` (one matrix per batch, students only, one scale) say what ``truth``
    (each student's true grade index) shows: one isotonic map per distance of a boundary from its end."""
    p = np.concatenate([np.asarray(rows, dtype=np.float64) for rows in probabilities])
    t = np.concatenate([np.asarray(grades, dtype=np.int64) for grades in truth])
    if p.ndim != 2 or p.shape[0] != t.shape[0] or p.shape[1] < 2:
        raise ValueError("need (students x grades) probabilities with at least 2 grades and one truth per student")
    cumulative = at_least(p)
    boundaries = _boundaries(p.shape[1])
    maps = []
    for distance in range(max(d for d, _ in boundaries) + 1):
        stated, observed = [], []
        for column, (d, upper) in enumerate(boundaries):
            if d != distance:
                continue
            came_true = (t >= column + 1).astype(np.float64)
            stated.append(cumulative[:, column] if upper else 1.0 - cumulative[:, column])
            observed.append(came_true if upper else 1.0 - came_true)
        maps.append(_isotonic_map(np.concatenate(stated), np.concatenate(observed)))
    return GradeCalibration(tuple(maps))
