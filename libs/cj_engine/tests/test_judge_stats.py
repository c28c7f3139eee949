"""Per-judge and per-essay statistics: agreement with the fitted scale, infit/outfit, the 20-decision rule."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from cj_engine.judge_fit import fit_judges
from cj_engine.judge_stats import item_fit, judge_statistics
from cj_engine.types import Comparison


def verdicts(
    theta: np.ndarray, m: int, judge: str, discrimination: float, rng: np.random.Generator, *, reverse: bool = False
) -> tuple[list[Comparison], list[str]]:
    n = theta.shape[0]
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    won = rng.random(m) < expit(discrimination * (theta[first] - theta[second]))
    if reverse:
        won = ~won
    return [Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)], [
        judge
    ] * m


def test_a_model_judge_fits_and_a_contrary_one_does_not() -> None:
    rng = np.random.default_rng(4)
    theta = rng.normal(0.0, 1.5, 60)
    llm, llm_ids = verdicts(theta, 900, "llm", 2.0, rng)
    teacher, teacher_ids = verdicts(theta, 200, "teacher", 1.0, rng)
    contrary, contrary_ids = verdicts(theta, 60, "contrary", 1.0, rng, reverse=True)
    newcomer, newcomer_ids = verdicts(theta, 12, "newcomer", 1.0, rng)
    comparisons = llm + teacher + contrary + newcomer
    judges = llm_ids + teacher_ids + contrary_ids + newcomer_ids
    fit = fit_judges(60, comparisons, judges, "llm")
    stats = {s.judge: s for s in judge_statistics(fit, comparisons, judges)}
    assert list(stats) == ["llm", "contrary", "newcomer", "teacher"]
    # the prior's shrinkage makes predictions a little less extreme than the truth, so model judges sit
    # somewhat below 1 (and outfit, dominated by lopsided pairs, further below)
    assert 0.7 < (stats["llm"].infit or 0) < 1.2
    assert 0.7 < (stats["teacher"].infit or 0) < 1.2
    assert (stats["llm"].agreement or 0) > (stats["teacher"].agreement or 0) > 0.6
    assert (stats["contrary"].agreement or 1) < 0.5
    # a judge's mean squares are taken under its own discrimination, which the fit makes small for a
    # contrary judge: the evidence against it is its agreement and its discrimination
    assert stats["contrary"].discrimination < stats["teacher"].discrimination / 3
    assert stats["teacher"].enough_decisions
    assert not stats["newcomer"].enough_decisions
    assert stats["newcomer"].n_decisions == 12


def test_an_inconsistently_judged_essay_is_flagged_as_misfitting() -> None:
    rng = np.random.default_rng(9)
    theta = rng.normal(0.0, 1.5, 40)
    comparisons, judges = verdicts(theta, 800, "llm", 2.0, rng)
    # essay 0 wins and loses at random, whatever its partner
    comparisons = [
        Comparison(
            c.first, c.second, (c.first if rng.random() < 0.5 else c.second) if 0 in (c.first, c.second) else c.winner
        )
        for c in comparisons
    ]
    theta_far = np.argsort(np.abs(theta - theta[0]))[-10:]  # partners far from it make coin flips surprising
    comparisons += [Comparison(0, int(j), 0 if k % 2 else int(j)) for k, j in enumerate(theta_far)]
    judges += ["llm"] * len(theta_far)
    fit = fit_judges(40, comparisons, judges, "llm")
    fits = item_fit(fit, comparisons, judges)
    assert fits[0].misfit
    assert (fits[0].infit or 0) > 1.3
    assert sum(f.misfit for f in fits) <= 3
