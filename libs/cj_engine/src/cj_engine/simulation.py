"""Simulated CJ assessments: items with known abilities, noisy judges, and the planner-fit-stop loop.

The truth is known here, so every number the engine reports can be checked against it: Spearman and
Kendall correlation with the latent abilities, the TRUE reliability (squared correlation of theta-hat with
theta; compare it with SSR to see adaptive inflation), RMSE after linear alignment, and grade accuracy
against grades from the true cut points.

Judge model, for the item shown first ``f`` and second ``s``::

    P(f wins) = lapse / 2 + (1 - lapse) * sigmoid(discrimination * (theta_f - theta_s) + position_bias)

``discrimination = 0`` is a coin-toss judge (the position bias alone, which carries no information about
the items). The fitted position effect estimates ``position_bias`` on the fitted scale; lapses shrink it a
little (towards 0), as they shrink theta.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats
from scipy.special import expit

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.grade_posterior import AnchorPlacement
from cj_engine.grades import project_grades
from cj_engine.planner import (
    PlannedPair,
    PlannerConfig,
    PlanningState,
    count_useful_pairs,
    plan_wave,
)
from cj_engine.reliability import marginal_reliability, split_half_reliability
from cj_engine.stopping import (
    StopDecision,
    StoppingConfig,
    StoppingState,
    StopReason,
    decide,
    theta_changes,
)
from cj_engine.types import Comparison, FitOptions, FitResult, FloatArray
from common_core.grade_scales import GradeScale, get_grade_scale


@dataclass(frozen=True)
class JudgeModel:
    discrimination: float = 1.0  # multiplies the true theta difference; 0 = coin toss
    position_bias: float = 0.3  # logits in favour of the essay shown first
    lapse_rate: float = 0.05  # share of judgements that are a fair coin flip, whatever the essays

    def p_first_wins(self, theta_first: FloatArray, theta_second: FloatArray) -> FloatArray:
        logit = self.discrimination * (theta_first - theta_second) + self.position_bias
        return np.asarray(self.lapse_rate / 2.0 + (1.0 - self.lapse_rate) * expit(logit), dtype=np.float64)


# The realistic judge of bench-cj and of CJ's estimates: clearly better than noise, with the position
# bias and lapses real judges show (scripts/bench/bench_cj.py prints how the results move with it).
REALISTIC_JUDGE = JudgeModel(discrimination=2.0, position_bias=0.3, lapse_rate=0.05)


@dataclass(frozen=True)
class SimulatedBatch:
    true_theta: FloatArray
    anchors: dict[int, str]  # anchor index -> its true grade
    true_grades: tuple[str, ...]  # every item's grade under the true cut points
    cut_points: FloatArray  # true cut points between consecutive grades of scale.all_grades
    scale: GradeScale

    @property
    def n_items(self) -> int:
        return int(self.true_theta.shape[0])


def simulate_batch(
    n_items: int,
    *,
    seed: int,
    ability_sd: float = 1.5,
    n_anchors: int | None = None,
    scale: GradeScale | None = None,
    anchor_design: AnchorPlacement = AnchorPlacement.RANDOM,
) -> SimulatedBatch:
    """Abilities ~ N(0, ability_sd^2); grades from evenly spaced true cut points over +-1.5 SD.

    Anchors (default: one per grade, at most a fifth of the items) are items of distinct true grades, taken
    from the lowest grade up so a small batch still gets anchors at both ends of the scale: a random item of
    the grade (``RANDOM``), or the one nearest the middle of its band (``TYPICAL``; for the open-ended lowest
    and highest grade, half a grade beyond their cut). Students and anchors come from the same ability
    distribution.
    """
    if n_items < 2:
        raise ValueError("a batch needs at least 2 items")
    grade_scale = scale if scale is not None else get_grade_scale("swedish_f_a")
    order = grade_scale.all_grades
    rng = np.random.default_rng([seed, 0])
    theta = rng.normal(0.0, ability_sd, n_items)
    cut_points = ability_sd * np.linspace(-1.5, 1.5, len(order) - 1)
    rank = np.searchsorted(cut_points, theta)
    wanted = min(len(order), n_items // 5) if n_anchors is None else n_anchors
    present = np.unique(rank)
    by_extremes = sorted(present.tolist(), key=lambda r: min(r - present[0], present[-1] - r))  # ends first
    anchors: dict[int, str] = {}
    half_grade = (cut_points[1] - cut_points[0]) / 2.0 if len(cut_points) > 1 else ability_sd / 2.0
    middles = np.concatenate([[cut_points[0] - half_grade], (cut_points[:-1] + cut_points[1:]) / 2.0])
    middles = np.concatenate([middles, [cut_points[-1] + half_grade]])
    for grade_rank in by_extremes[:wanted]:
        members = np.flatnonzero(rank == grade_rank)
        if anchor_design is AnchorPlacement.TYPICAL:
            item = int(members[np.argmin(np.abs(theta[members] - middles[grade_rank]))])
        else:
            item = int(rng.choice(members))
        anchors[item] = order[grade_rank]
    return SimulatedBatch(
        true_theta=theta,
        anchors=anchors,
        true_grades=tuple(order[r] for r in rank.tolist()),
        cut_points=cut_points,
        scale=grade_scale,
    )


def judge_pairs(
    pairs: Sequence[PlannedPair], true_theta: FloatArray, judge: JudgeModel, rng: np.random.Generator
) -> list[Comparison]:
    first = np.array([p.first for p in pairs], dtype=np.int64)
    second = np.array([p.second for p in pairs], dtype=np.int64)
    first_wins = rng.random(len(pairs)) < judge.p_first_wins(true_theta[first], true_theta[second])
    return [
        Comparison(f, s, f if won else s)
        for f, s, won in zip(first.tolist(), second.tolist(), first_wins.tolist(), strict=True)
    ]


@dataclass(frozen=True)
class LoopConfig:
    """The loop's settings. The per-item and total budget live in ``stopping`` and are passed to the planner."""

    planner: PlannerConfig = field(default_factory=PlannerConfig)
    stopping: StoppingConfig = field(default_factory=StoppingConfig)
    fit_options: FitOptions = field(default_factory=FitOptions)
    continue_after_stop: bool = False  # keep planning to the budget, recording every wave (benchmarks)
    diagnostics: bool = False  # also compute, at the stop, split-half over random splits (inflated: shown)
    max_waves: int = 500


