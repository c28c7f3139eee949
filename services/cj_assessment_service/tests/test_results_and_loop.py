"""Per-essay results from a fit, the wave loop's helpers, ids, and the LPS request a wave becomes."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from types import SimpleNamespace
from typing import Any, cast, get_args

import numpy as np
import pytest

from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.identifiers import job_id_for, pair_id_for, request_id_for
from cj_assessment_service.domain.job import Job, JobEssay
from cj_assessment_service.domain.results import Item, build_results
from cj_assessment_service.service_layer.lps_requests import build_request
from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.grade_fit import fit_for_grades
from cj_engine.grades import CutSource
from cj_engine.planner import PlanningState, plan_wave
from cj_engine.reliability import marginal_reliability
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentRequestedV1,
    EssayRef,
    LLMSettings,
    ModelUsed,
)
from common_core.fields import GradeCutSource
from common_core.grade_scales import get_grade_scale
from common_core.llm import BatchingMode, LLMProvider

BUDGET = cj_loop.Budget(max_comparisons_per_item=20, target_reliability=0.8, min_comparisons_per_item=6)
STOPPING = cj_loop.stopping_config(BUDGET)


def simulated_verdicts(n_items: int, waves: int, seed: int = 1) -> list[cj_loop.Verdict]:
    """Plan waves with the service's own loop; the better item (higher index) wins 90% of the time."""
    rng = np.random.default_rng(seed)
    config = cj_loop.planner_config(seed, n_items, BUDGET, 1)
    verdicts: list[cj_loop.Verdict] = []
    for wave in range(waves):
        fit = cj_loop.pooled_fit(n_items, verdicts)
        for pair in cj_loop.plan_next_wave(n_items, verdicts, fit, frozenset(), wave, config):
            better, worse = max(pair.first, pair.second), min(pair.first, pair.second)
            winner = better if rng.random() < 0.9 else worse
            verdicts.append(cj_loop.Verdict(pair.first, pair.second, winner))
    return verdicts


def test_results_rank_grade_and_flag_anchors():
    n = 12
    verdicts = simulated_verdicts(n, 10)
    summary = cj_loop.summarise_wave(n, verdicts, STOPPING)
    anchors = {0: "F", 5: "C", 11: "A"}
    items = [Item(i, uuid.uuid4(), i in anchors, anchors.get(i)) for i in range(n)]
    out = build_results(items, summary.fit, get_grade_scale("swedish_f_a"))
    ranks = sorted(r.rank for r in out.results)
    assert ranks == list(range(1, n + 1))
    by_rank = sorted(out.results, key=lambda r: r.rank)
    assert [r.bt_score for r in by_rank] == sorted((r.bt_score for r in out.results), reverse=True)
    for result in out.results:
        assert result.grade is not None
        assert abs(sum(result.grade_probabilities.values()) - 1) < 1e-6
        assert result.standard_error > 0
        assert (result.known_grade is not None) == result.is_anchor
        assert (result.anchor_inconsistent is not None) == result.is_anchor
    assert sum(r.comparison_count for r in out.results) == 2 * len(verdicts)


def test_results_without_anchors_have_no_grades_but_a_confidence():
    n = 6
    summary = cj_loop.summarise_wave(n, simulated_verdicts(n, 6), STOPPING)
    items = [Item(i, uuid.uuid4(), False, None) for i in range(n)]
    out = build_results(items, summary.fit, get_grade_scale("swedish_f_a"))
    assert all(r.grade is None and r.grade_probabilities == {} for r in out.results)
    assert all(0.0 <= r.confidence <= 1.0 for r in out.results)
    assert not out.projection.has_grades
    assert out.cut_points == []


def test_anchors_give_every_cut_point_in_order_on_the_essays_bt_score_scale():
    n = 12
    summary = cj_loop.summarise_wave(n, simulated_verdicts(n, 10), STOPPING)
    anchors = {0: "F", 5: "C", 11: "A"}
    items = [Item(i, uuid.uuid4(), i in anchors, anchors.get(i)) for i in range(n)]
    scale = get_grade_scale("swedish_f_a")
    out = build_results(items, summary.fit, scale)
    grades = scale.all_grades
    cuts = out.cut_points
    assert [(c.lower_grade, c.upper_grade) for c in cuts] == list(pairwise(grades))
    assert all(lower.bt_score < upper.bt_score for lower, upper in pairwise(cuts))
    # Anchors in F, C and A pin the E|D boundary (midway between F and C); the rest are placed by rule.
    assert [c.source for c in cuts] == ["extrapolated", "fitted", "interpolated", "interpolated", "extrapolated"]
    assert [c.boundary_sd == 0.0 for c in cuts] == [c.source == "fitted" for c in cuts]

    # Same scale as bt_score: an essay above a cut is more likely at or above its upper grade, one below it
    # less likely. A cut shifted, stretched or labelled one grade off breaks this for some essay.
    bands = set()
    for result in out.results:
        for k, cut in enumerate(cuts):
            at_or_above = sum(result.grade_probabilities[g] for g in grades[k + 1 :])
            assert (at_or_above > 0.5) == (result.bt_score > cut.bt_score), (result.bt_score, cut)
        bands.add(sum(result.bt_score > cut.bt_score for cut in cuts))
    assert len(bands) >= 3  # the essays straddle several cuts, so the check above bites

    published = AssessmentResultPublishedV1(
        batch_id=uuid.uuid4(),
        job_id=uuid.uuid4(),
        grade_scale=scale.name,
        model_used=ModelUsed(provider=LLMProvider.MOCK, model="mock-judge"),
        completed_at=datetime.now(UTC),
        results=out.results,
        grade_cut_points=cuts,
    )
    assert published.grade_cut_points == cuts


