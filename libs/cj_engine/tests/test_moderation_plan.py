"""The moderation plan: budget, reasons, boundary preference, contrast pairs while the LLM's declared bias is
uncertain, no repeated pairs, determinism."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import expit, ndtr

from cj_engine import moderation_plan
from cj_engine.judge_fit import MultiJudgeFit, fit_judges
from cj_engine.moderation_design import TeacherDesign
from cj_engine.moderation_plan import (
    ModerationConfig,
    ModerationPlan,
    ModerationReason,
    moderation_budget,
    plan_moderation,
)
from cj_engine.types import Comparison

N = 80
CUTS = (-1.5, 0.0, 1.5)
LONG = (np.arange(N) % 4 == 0).astype(np.float64)


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


def test_a_plan_recomputed_after_every_verdict_shows_each_check_at_its_share() -> None:
    """As the CJ service moderates: refit and replan after every verdict, and the teacher takes the plan's first
    pair. The checks are spread over the whole moderation at their shares (residual 20 %, misfit and anchor
    10 % each), not put first in every plan (which made almost every verdict a residual check)."""
    comparisons, judges, _fit = llm_batch()
    cfg = ModerationConfig()
    budget = moderation_budget(len(comparisons), 0)
    shown: list[ModerationReason] = []
    for _ in range(budget):
        fit = fit_judges(N, comparisons, judges, "llm")
        plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, anchors={1, 2, 3, 4}, config=cfg)
        first = plan.pairs[0]
        shown.append(first.reason)
        comparisons = [*comparisons, Comparison(first.first, first.second, first.first)]
        judges = [*judges, "teacher"]
    assert shown.count(ModerationReason.RESIDUAL) == round(cfg.residual_share * budget) == 8
    assert shown.count(ModerationReason.MISFIT) <= round(cfg.misfit_share * budget)
    assert shown.count(ModerationReason.ANCHOR) == round(cfg.anchor_share * budget) == 4
    assert shown[:2] == [ModerationReason.BOUNDARY] * 2  # the checks' first slots come later
    # one plan of the whole budget takes the same quotas
    whole = plan_moderation(_fit, comparisons[:400], judges[:400], boundaries=CUTS, anchors={1, 2, 3, 4}, config=cfg)
    assert [p.reason for p in whole.pairs].count(ModerationReason.RESIDUAL) == 8


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
    # shortlisted by their surprise (CHECK_SHORTLIST times the quota), then chosen by information
    p_first = fit.first_win_probability(comparisons, judges)
    won = np.array([c.first_won for c in comparisons], dtype=np.float64)
    surprise = np.sort((won - p_first) ** 2 / (p_first * (1.0 - p_first)))[::-1]
    shortlist = moderation_plan.CHECK_SHORTLIST * len(residual)
    assert min(p.score for p in residual) >= surprise[shortlist - 1] - 1e-12
    assert min(gaps) >= upsets[min(len(upsets), 2 * shortlist) - 1] - 1e-12  # the surprise is the LLM's upsets


def test_without_boundaries_the_plan_takes_uncertain_close_pairs() -> None:
    comparisons, judges, fit = llm_batch()
    plan = plan_moderation(fit, comparisons, judges, budget=30)
    assert {p.reason for p in plan.pairs} <= {
        ModerationReason.UNCERTAIN,
        ModerationReason.RESIDUAL,
        ModerationReason.MISFIT,
    }
    assert any(p.reason is ModerationReason.UNCERTAIN for p in plan.pairs)


def biased_batch(seed: int = 3, teacher_verdicts: int = 0) -> tuple[list[Comparison], list[str], MultiJudgeFit]:
    """The LLM adds 1 logit to the 'long' essays (every fourth); teachers, unbiased and noisier, judge random
    pairs; length is declared."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.5, N)
    comparisons: list[Comparison] = []
    judges: list[str] = []
    for judge, view, a, m in (("llm", theta + LONG, 2.0, 400), ("teacher", theta, 1.0, teacher_verdicts)):
        first = rng.integers(0, N, m)
        second = (first + rng.integers(1, N, m)) % N
        won = rng.random(m) < expit(a * (view[first] - view[second]))
        comparisons += [
            Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)
        ]
        judges += [judge] * m
    return comparisons, judges, fit_judges(N, comparisons, judges, "llm", covariates=LONG, covariance=True)


def test_covariates_need_the_fits_covariance() -> None:
    comparisons, judges, _fit = biased_batch()
    without = fit_judges(N, comparisons, judges, "llm", covariates=LONG)
    with pytest.raises(ValueError, match="covariance"):
        plan_moderation(without, comparisons, judges, covariates=LONG)