@dataclass(frozen=True)
class Accuracy:
    """How close a fit is to the truth (true_reliability = squared correlation of theta-hat with theta)."""

    spearman: float
    kendall: float
    true_reliability: float
    rmse: float  # of theta-hat mapped onto the true scale by least squares


@dataclass(frozen=True)
class WaveRecord:
    wave: int
    total_comparisons: int
    comparisons_per_item: float  # mean: 2 * total / n_items
    accuracy: Accuracy
    ssr: float
    reliability: float | None  # marginal reliability; None before every item has the minimum (or after the stop)
    max_theta_change: float | None  # largest |delta theta| since the previous wave
    decision: StopDecision


@dataclass(frozen=True)
class RunMetrics:
    """The state at the stop, as a service would report it, next to the truth."""

    stop_reason: StopReason
    total_comparisons: int
    comparisons_per_item: float
    min_comparisons_per_item: int
    max_comparisons_per_item: int
    accuracy: Accuracy
    ssr: float
    reliability: float  # the marginal reliability the rule used; 0.0 if it was never computed
    # With LoopConfig.diagnostics: split-half over random splits (4 splits), which adaptive pairing inflates.
    random_split_half: float | None
    grade_exact: float | None  # share of students whose most likely grade is their true grade
    grade_adjacent: float | None  # ... within one grade
    position_effect: float
    position_se: float


@dataclass(frozen=True)
class AssessmentRun:
    waves: tuple[WaveRecord, ...]
    stop_wave: int  # index into waves of the wave after which the rule stopped
    metrics: RunMetrics
    comparisons: tuple[Comparison, ...]  # every comparison made (beyond the stop with continue_after_stop)


def accuracy(theta_hat: FloatArray, true_theta: FloatArray) -> Accuracy:
    if float(np.ptp(theta_hat)) == 0.0 or float(np.ptp(true_theta)) == 0.0:
        return Accuracy(0.0, 0.0, 0.0, float(np.std(true_theta)))
    slope, intercept = np.polyfit(theta_hat, true_theta, 1)
    residual = true_theta - (slope * theta_hat + intercept)
    return Accuracy(
        spearman=float(stats.spearmanr(theta_hat, true_theta).statistic),
        kendall=float(stats.kendalltau(theta_hat, true_theta).statistic),
        true_reliability=float(np.corrcoef(theta_hat, true_theta)[0, 1] ** 2),
        rmse=float(np.sqrt(np.mean(residual**2))),
    )


def _grade_accuracy(fit: FitResult, batch: SimulatedBatch) -> tuple[float | None, float | None]:
    projection = project_grades(fit.theta, fit.se, batch.anchors, batch.scale)
    if projection.grades is None:
        return None, None
    order = batch.scale.all_grades
    students = [g for g in projection.grades if g.index not in batch.anchors]
    if not students:
        return None, None
    projected = np.array([order.index(g.most_likely_grade) for g in students])
    true = np.array([order.index(batch.true_grades[g.index]) for g in students])
    steps = np.abs(projected - true)
    return float(np.mean(steps == 0)), float(np.mean(steps <= 1))