def test_grades_from_the_grade_fit_publish_cuts_on_the_ranking_fits_scale():
    n = 12
    verdicts = simulated_verdicts(n, 10)
    summary = cj_loop.summarise_wave(n, verdicts, STOPPING)
    comparisons = [v.as_comparison() for v in verdicts]
    grade_fit = fit_for_grades(n, comparisons)
    anchors = {0: "F", 5: "C", 11: "A"}
    items = [Item(i, uuid.uuid4(), i in anchors, anchors.get(i)) for i in range(n)]
    scale = get_grade_scale("swedish_f_a")
    out = build_results(items, summary.fit, scale, grade_fit)
    # Rank and score stay the ranking fit's; the grades are the grade fit's projection.
    assert [r.bt_score for r in out.results] == summary.fit.theta.tolist()
    assert out.projection.probabilities is not None
    for result, row in zip(out.results, out.projection.probabilities, strict=True):
        assert list(result.grade_probabilities.values()) == pytest.approx(row.tolist(), abs=1e-9)
    assert grade_fit.theta.tolist() != summary.fit.theta.tolist()  # otherwise the mapping below is not tested

    # The cuts are mapped onto bt_score's scale: an essay clearly on one side of a cut in the grade fit (a
    # quarter of the narrowest grade away) is on the same side of the published cut by its bt_score...
    cuts = out.cut_points
    projected = out.projection.boundaries  # what is published: the calibrated boundaries
    margin = 0.25 * min(upper.value - lower.value for lower, upper in pairwise(projected))
    judged = 0
    for grade_theta, result in zip(grade_fit.theta.tolist(), out.results, strict=True):
        for published, cut in zip(cuts, projected, strict=True):
            if abs(grade_theta - cut.value) > margin:
                assert (result.bt_score > published.bt_score) == (grade_theta > cut.value), (result.bt_score, cut)
                judged += 1
    assert judged >= n
    # ...because each cut is the grade fit's, times the factor taking the grade fit's thetas onto bt_score's.
    factor = float(np.dot(grade_fit.theta, summary.fit.theta) / np.dot(grade_fit.theta, grade_fit.theta))
    assert abs(factor - 1.0) > 0.01
    assert [c.bt_score for c in cuts] == pytest.approx([c.value * factor for c in projected], rel=1e-12)
    assert [c.boundary_sd for c in cuts] == pytest.approx([c.extra_sd * factor for c in projected], rel=1e-12)


def test_anchors_of_a_single_grade_give_no_cut_points():
    n = 8
    summary = cj_loop.summarise_wave(n, simulated_verdicts(n, 6), STOPPING)
    items = [Item(i, uuid.uuid4(), i in (2, 5), "C" if i in (2, 5) else None) for i in range(n)]
    out = build_results(items, summary.fit, get_grade_scale("swedish_f_a"))
    assert not out.projection.has_grades
    assert out.cut_points == []


def test_the_contract_spells_every_cut_source_of_the_engine():
    assert set(get_args(get_args(GradeCutSource)[0])) == {source.value for source in CutSource}


def test_the_reliability_is_computed_only_once_every_item_has_the_minimum():
    n = 10
    early = cj_loop.summarise_wave(n, simulated_verdicts(n, 1), STOPPING)
    assert int(early.fit.comparisons_per_item.min()) < STOPPING.min_comparisons_per_item
    assert early.reliability is None
    assert 0.0 <= early.ssr <= 1.0  # SSR is reported from the first wave on
    verdicts = simulated_verdicts(n, 8)
    later = cj_loop.summarise_wave(n, verdicts, STOPPING)
    assert int(later.fit.comparisons_per_item.min()) >= STOPPING.min_comparisons_per_item
    assert later.reliability is not None
    assert 0.0 <= later.reliability <= 1.0
    assert later.reliability == marginal_reliability(n, [v.as_comparison() for v in verdicts])


