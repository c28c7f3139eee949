"""Invariants of the Bradley-Terry fit on arbitrary small data sets (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.types import Comparison, FitOptions

ATOL = 1e-6


@st.composite
def data_sets(draw: st.DrawFn) -> tuple[int, list[Comparison]]:
    """2-7 items and up to 30 comparisons: often sparse, disconnected or perfectly separated."""
    n = draw(st.integers(min_value=2, max_value=7))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(1, n - 1), st.booleans())
    comparisons = [
        Comparison(first, (first + offset) % n, first if first_won else (first + offset) % n)
        for first, offset, first_won in draw(st.lists(pairs, max_size=30))
    ]
    return n, comparisons


def swap_outcome(c: Comparison) -> Comparison:
    """Same positions, the other item wins."""
    return Comparison(c.first, c.second, c.loser, c.weight)


def swap_outcome_and_positions(c: Comparison) -> Comparison:
    """The other item wins and the two are shown in the other order: the first-shown item's fate is kept."""
    return Comparison(c.second, c.first, c.loser, c.weight)


@settings(max_examples=60, deadline=None)
@given(data=data_sets(), order_seed=st.integers(0, 2**32 - 1))
def test_theta_does_not_depend_on_the_order_of_comparisons(data: tuple[int, list[Comparison]], order_seed: int) -> None:
    n, comparisons = data
    shuffled = [comparisons[i] for i in np.random.default_rng(order_seed).permutation(len(comparisons))]
    a, b = fit_bradley_terry(n, comparisons), fit_bradley_terry(n, shuffled)
    np.testing.assert_allclose(a.theta, b.theta, atol=ATOL)
    np.testing.assert_allclose(a.se, b.se, atol=ATOL)
    assert abs(a.position_effect - b.position_effect) < ATOL


@settings(max_examples=60, deadline=None)
@given(data=data_sets())
def test_swapping_winners_negates_theta(data: tuple[int, list[Comparison]]) -> None:
    n, comparisons = data
    flipped = [swap_outcome(c) for c in comparisons]

    # Without a position effect the likelihood depends on winner and loser only: theta -> -theta.
    no_position = FitOptions(estimate_position=False)
    np.testing.assert_allclose(
        fit_bradley_terry(n, flipped, no_position).theta,
        -fit_bradley_terry(n, comparisons, no_position).theta,
        atol=ATOL,
    )

    # With positions kept, "first won" flips too, so gamma must change sign along with theta.
    original, swapped = fit_bradley_terry(n, comparisons), fit_bradley_terry(n, flipped)
    np.testing.assert_allclose(swapped.theta, -original.theta, atol=ATOL)
    assert abs(swapped.position_effect + original.position_effect) < ATOL

    # Swapping the positions as well keeps every "first won" flag: theta flips, gamma stays.
    mirrored = fit_bradley_terry(n, [swap_outcome_and_positions(c) for c in comparisons])
    np.testing.assert_allclose(mirrored.theta, -original.theta, atol=ATOL)
    assert abs(mirrored.position_effect - original.position_effect) < ATOL


@settings(max_examples=80, deadline=None)
@given(data=data_sets(), estimate_position=st.booleans())
def test_fit_is_finite_centred_with_positive_ses(data: tuple[int, list[Comparison]], estimate_position: bool) -> None:
    n, comparisons = data
    fit = fit_bradley_terry(n, comparisons, FitOptions(estimate_position=estimate_position))
    assert fit.converged
    assert np.all(np.isfinite(fit.theta))
    assert np.all(np.isfinite(fit.se))
    assert np.all(fit.se > 0)
    assert abs(float(fit.theta.sum())) < ATOL
    assert 0.0 <= fit.ssr <= 1.0
    assert 1 <= fit.n_components <= n
    assert int(fit.comparisons_per_item.sum()) == 2 * len(comparisons)
    assert np.isfinite(fit.position_effect)
    assert (fit.position_se > 0) == estimate_position
