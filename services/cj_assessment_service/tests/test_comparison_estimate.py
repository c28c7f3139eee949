"""Comparison bounds checked against the engine's own runs, and simulations of exactly the service's loop."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from cj_assessment_service.config import Settings
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_assessment_service.domain.comparison_estimate import (
    SimulatedRun,
    SimulationSpec,
    comparison_bounds,
    extended,
    scaled,
    simulate,
    typical_run,
    waves_for,
)
from cj_assessment_service.service_layer.deps import job_rules
from cj_assessment_service.service_layer.estimates import item_characters
from cj_engine.simulation import JudgeModel, LoopConfig, run_assessment, simulate_batch
from common_core.http.estimates import AssessmentEstimateRequest
from common_core.llm import BatchingMode

SETTINGS = Settings(HULEEDU_DEV_MODE=True, database_url="postgresql://unused/db")


def budget(per_essay: int = 10, target: float = 0.8) -> cj_loop.Budget:
    return cj_loop.Budget(per_essay, target, SETTINGS.min_comparisons_per_essay)


@pytest.mark.parametrize(
    ("n_items", "per_essay", "expected"),
    [
        (18, 10, (54, 90)),  # 6 each before a reliability stop; 10 each at most
        (3, 10, (6, 6)),  # three items meet each other at most twice: 4 each, whatever the budget
        (10, 4, (18, 20)),  # a budget under the minimum: the budget stop (9 items at 4) comes first
        (2, 10, (2, 2)),
        (7, 10, (21, 35)),  # odd: the last half comparison cannot be made
    ],
)
def test_the_bounds_follow_the_stopping_rule_the_budget_and_the_repeat_limit(n_items, per_essay, expected):
    bounds = comparison_bounds(n_items, budget(per_essay))
    assert (bounds.minimum, bounds.maximum) == expected


@pytest.mark.parametrize(("n_items", "multiplier"), [(9, 1), (18, 1), (18, 2), (25, 3)])
def test_no_run_of_the_engine_stops_before_the_minimum_or_goes_past_the_maximum(n_items, multiplier):
    # The sharpest judge stops as early as the rule allows; the weakest spends the budget.
    bounds = comparison_bounds(n_items, budget())
    for judge in (JudgeModel(discrimination=8.0, lapse_rate=0.0), JudgeModel(discrimination=0.3)):
        for seed in range(3):
            config = LoopConfig(
                planner=cj_loop.planner_config(seed, n_items, budget(), multiplier),
                stopping=cj_loop.stopping_config(budget()),
            )
            run = run_assessment(simulate_batch(n_items, seed=seed), judge, config, seed=seed)
            assert bounds.minimum <= run.metrics.total_comparisons <= bounds.maximum
            assert run.metrics.max_comparisons_per_item <= bounds.per_item_cap


def spec(n_items: int = 16, anchors: int = 4, mode: BatchingMode = BatchingMode.SERIAL_BUNDLE) -> SimulationSpec:
    return SimulationSpec(
        n_items=n_items,
        n_anchors=anchors,
        grade_scale="swedish_f_a",
        budget=budget(),
        wave_multiplier=job_rules(SETTINGS).wave_multiplier(mode),
        bundle_order=mode is BatchingMode.SERIAL_BUNDLE,
        runs=3,
        max_waves=40,
    )


@pytest.mark.parametrize("mode", [BatchingMode.PER_REQUEST, BatchingMode.SERIAL_BUNDLE])
def test_a_simulated_run_plans_its_first_wave_exactly_as_the_service_does(mode):
    s = spec(mode=mode)
    runs = simulate(s)
    for seed, run in enumerate(runs):
        anchors = frozenset(run.anchors)
        planned = cj_loop.plan_next_wave(
            s.n_items, [], None, anchors, 0, cj_loop.planner_config(seed, s.n_items, s.budget, s.wave_multiplier)
        )
        if mode is BatchingMode.SERIAL_BUNDLE:
            planned = order_for_bundles(planned)
        assert run.waves[0] == tuple((p.first, p.second) for p in planned)
        assert len(run.waves[0]) == s.n_items // 2 * s.wave_multiplier
        assert sum(len(w) for w in run.waves) == run.comparisons
        assert len(anchors) == 4
        per_item = Counter(i for wave in run.waves for pair in wave for i in pair)
        assert max(per_item.values()) <= 10
        assert run.seconds_per_wave > 0


def fake_run(comparisons: int, stopped: bool = True) -> SimulatedRun:
    return SimulatedRun(comparisons, stopped, (((0, 1),),), (), 0.1)


def test_the_typical_run_is_the_median_and_a_run_cut_off_counts_as_the_budget_spent():
    bounds = comparison_bounds(18, budget())
    runs = [fake_run(72), fake_run(63), fake_run(81)]
    assert typical_run(runs, bounds) == (72, runs[0])
    cut_off = [fake_run(72), fake_run(60, stopped=False), fake_run(66, stopped=False)]
    assert typical_run(cut_off, bounds) == (90, cut_off[1])


def test_waves_are_extended_in_turn_scaled_by_blocks_and_counted_up_to_a_cut():
    waves = [((0, 1), (1, 2)), ((2, 0),)]
    assert extended(waves, 7) == [*waves, *waves, waves[0]]
    assert extended(waves, 2) == waves
    assert waves_for(waves, 2) == 1
    assert waves_for(waves, 3) == 2
    # Three items simulated, seven wanted: blocks 0-2, 3-5 and 6 (whose partners do not exist).
    assert scaled([((0, 1), (2, 0))], 3, 7) == [((0, 1), (2, 0), (3, 4), (5, 3))]


def test_item_lengths_put_the_anchors_where_the_simulation_did_and_spread_the_essays():
    request = AssessmentEstimateRequest(essay_count=5, total_words=900, total_characters=5003)
    lengths = item_characters(request, [700, 800, 900], simulated_anchors=[4, 1], n_items=8)
    assert (lengths[4], lengths[1]) == (700, 800)
    assert lengths[7] == 900  # one more anchor than the simulation placed: at the end
    essays = [lengths[i] for i in (0, 2, 3, 5, 6)]
    assert sorted(essays) == [1000, 1000, 1001, 1001, 1001]
    assert sum(lengths) == 5003 + 2400


def test_simulations_are_reproducible_so_an_estimate_is_too():
    assert (
        simulate(dataclasses.replace(spec(), runs=1))[0].waves == simulate(dataclasses.replace(spec(), runs=1))[0].waves
    )