def run_assessment(batch: SimulatedBatch, judge: JudgeModel, config: LoopConfig, *, seed: int) -> AssessmentRun:
    """Plan, judge, fit and decide, wave after wave, until the stopping rule stops (or the budget ends).

    Each wave is planned from the fit of all comparisons so far, which is also what is reported.
    ``seed`` drives the planner and the judge, so a run is reproducible.
    """
    n = batch.n_items
    stopping = config.stopping
    planner = replace(
        config.planner,
        seed=seed,
        max_comparisons_per_item=stopping.max_comparisons_per_item,
        max_total_comparisons=stopping.max_total_comparisons,
    )
    anchors = frozenset(batch.anchors)
    judge_rng = np.random.default_rng([seed, 1])
    comparisons: list[Comparison] = []
    fit: FitResult | None = None
    thetas: list[FloatArray] = []
    reliabilities: list[float | None] = []
    records: list[WaveRecord] = []
    stop: tuple[int, FitResult] | None = None
    for wave in range(config.max_waves):
        pairs = plan_wave(PlanningState(n, comparisons, fit, anchors, wave), planner)
        if not pairs:
            break
        comparisons.extend(judge_pairs(pairs, batch.true_theta, judge, judge_rng))
        fit = fit_bradley_terry(n, comparisons, config.fit_options)
        reliability = None  # the rule cannot use it yet (or any more), so its ~20 fits are skipped
        if stop is None and int(fit.comparisons_per_item.min()) >= stopping.min_comparisons_per_item:
            reliability = marginal_reliability(n, comparisons, options=config.fit_options)
        thetas.append(fit.theta)
        reliabilities.append(reliability)
        state = StoppingState(
            comparisons_per_item=fit.comparisons_per_item,
            total_comparisons=len(comparisons),
            reliability_history=reliabilities[-stopping.reliability_waves :],
            theta_history=thetas[-(stopping.stable_waves + 1) :],
            useful_pairs_left=count_useful_pairs(n, comparisons, fit, planner),
        )
        decision = decide(state, stopping)
        records.append(
            WaveRecord(
                wave=wave,
                total_comparisons=len(comparisons),
                comparisons_per_item=2.0 * len(comparisons) / n,
                accuracy=accuracy(fit.theta, batch.true_theta),
                ssr=fit.ssr,
                reliability=reliability,
                max_theta_change=theta_changes(thetas[-2:])[0] if len(thetas) > 1 else None,
                decision=decision,
            )
        )
        if stop is None and decision.stop:
            stop = (wave, fit)
            if not config.continue_after_stop:
                break
    if fit is None:
        raise ValueError("the planner produced no pair: check the budget and the number of items")
    if stop is None:  # the planner ran dry before the rule stopped (or max_waves ran out)
        records[-1] = replace(records[-1], decision=StopDecision(StopReason.NO_USEFUL_PAIR_LEFT, "planner ran dry"))
        stop = (len(records) - 1, fit)
    stop_wave, stop_fit = stop
    split_half = None
    if config.diagnostics:
        at_stop = comparisons[: records[stop_wave].total_comparisons]
        split_half = split_half_reliability(n, at_stop, n_splits=4, seed=seed, options=config.fit_options)
    return _finish(batch, records, stop_wave, stop_fit, split_half, tuple(comparisons))


def _finish(
    batch: SimulatedBatch,
    records: list[WaveRecord],
    stop_wave: int,
    fit: FitResult,
    split_half: float | None,
    comparisons: tuple[Comparison, ...],
) -> AssessmentRun:
    record = records[stop_wave]
    reason = record.decision.reason
    if reason is None:
        raise AssertionError("a stop was recorded without a reason")
    exact, adjacent = _grade_accuracy(fit, batch)
    counts = fit.comparisons_per_item
    metrics = RunMetrics(
        stop_reason=reason,
        total_comparisons=record.total_comparisons,
        comparisons_per_item=record.comparisons_per_item,
        min_comparisons_per_item=int(counts.min()),
        max_comparisons_per_item=int(counts.max()),
        accuracy=record.accuracy,
        ssr=fit.ssr,
        reliability=record.reliability if record.reliability is not None else 0.0,
        random_split_half=split_half,
        grade_exact=exact,
        grade_adjacent=adjacent,
        position_effect=fit.position_effect,
        position_se=fit.position_se,
    )
    return AssessmentRun(waves=tuple(records), stop_wave=stop_wave, metrics=metrics, comparisons=comparisons)
