"""The simulator and the assessment loop: judges, batches, accuracy measures, and the loop's bookkeeping."""

import numpy as np
import pytest

from cj_engine.graph import comparisons_per_item
from cj_engine.planner import PlannedPair, PlannerConfig
from cj_engine.simulation import (
    JudgeModel,
    LoopConfig,
    accuracy,
    judge_pairs,
    run_assessment,
    simulate_batch,
)
from cj_engine.stopping import StoppingConfig, StopReason
from common_core.grade_scales import get_grade_scale


def test_judge_probabilities():
    judge = JudgeModel(discrimination=1.0, position_bias=0.0, lapse_rate=0.0)
    assert judge.p_first_wins(np.array([0.0]), np.array([0.0]))[0] == pytest.approx(0.5)
    assert judge.p_first_wins(np.array([1.0]), np.array([0.0]))[0] == pytest.approx(1 / (1 + np.exp(-1.0)))
    coin = JudgeModel(discrimination=0.0, position_bias=0.0, lapse_rate=0.0)
    assert coin.p_first_wins(np.array([5.0]), np.array([-5.0]))[0] == pytest.approx(0.5)
    biased = JudgeModel(discrimination=0.0, position_bias=0.3, lapse_rate=0.0)
    assert biased.p_first_wins(np.array([0.0]), np.array([0.0]))[0] == pytest.approx(1 / (1 + np.exp(-0.3)))
    always_lapse = JudgeModel(discrimination=5.0, position_bias=2.0, lapse_rate=1.0)
    assert always_lapse.p_first_wins(np.array([3.0]), np.array([0.0]))[0] == pytest.approx(0.5)


def test_judged_outcomes_follow_the_judge_model():
    judge = JudgeModel(discrimination=1.0, position_bias=0.3, lapse_rate=0.05)
    theta = np.array([0.5, 0.0])
    comparisons = judge_pairs([PlannedPair(0, 1)] * 20000, theta, judge, np.random.default_rng(0))
    share = np.mean([c.first_won for c in comparisons])
    assert share == pytest.approx(judge.p_first_wins(theta[[0]], theta[[1]])[0], abs=0.01)


def test_simulated_batches_have_anchors_of_distinct_true_grades():
    scale = get_grade_scale("swedish_f_a")
    batch = simulate_batch(60, seed=3, scale=scale)
    assert batch.n_items == 60
    assert len(batch.anchors) == len(scale.all_grades)
    assert len(set(batch.anchors.values())) == len(batch.anchors)
    for index, grade in batch.anchors.items():
        assert batch.true_grades[index] == grade
    order = scale.all_grades
    ranks = np.array([order.index(g) for g in batch.true_grades])
    assert np.all(np.diff(ranks[np.argsort(batch.true_theta)]) >= 0)  # grades rise with ability
    again = simulate_batch(60, seed=3, scale=scale)
    assert np.array_equal(again.true_theta, batch.true_theta)
    assert again.anchors == batch.anchors
    small = simulate_batch(10, seed=1)
    assert len(small.anchors) == 2  # a fifth of the items
    assert {small.true_grades[i] for i in small.anchors} >= {small.true_grades[int(np.argmin(small.true_theta))]}
    assert simulate_batch(10, seed=1, n_anchors=0).anchors == {}


def test_accuracy_measures():
    theta = np.array([-1.0, 0.0, 0.5, 2.0])
    perfect = accuracy(3.0 * theta + 1.0, theta)  # any increasing linear map is perfect recovery
    assert perfect.spearman == pytest.approx(1.0)
    assert perfect.kendall == pytest.approx(1.0)
    assert perfect.true_reliability == pytest.approx(1.0)
    assert perfect.rmse == pytest.approx(0.0, abs=1e-12)
    reversed_ = accuracy(-theta, theta)
    assert reversed_.spearman == pytest.approx(-1.0)
    assert reversed_.true_reliability == pytest.approx(1.0)  # squared correlation: the sign is lost
    flat = accuracy(np.zeros(4), theta)
    assert (flat.spearman, flat.true_reliability) == (0.0, 0.0)
    assert flat.rmse == pytest.approx(np.std(theta))


