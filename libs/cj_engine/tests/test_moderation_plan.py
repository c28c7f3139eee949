"""The moderation plan: budget, reasons, boundary preference, no repeats of human pairs, determinism."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, ndtr

from cj_engine.judge_fit import MultiJudgeFit, fit_judges
from cj_engine.moderation_plan import ModerationConfig, ModerationReason, moderation_budget, plan_moderation
from cj_engine.types import Comparison

N = 80
CUTS = (-1.5, 0.0, 1.5)


def llm_batch(seed: int = 3, m: int = 400) -> tuple[list[Comparison], list[str], MultiJudgeFit]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, N)
    first = rng.integers(0, N, m)
    second = (first + rng.integers(1, N, m)) % N
    won = rng.random(m) < expit(2.0 * (theta[first] - theta[second]))
    comparisons = [
        Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)
    ]
    judges = ["llm"] * m
    return comparisons, judges, fit_judges(N, comparisons, judges, "llm")


def test_the_default_budget_is_ten_percent_of_the_llm_less_what_teachers_gave() -> None:
    comparisons, judges, fit = llm_batch()
    plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS)
    assert plan.budget == 40 == moderation_budget(400, 0)
    assert len(plan.pairs) == 40
    # after 15 teacher verdicts the plan asks for the rest
    given = [Comparison(p.first, p.second, p.first) for p in plan.pairs[:15]]
    all_comparisons, all_judges = comparisons + given, judges + ["teacher"] * 15
    refit = fit_judges(N, all_comparisons, all_judges, "llm")
    again = plan_moderation(refit, all_comparisons, all_judges, boundaries=CUTS)
    assert again.budget == 25
    assert len(again.pairs) == 25
    done = {frozenset((c.first, c.second)) for c in given}
    assert not done & {frozenset((p.first, p.second)) for p in again.pairs}
    assert len(plan_moderation(fit, comparisons, judges, budget=7).pairs) == 7


def test_pairs_straddle_boundaries_with_uncertain_order_and_carry_their_reasons() -> None:
    comparisons, judges, fit = llm_batch()
    plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, anchors={1, 2}, budget=40)
    theta, se = fit.fit.theta, fit.fit.se
    reasons = [p.reason for p in plan.pairs]
    assert reasons.count(ModerationReason.BOUNDARY) >= 20
    assert reasons.count(ModerationReason.RESIDUAL) == 8
    assert 1 <= reasons.count(ModerationReason.ANCHOR) <= 2
    other_side = np.max([ndtr(-np.abs(theta - c) / se) for c in CUTS], axis=0)
    for pair in plan.pairs:
        if pair.reason is ModerationReason.BOUNDARY:
            low, high = sorted((theta[pair.first], theta[pair.second]))
            assert any(low < c <= high for c in CUTS)
    boundary_items = {i for p in plan.pairs if p.reason is ModerationReason.BOUNDARY for i in (p.first, p.second)}
    # the essays chosen for boundary pairs are less sure of their grade than most of the batch
    assert np.median(other_side[list(boundary_items)]) > np.quantile(other_side, 0.6)
    boundary_gaps = [abs(theta[p.first] - theta[p.second]) for p in plan.pairs if p.reason is ModerationReason.BOUNDARY]
    rng = np.random.default_rng(0)
    random_gaps = [abs(theta[i] - theta[j]) for i, j in rng.integers(0, N, (200, 2)) if i != j]
    assert np.median(boundary_gaps) < np.median(random_gaps) / 2
    counts = np.bincount([i for p in plan.pairs for i in (p.first, p.second)], minlength=N)
    assert counts.max() <= ModerationConfig().max_pairs_per_item


def test_residual_pairs_are_the_llms_upsets_and_are_marked_judged() -> None:
    comparisons, judges, fit = llm_batch()
    theta = fit.fit.theta
    plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, budget=40)
    llm_pairs = {frozenset((c.first, c.second)) for c in comparisons}
    upsets = sorted(
        (abs(theta[c.winner] - theta[c.loser]) for c in comparisons if theta[c.winner] < theta[c.loser]), reverse=True
    )
    for pair in plan.pairs:
        assert pair.judged_by_reference == (frozenset((pair.first, pair.second)) in llm_pairs)
        if pair.reason is ModerationReason.RESIDUAL:
            assert pair.judged_by_reference
            assert pair.score > 1.0
    residual = [p for p in plan.pairs if p.reason is ModerationReason.RESIDUAL]
    gaps = [abs(theta[p.first] - theta[p.second]) for p in residual]
    assert min(gaps) >= upsets[min(len(upsets), 3 * len(residual)) - 1] - 1e-12


def test_without_boundaries_the_plan_takes_uncertain_close_pairs() -> None:
    comparisons, judges, fit = llm_batch()
    plan = plan_moderation(fit, comparisons, judges, budget=30)
    assert {p.reason for p in plan.pairs} <= {
        ModerationReason.UNCERTAIN,
        ModerationReason.RESIDUAL,
        ModerationReason.MISFIT,
    }
    assert any(p.reason is ModerationReason.UNCERTAIN for p in plan.pairs)


def test_covariates_add_contrast_pairs() -> None:
    comparisons, judges, fit = llm_batch()
    long = (np.arange(N) % 4 == 0).astype(float)
    plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, covariates=long, budget=40)
    contrast = [p for p in plan.pairs if p.reason is ModerationReason.CONTRAST]
    assert len(contrast) == math.floor(0.4 * 40)
    assert all(long[p.first] != long[p.second] for p in contrast)


def test_the_plan_is_deterministic_given_the_seed() -> None:
    comparisons, judges, fit = llm_batch()
    a = plan_moderation(fit, comparisons, judges, boundaries=CUTS, config=ModerationConfig(seed=5))
    b = plan_moderation(fit, comparisons, judges, boundaries=CUTS, config=ModerationConfig(seed=5))
    assert a == b
