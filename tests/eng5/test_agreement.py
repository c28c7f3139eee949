"""The agreement maths against values worked out by hand."""

from __future__ import annotations

import pytest

from common_core.grade_scales import get_grade_scale
from scripts.eng5.agreement import (
    Inversion,
    anchor_tau,
    grade_agreement,
    inversions,
    kendall_tau,
    position_bias,
    spearman_rho,
)

ENG5 = get_grade_scale("eng5_np")


def test_kendall_tau_of_identical_reversed_and_one_swap() -> None:
    assert kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # One discordant pair of six: (5 - 1) / 6.
    assert kendall_tau([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(4 / 6)


def test_spearman_rho_of_one_adjacent_swap() -> None:
    # 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 2 / 120 = 0.9
    assert spearman_rho([1, 2, 3, 4, 5], [1, 2, 3, 5, 4]) == pytest.approx(0.9)


def test_too_little_data_gives_none() -> None:
    assert kendall_tau([1], [1]) is None
    assert spearman_rho([], []) is None
    assert kendall_tau([1, 1, 1], [1, 2, 3]) is None  # no variation: undefined


def test_unequal_lengths_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="same length"):
        kendall_tau([1, 2], [1])


def test_grade_agreement_exact_and_adjacent() -> None:
    # C+/C+ exact; C-/C+ one step; E-/D- two steps; A/B one step.
    agreement = grade_agreement(["C+", "C-", "E-", "A"], ["C+", "C+", "D-", "B"], ENG5)
    assert agreement.compared == 4
    assert agreement.exact == pytest.approx(0.25)
    assert agreement.adjacent == pytest.approx(0.75)
    assert grade_agreement([], [], ENG5).exact is None


def test_inversions_list_pairs_scored_against_their_grades() -> None:
    known = {"a": "E+", "b": "C+", "c": "A", "d": "C+"}
    scores = {"a": 0.5, "b": 0.2, "c": 2.0, "d": 1.0}
    # a (E+) is above b (C+); b and d share a grade, so never an inversion.
    assert inversions(known, scores, ENG5) == [Inversion(lower="a", higher="b")]
    # Grade ranks (a, b, c, d) = (3, 7, 9, 7) against scores (0.5, 0.2, 2.0, 1.0): tau-b by scipy.
    assert anchor_tau(known, scores, ENG5) == pytest.approx(0.5477, abs=1e-4)


def test_position_bias_counts_answered_comparisons_only() -> None:
    bias = position_bias(["first", "second", "first", None, "first"])
    assert (bias.answered, bias.first_wins, bias.second_wins) == (4, 3, 1)
    assert bias.first_win_rate == pytest.approx(0.75)
    assert position_bias([]).first_win_rate is None
