"""The agreement report: where the LLM and the teachers part ways.

Agreement is measured on shared pairs only: every human verdict on a pair that the reference judge (the
LLM) has also judged, in either presentation order. One human verdict scores the share of the LLM's
verdicts on that pair with the same winner (1 or 0 when the LLM judged it once). The interval is Wilson's
score interval, which stays inside [0, 1] and is honest for the small counts a moderation gives (tens of
pairs). Disagreements are listed with the distance of the two essays on the fitted scale, largest first:
a disagreement between essays far apart is the one worth reading; between close essays it is expected.
The report also carries the misfitting essays and every judge's statistics (``judge_stats``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.special import ndtri

from cj_engine.judge_fit import MultiJudgeFit
from cj_engine.judge_stats import MIN_DECISIONS, ItemFit, JudgeStatistics, item_fit, judge_statistics
from cj_engine.types import Comparison


@dataclass(frozen=True)
class Agreement:
    shared_verdicts: int  # human verdicts on pairs the LLM judged too
    agreeing: float  # their agreement summed (fractional when the LLM judged a pair more than once)
    rate: float | None  # None without shared verdicts
    low: float
    high: float  # Wilson interval at the report's confidence (0, 1 without shared verdicts)


@dataclass(frozen=True)
class Disagreement:
    first: int
    second: int
    judge: str
    human_winner: int
    reference_winner: int
    distance: float  # |theta_first - theta_second| on the fitted scale


@dataclass(frozen=True)
class AgreementReport:
    reference_judge: str
    overall: Agreement
    by_judge: dict[str, Agreement]  # every non-reference judge
    disagreements: tuple[Disagreement, ...]  # largest distance first
    misfitting_items: tuple[ItemFit, ...]
    judges: tuple[JudgeStatistics, ...]


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (two-sided ``confidence``); (0, 1) when n = 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    z = float(ndtri(0.5 + confidence / 2.0))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _agreement(agreeing: float, n: int, confidence: float) -> Agreement:
    low, high = wilson_interval(agreeing, n, confidence)
    return Agreement(shared_verdicts=n, agreeing=agreeing, rate=agreeing / n if n else None, low=low, high=high)


def agreement_report(
    fit: MultiJudgeFit,
    comparisons: Sequence[Comparison],
    judges: Sequence[str],
    *,
    confidence: float = 0.95,
    min_decisions: int = MIN_DECISIONS,
) -> AgreementReport:
    """AI-teacher agreement on the shared pairs, the disagreements, misfitting essays and judge statistics.

    ``comparisons``/``judges`` are every verdict (the LLM's and the teachers'), those ``fit`` was fitted on.
    """
    reference = fit.reference_judge
    llm_winners: dict[frozenset[int], list[int]] = defaultdict(list)
    for c, j in zip(comparisons, judges, strict=True):
        if j == reference:
            llm_winners[frozenset((c.first, c.second))].append(c.winner)
    theta = fit.fit.theta
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    disagreements = []
    for c, j in zip(comparisons, judges, strict=True):
        winners = llm_winners.get(frozenset((c.first, c.second)))
        if j == reference or not winners:
            continue
        agree = sum(w == c.winner for w in winners) / len(winners)
        totals[j][0] += agree
        totals[j][1] += 1
        if agree < 0.5:
            disagreements.append(
                Disagreement(
                    first=c.first,
                    second=c.second,
                    judge=j,
                    human_winner=c.winner,
                    reference_winner=c.loser,
                    distance=abs(float(theta[c.first] - theta[c.second])),
                )
            )
    humans = sorted({j for j in judges if j != reference})
    by_judge = {j: _agreement(totals[j][0], int(totals[j][1]), confidence) for j in humans}
    overall = _agreement(sum(t[0] for t in totals.values()), int(sum(t[1] for t in totals.values())), confidence)
    disagreements.sort(key=lambda d: (-d.distance, d.first, d.second, d.judge))
    return AgreementReport(
        reference_judge=reference,
        overall=overall,
        by_judge=by_judge,
        disagreements=tuple(disagreements),
        misfitting_items=tuple(f for f in item_fit(fit, comparisons, judges) if f.misfit),
        judges=judge_statistics(fit, comparisons, judges, min_decisions=min_decisions),
    )
