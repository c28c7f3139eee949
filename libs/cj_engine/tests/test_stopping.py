"""The stopping rule on hand-built states: each reason fires when it should and not otherwise."""

import numpy as np
import pytest

from cj_engine.stopping import (
    StoppingConfig,
    StoppingState,
    StopReason,
    decide,
    theta_changes,
)

CONFIG = StoppingConfig(
    reliability_target=0.80,
    reliability_waves=2,
    min_comparisons_per_item=6,
    stable_delta=0.1,
    stable_waves=3,
    stable_min_reliability=0.7,
    max_comparisons_per_item=20,
    max_total_comparisons=None,
)
THETA = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def state(*, counts=8, reliability=0.5, reliabilities=None, history=(), total=20, useful=10, n=5):
    """A state after a few waves; by default the reliability was the same after the last two."""
    per_item = np.full(n, counts, dtype=np.int64) if np.isscalar(counts) else np.asarray(counts, dtype=np.int64)
    return StoppingState(
        comparisons_per_item=per_item,
        total_comparisons=total,
        reliability_history=[reliability, reliability] if reliabilities is None else reliabilities,
        theta_history=list(history),
        useful_pairs_left=useful,
    )


def settling(steps, size):
    """A theta history whose consecutive waves differ by at most ``size`` over ``steps`` transitions."""
    return [THETA + size * (-1) ** k for k in range(steps + 1)]


def test_continue_when_nothing_holds():
    decision = decide(state(), CONFIG)
    assert decision.reason is None
    assert not decision.stop


def test_reliability_reached_needs_the_target_and_the_minimum_comparisons():
    assert decide(state(reliability=0.80), CONFIG).reason is StopReason.RELIABILITY_REACHED
    assert decide(state(reliability=0.79), CONFIG).reason is None
    assert decide(state(reliability=0.95, counts=[8, 8, 5, 8, 8]), CONFIG).reason is None
    assert decide(state(reliability=None), CONFIG).reason is None


def test_reliability_must_hold_for_the_last_reliability_waves():
    assert decide(state(reliabilities=[0.6, 0.85]), CONFIG).reason is None  # one crossing may be noise
    assert decide(state(reliabilities=[None, 0.85]), CONFIG).reason is None
    assert decide(state(reliabilities=[0.85]), CONFIG).reason is None
    assert decide(state(reliabilities=[0.5, 0.81, 0.85]), CONFIG).reason is StopReason.RELIABILITY_REACHED
    single = StoppingConfig(reliability_waves=1)
    assert decide(state(reliabilities=[0.6, 0.85]), single).reason is StopReason.RELIABILITY_REACHED


def test_stable_needs_small_changes_for_k_waves_and_a_reliability_floor():
    assert decide(state(reliability=0.72, history=settling(3, 0.04)), CONFIG).reason is StopReason.STABLE
    # Too few waves of small change, or one change too big: not yet.
    assert decide(state(reliability=0.72, history=settling(2, 0.04)), CONFIG).reason is None
    moving = [*settling(3, 0.04)[:-1], THETA + 0.2]
    assert decide(state(reliability=0.72, history=moving), CONFIG).reason is None
    # Estimates that stopped moving on noise (MAP-shrunk thetas barely change) do not stop the run.
    assert decide(state(reliability=0.3, history=settling(5, 0.001)), CONFIG).reason is None
    assert decide(state(reliability=None, history=settling(5, 0.001)), CONFIG).reason is None
    assert decide(state(reliability=0.72, history=settling(3, 0.04), counts=5), CONFIG).reason is None


def test_budget_exhausted_by_the_per_item_cap_or_the_total():
    assert decide(state(counts=20), CONFIG).reason is StopReason.BUDGET_EXHAUSTED
    assert decide(state(counts=[20, 20, 20, 20, 19]), CONFIG).reason is StopReason.BUDGET_EXHAUSTED  # no pair
    assert decide(state(counts=[20, 20, 20, 19, 19]), CONFIG).reason is None
    capped_total = StoppingConfig(max_total_comparisons=40, max_comparisons_per_item=None)
    assert decide(state(total=40), capped_total).reason is StopReason.BUDGET_EXHAUSTED
    assert decide(state(total=39), capped_total).reason is None


def test_no_useful_pair_left():
    assert decide(state(useful=0), CONFIG).reason is StopReason.NO_USEFUL_PAIR_LEFT
    assert decide(state(useful=1), CONFIG).reason is None


def test_reliability_reached_takes_precedence_over_the_budget():
    decision = decide(state(reliability=0.9, counts=20, useful=0), CONFIG)
    assert decision.reason is StopReason.RELIABILITY_REACHED
    assert "0.900" in decision.detail


def test_theta_changes_are_the_largest_absolute_moves():
    assert theta_changes([THETA, THETA + np.array([0, 0, 0.3, 0, -0.5]), THETA]) == pytest.approx([0.5, 0.5])
    assert theta_changes([THETA]) == []


def test_config_validation():
    with pytest.raises(ValueError, match="reliability_target"):
        StoppingConfig(reliability_target=0.0)
    with pytest.raises(ValueError, match="stable_waves"):
        StoppingConfig(stable_waves=0)