def test_a_run_is_reproducible_and_its_records_are_consistent():
    batch = simulate_batch(24, seed=5)
    config = LoopConfig(stopping=StoppingConfig(max_comparisons_per_item=12))
    run = run_assessment(batch, JudgeModel(), config, seed=5)
    again = run_assessment(batch, JudgeModel(), config, seed=5)
    assert run.comparisons == again.comparisons
    assert run.metrics == again.metrics
    totals = [w.total_comparisons for w in run.waves]
    assert totals == sorted(totals)
    assert len(run.comparisons) == totals[-1]
    assert run.stop_wave == len(run.waves) - 1
    assert run.waves[-1].decision.reason is run.metrics.stop_reason
    assert all(w.decision.reason is None for w in run.waves[:-1])
    assert run.metrics.max_comparisons_per_item <= 12
    assert run.metrics.total_comparisons == totals[-1]
    # The marginal reliability is computed once every item has the minimum number of comparisons.
    minimum = config.stopping.min_comparisons_per_item
    fewest = [int(comparisons_per_item(24, run.comparisons[: w.total_comparisons]).min()) for w in run.waves]
    assert [w.reliability is not None for w in run.waves] == [k >= minimum for k in fewest]
    assert run.waves[0].reliability is None
    assert run.waves[-1].reliability is not None


def test_continuing_past_the_stop_does_not_change_what_was_reported_at_the_stop():
    batch = simulate_batch(30, seed=8)
    stopped = run_assessment(batch, JudgeModel(), LoopConfig(), seed=8)
    continued = run_assessment(batch, JudgeModel(), LoopConfig(continue_after_stop=True), seed=8)
    assert continued.metrics == stopped.metrics
    assert continued.stop_wave == stopped.stop_wave
    assert len(continued.waves) > len(stopped.waves)
    assert continued.comparisons[: len(stopped.comparisons)] == stopped.comparisons
    assert continued.waves[-1].comparisons_per_item == pytest.approx(20.0)


def test_a_small_budget_ends_the_run_with_budget_exhausted():
    batch = simulate_batch(20, seed=2)
    run = run_assessment(batch, JudgeModel(), LoopConfig(stopping=StoppingConfig(max_comparisons_per_item=4)), seed=2)
    assert run.metrics.stop_reason is StopReason.BUDGET_EXHAUSTED
    assert run.metrics.comparisons_per_item == pytest.approx(4.0)
    assert run.metrics.reliability == 0.0  # never computed: 4 comparisons per item is below the minimum
    assert run.metrics.random_split_half is None


def test_diagnostics_add_split_half_at_the_stop():
    batch = simulate_batch(30, seed=6)
    run = run_assessment(batch, JudgeModel(), LoopConfig(diagnostics=True), seed=6)
    assert run.metrics.random_split_half is not None
    assert 0.0 <= run.metrics.random_split_half <= 1.0


def test_the_loop_stops_on_the_marginal_reliability_after_two_waves_above_the_target():
    batch = simulate_batch(30, seed=9)
    run = run_assessment(batch, JudgeModel(discrimination=2.0), LoopConfig(), seed=9)
    m = run.metrics
    assert m.stop_reason is StopReason.RELIABILITY_REACHED
    last_two = [w.reliability for w in run.waves[-2:]]
    assert all(r is not None and r >= 0.8 for r in last_two)
    assert m.reliability == last_two[-1]
    assert all(w.reliability is None for w in run.waves if w.comparisons_per_item < 6)


def test_without_anchors_there_is_no_grade_accuracy():
    batch = simulate_batch(20, seed=4, n_anchors=0)
    config = LoopConfig(stopping=StoppingConfig(max_comparisons_per_item=4), planner=PlannerConfig(adaptive=False))
    run = run_assessment(batch, JudgeModel(), config, seed=4)
    assert run.metrics.grade_exact is None
    assert run.metrics.grade_adjacent is None


def test_a_batch_needs_two_items():
    with pytest.raises(ValueError, match="at least 2"):
        simulate_batch(1, seed=0)