def test_while_the_bias_is_unknown_the_plan_contrasts_close_essays_that_differ_in_the_covariate() -> None:
    comparisons, judges, fit = biased_batch()
    plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, covariates=LONG, budget=40)
    theta = fit.fit.theta
    contrast = [p for p in plan.pairs if p.reason is ModerationReason.CONTRAST]
    checks = {ModerationReason.RESIDUAL, ModerationReason.MISFIT, ModerationReason.ANCHOR}
    informative = [p for p in plan.pairs if p.reason not in checks]
    # the LLM's bias is shared by a quarter of the batch: nothing else a verdict can teach is worth as much
    assert len(contrast) >= 0.8 * len(informative) > 0
    assert all(LONG[p.first] != LONG[p.second] for p in contrast)
    gaps = [abs(theta[p.first] - theta[p.second]) for p in contrast]
    rng = np.random.default_rng(0)
    random_gaps = [abs(theta[i] - theta[j]) for i, j in rng.integers(0, N, (200, 2)) if LONG[i] != LONG[j]]
    assert np.median(gaps) < np.median(random_gaps) / 3


def test_as_the_teachers_pin_the_bias_down_boundary_pairs_take_a_larger_share() -> None:
    comparisons, judges, fit = biased_batch()
    first = plan_moderation(fit, comparisons, judges, boundaries=CUTS, covariates=LONG, budget=40)
    comparisons, judges, later = biased_batch(teacher_verdicts=1500)
    assert later.covariate_bias_se[0] < fit.covariate_bias_se[0] / 2
    plan = plan_moderation(later, comparisons, judges, boundaries=CUTS, covariates=LONG, budget=40)

    def share(p: ModerationPlan, reason: ModerationReason) -> float:
        return sum(pair.reason is reason for pair in p.pairs) / len(p.pairs)

    # the bias stays the largest shared uncertainty (its SE is bounded by the LLM's own measurement of the
    # long essays), so contrast pairs keep most of the budget, but less of it
    assert share(plan, ModerationReason.CONTRAST) < share(first, ModerationReason.CONTRAST)
    assert share(plan, ModerationReason.BOUNDARY) > share(first, ModerationReason.BOUNDARY)


@pytest.mark.parametrize("seed", range(4))
def test_a_plan_respects_its_budget_and_never_repeats_a_pair(seed: int) -> None:
    comparisons, judges, fit = biased_batch(seed, teacher_verdicts=30)
    budget = moderation_budget(400, 30)
    plan = plan_moderation(
        fit, comparisons, judges, boundaries=CUTS, anchors={0, 1}, covariates=LONG, config=ModerationConfig(seed=seed)
    )
    assert plan.budget == budget == len(plan.pairs)
    keys = [frozenset((p.first, p.second)) for p in plan.pairs]
    assert len(set(keys)) == len(keys)
    assert all(len(k) == 2 for k in keys)
    human = {frozenset((c.first, c.second)) for c, j in zip(comparisons, judges, strict=True) if j != "llm"}
    assert not human & set(keys)
    counts = np.bincount([i for p in plan.pairs for i in (p.first, p.second)], minlength=N)
    assert counts.max() <= ModerationConfig().max_pairs_per_item
    assert plan == plan_moderation(
        fit, comparisons, judges, boundaries=CUTS, anchors={0, 1}, covariates=LONG, config=ModerationConfig(seed=seed)
    )


def test_the_plan_is_deterministic_given_the_seed() -> None:
    comparisons, judges, fit = llm_batch()
    a = plan_moderation(fit, comparisons, judges, boundaries=CUTS, config=ModerationConfig(seed=5))
    b = plan_moderation(fit, comparisons, judges, boundaries=CUTS, config=ModerationConfig(seed=5))
    assert a == b


def _exhaustive(
    pool: list[moderation_plan._Candidate],
    budget: int,
    design: TeacherDesign,
    rng: np.random.Generator,
    free: Callable[[int, int], bool],
    choose: Callable[[moderation_plan._Candidate, float], None],
    n_chosen: Callable[[], int],
) -> None:
    """The greedy search without laziness: every free pair's gain recomputed at every step."""
    first = np.array([c.first for c in pool], dtype=np.int64)
    second = np.array([c.second for c in pool], dtype=np.int64)
    ties = rng.random(len(pool))
    while n_chosen() < budget:
        open_ = np.flatnonzero([free(c.first, c.second) for c in pool])
        if open_.shape[0] == 0:
            return
        gain = design.gain(first[open_], second[open_])
        best = np.lexsort((ties[open_], -gain))[0]
        choose(pool[int(open_[best])], float(gain[best]))


@pytest.mark.parametrize(("seed", "teacher_verdicts"), [(0, 0), (1, 30), (2, 200)])
def test_the_lazy_search_loses_almost_nothing_against_the_exhaustive_one(
    seed: int, teacher_verdicts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    comparisons, judges, fit = biased_batch(seed, teacher_verdicts)
    checks = {ModerationReason.RESIDUAL, ModerationReason.MISFIT, ModerationReason.ANCHOR}

    def trace_reduction() -> float:
        plan = plan_moderation(fit, comparisons, judges, boundaries=CUTS, covariates=LONG, budget=40)
        return sum(p.score for p in plan.pairs if p.reason not in checks)  # the gains add up along the search

    lazy = trace_reduction()
    monkeypatch.setattr(moderation_plan, "_take_informative", _exhaustive)
    assert lazy >= 0.99 * trace_reduction() > 0