def test_the_next_wave_is_planned_from_the_pooled_fit_of_every_verdict():
    n, wave, anchors = 10, 6, frozenset({0, 9})
    verdicts = simulated_verdicts(n, wave)
    config = cj_loop.planner_config(7, n, BUDGET, 1)
    comparisons = [v.as_comparison() for v in verdicts]
    pooled = PlanningState(n, comparisons, fit_bradley_terry(n, comparisons), anchors, wave)
    assert cj_loop.plan_next_wave(n, verdicts, cj_loop.pooled_fit(n, verdicts), anchors, wave, config) == plan_wave(
        pooled, config
    )
    # close_wave plans the next wave from the fit it has just summarised: the same pooled fit.
    summarised = cj_loop.summarise_wave(n, verdicts, STOPPING).fit
    assert cj_loop.plan_next_wave(n, verdicts, summarised, anchors, wave, config) == plan_wave(pooled, config)
    # Not vacuous: the fit of only some of the verdicts (say, every other wave's) plans other pairs.
    partial = replace(pooled, fit=fit_bradley_terry(n, comparisons[: len(comparisons) // 2]))
    assert plan_wave(partial, config) != plan_wave(pooled, config)
    assert cj_loop.pooled_fit(n, []) is None
    assert cj_loop.plan_next_wave(n, [], None, anchors, 0, config) == plan_wave(
        PlanningState(n, (), None, anchors), config
    )


def test_progress_stays_below_100_until_finished():
    assert cj_loop.progress_percentage(10_000, 10, 10, finished=False) == 99.0
    assert cj_loop.progress_percentage(25, 10, 10, finished=False) == 50.0
    assert cj_loop.progress_percentage(3, 10, 10, finished=True) == 100.0


def test_ids_are_deterministic():
    batch, request = uuid.uuid4(), uuid.uuid4()
    assert job_id_for(batch, request) == job_id_for(batch, request)
    job = job_id_for(batch, request)
    assert pair_id_for(job, 2, 3) == pair_id_for(job, 2, 3) != pair_id_for(job, 2, 3, attempt=2)
    assert request_id_for(pair_id_for(job, 0, 0)) == request_id_for(pair_id_for(job, 0, 0))


def test_a_wave_request_uses_neutral_labels_and_keeps_temperature_zero():
    job_id = uuid.uuid4()
    anchor, student = uuid.uuid4(), uuid.uuid4()
    job = SimpleNamespace(
        id=job_id,
        batch_id=uuid.uuid4(),
        llm=LLMSettings(provider="mock", model="m", temperature=0.0, batching_mode="serial_bundle"),
        context={"instructions": "Judge.", "rubric": None, "student_prompt": "Task."},
        language="en",
        redact_names=True,
    )
    essays = [
        JobEssay(student, 0, False, None, None, "ref-0", "Student text."),
        JobEssay(anchor, 1, True, "C", "c1", "ref-1", "Anchor text."),
    ]
    pair = SimpleNamespace(
        pair_id=uuid.uuid4(), request_id="cj-1", wave=0, attempt=1, essay_a_id=anchor, essay_b_id=student
    )
    request = build_request(cast(Any, job), cast(Any, essays), cast(Any, [pair]), "callbacks")
    assert set(request.texts) == {"t0", "t1"}  # no ids, no "anchor" in what reaches the prompt
    item = request.comparisons[0]
    assert (item.a, item.b) == ("t1", "t0")
    assert item.overrides is not None
    assert item.overrides.temperature == 0.0
    assert item.overrides.batching_mode == "serial_bundle"
    assert item.request_metadata["essay_a_id"] == str(anchor)


def test_provider_batch_api_and_serial_bundle_plan_larger_waves():
    from cj_assessment_service.config import Settings
    from cj_assessment_service.service_layer.deps import job_rules

    rules = job_rules(Settings(HULEEDU_DEV_MODE=True, batch_api_wave_multiplier=3, serial_bundle_wave_multiplier=2))
    budget = AssessmentBudget(max_comparisons_per_essay=10, target_reliability=0.8)

    def planned_wave_size(mode: str) -> int | None:
        request = CJAssessmentRequestedV1(
            batch_id=uuid.uuid4(),
            request_id=uuid.uuid4(),
            user_id="t",
            course_code="ENG5",
            essays=[EssayRef(essay_id=uuid.uuid4(), text_ref="r")],
            llm=LLMSettings(batching_mode=BatchingMode(mode)),
            budget=budget,
        )
        now = datetime.now(UTC)
        job = Job.requested(
            uuid.uuid4(), request, correlation_id=uuid.uuid4(), grade_scale="swedish_f_a", seed=1, now=now
        )
        assert job.counts is not None
        job.counts.items = 20
        return job.planner(rules).wave_size

    assert planned_wave_size("per_request") == 10
    assert planned_wave_size("serial_bundle") == 20
    assert planned_wave_size("provider_batch_api") == 30
