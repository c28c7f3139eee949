"""Agreement between rankings and grades: pure functions over plain values (scipy for both coefficients).

Kendall's tau is tau-b (ties in either order count against neither), Spearman's rho is on ranks. Grades
agree *exactly* when equal and *adjacently* when at most one step apart on the scale (so exact
agreement counts as adjacent too).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from common_core.grade_scales import GradeScale


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def kendall_tau(first: Sequence[float], second: Sequence[float]) -> float | None:
    """tau-b between two paired sequences; None with fewer than two pairs or no variation."""
    if len(first) != len(second):
        raise ValueError("kendall_tau needs two sequences of the same length")
    if len(first) < 2:
        return None
    return _finite(stats.kendalltau(first, second).statistic)


def spearman_rho(first: Sequence[float], second: Sequence[float]) -> float | None:
    if len(first) != len(second):
        raise ValueError("spearman_rho needs two sequences of the same length")
    if len(first) < 2:
        return None
    return _finite(stats.spearmanr(first, second).statistic)


@dataclass(frozen=True)
class GradeAgreement:
    compared: int
    exact: float | None  # share of essays with the same grade
    adjacent: float | None  # share at most one step apart


def grade_agreement(first: Sequence[str], second: Sequence[str], scale: GradeScale) -> GradeAgreement:
    if len(first) != len(second):
        raise ValueError("grade_agreement needs two sequences of the same length")
    if not first:
        return GradeAgreement(0, None, None)
    steps = [abs(scale.rank(a) - scale.rank(b)) for a, b in zip(first, second, strict=True)]
    return GradeAgreement(
        compared=len(steps),
        exact=sum(s == 0 for s in steps) / len(steps),
        adjacent=sum(s <= 1 for s in steps) / len(steps),
    )


@dataclass(frozen=True)
class Inversion:
    """Two anchors the scale puts in the opposite order of their known grades."""

    lower: str  # the anchor with the lower known grade ...
    higher: str  # ... scored above this one with a higher known grade


def inversions(known: Mapping[str, str], scores: Mapping[str, float], scale: GradeScale) -> list[Inversion]:
    """Every pair whose known grades are ordered one way and whose scores the other (equal grades never)."""
    labels = sorted(known, key=lambda label: (scale.rank(known[label]), label))
    found = []
    for i, low in enumerate(labels):
        for high in labels[i + 1 :]:
            if scale.rank(known[low]) < scale.rank(known[high]) and scores[low] > scores[high]:
                found.append(Inversion(lower=low, higher=high))
    return found


def anchor_tau(known: Mapping[str, str], scores: Mapping[str, float], scale: GradeScale) -> float | None:
    """Kendall tau between the anchors' known grade order and their score order."""
    labels = sorted(known)
    return kendall_tau([scale.rank(known[label]) for label in labels], [scores[label] for label in labels])


@dataclass(frozen=True)
class PositionBias:
    """How often the essay shown first won, among answered comparisons."""

    answered: int
    first_wins: int
    second_wins: int

    @property
    def first_win_rate(self) -> float | None:
        return self.first_wins / self.answered if self.answered else None


def position_bias(winners: Sequence[str | None]) -> PositionBias:
    """``winners``: per comparison, "first", "second", or None when it was not answered."""
    first = sum(w == "first" for w in winners)
    second = sum(w == "second" for w in winners)
    return PositionBias(answered=first + second, first_wins=first, second_wins=second)
