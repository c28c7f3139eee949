"""The agreement report: Wilson intervals, shared pairs only, disagreements by distance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from cj_engine.agreement import agreement_report, wilson_interval
from cj_engine.judge_fit import fit_judges
from cj_engine.types import Comparison


def test_wilson_interval_known_values() -> None:
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_the_interval_covers_the_true_agreement() -> None:
    """LLM and teacher judge the same 60 pairs; the share of agreeing verdicts varies, the interval covers
    the true agreement rate in about 95% of 400 simulated moderations."""
    rng = np.random.default_rng(1)
    theta = rng.normal(0.0, 1.5, 50)
    first = rng.integers(0, 50, 60)
    second = (first + rng.integers(1, 50, 60)) % 50
    p_llm = expit(2.0 * (theta[first] - theta[second]))
    p_teacher = expit(1.0 * (theta[first] - theta[second]))
    truth = float(np.mean(p_llm * p_teacher + (1 - p_llm) * (1 - p_teacher)))
    covered = 0
    for _ in range(400):
        agree = rng.random(60) < (p_llm * p_teacher + (1 - p_llm) * (1 - p_teacher))
        low, high = wilson_interval(float(agree.sum()), 60)
        covered += low <= truth <= high
    assert 0.92 <= covered / 400 <= 0.98


def test_the_report_counts_shared_pairs_and_sorts_disagreements_by_distance() -> None:
    rng = np.random.default_rng(2)
    n = 30
    theta = rng.normal(0.0, 1.5, n)
    m = 300
    first = rng.integers(0, n, m)
    second = (first + rng.integers(1, n, m)) % n
    won = rng.random(m) < expit(2.0 * (theta[first] - theta[second]))
    llm = [Comparison(int(f), int(s), int(f) if w else int(s)) for f, s, w in zip(first, second, won, strict=True)]
    # the teacher re-judges 40 of the LLM's pairs (in the other order) and 10 new ones
    teacher = [Comparison(c.second, c.first, c.winner if k % 4 else c.loser) for k, c in enumerate(llm[:40])]
    teacher += [Comparison(k, k + 15, k) for k in range(10)]
    comparisons = llm + teacher
    judges = ["llm"] * m + ["teacher"] * len(teacher)
    fit = fit_judges(n, comparisons, judges, "llm")
    report = agreement_report(fit, comparisons, judges)
    repeated = {frozenset((c.first, c.second)) for c in llm}
    assert report.overall.shared_verdicts == 40 + sum(frozenset((k, k + 15)) in repeated for k in range(10))
    assert report.by_judge["teacher"].shared_verdicts == report.overall.shared_verdicts
    assert report.overall.low < report.overall.rate < report.overall.high  # type: ignore[operator]
    assert len(report.disagreements) >= 10
    distances = [d.distance for d in report.disagreements]
    assert distances == sorted(distances, reverse=True)
    assert all(d.human_winner != d.reference_winner for d in report.disagreements)
    assert [s.judge for s in report.judges] == ["llm", "teacher"]
    assert report.judges[1].enough_decisions
