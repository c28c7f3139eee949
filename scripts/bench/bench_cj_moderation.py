"""The moderation section of bench-cj: does a 10 % teacher moderation repair an LLM's consistent bias?

``python -m scripts.bench.bench_cj_moderation [--seeds N] [--quick] [--items N]`` (one process; run it
with ``OPENBLAS_NUM_THREADS=1`` on a shared machine: threaded BLAS on busy cores made every small
factorisation about 20 times slower when this was written).

Per seed: a simulated batch (``simulate_batch``: abilities N(0, 1.5^2), one anchor per grade); a known
subset of the students (``BIASED_SHARE``, "the long essays") that the LLM overrates by ``DELTA`` logits of
true ability; the LLM is the realistic judge (discrimination 2, position bias 0.3, 5 % lapses) of the
biased abilities, run through the engine's adaptive loop to the default stop. The teacher is unbiased but
noisier (discrimination ``TEACHER.discrimination``, no position bias, 5 % lapses). Then, on the same
seed and the same LLM comparisons:

- **none**: the LLM's comparisons alone (the multi-judge fit with one judge: today's fit);
- **random**: 10 % of the LLM's comparisons as uniformly random new pairs judged by the teacher;
- **planned**: the same number of pairs from ``moderation_plan.plan_moderation``: the plan for what is left of
  the budget, of which the teacher judges the first ``REFIT_EVERY`` before the next refit and plan (the
  dashboard refits and replans after every verdict and shows the plan's first pair; this is that, coarser).
  The plan sees what a real batch has: the fit (with its covariance, as the CJ service fits it), the
  verdicts, the anchors' grade boundaries and the declared covariate, never the simulation's truth.

Moderation pairs the LLM has not judged are sent to it too (the issue's rule), in every arm. Every arm is
fitted with ``judge_fit.fit_judges`` (LLM = reference) and graded with ``grades.project_grades``.

Printed per arm: true Spearman rho, grade exact accuracy (students), and the error on the biased essays
after aligning the fitted scale to the truth (least squares over all essays, as ``simulation.accuracy``
does): their mean signed error (the bias left) and mean absolute error, beside the mean absolute error of
the other essays. Targets (shown, not asserted): planned moderation removes at least half of the bias on the
biased essays, and gains at least 1.5 times what random moderation gains.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from cj_engine.grades import project_grades
from cj_engine.judge_fit import MultiJudgeFit, fit_judges
from cj_engine.moderation_plan import ModerationReason, moderation_budget, plan_moderation
from cj_engine.planner import PlannedPair
from cj_engine.simulation import REALISTIC_JUDGE, JudgeModel, LoopConfig, SimulatedBatch, judge_pairs, run_assessment
from cj_engine.simulation import simulate_batch as simulate
from cj_engine.types import Comparison, FloatArray

LLM = "llm"
TEACHER_ID = "teacher"
TEACHER = JudgeModel(discrimination=1.0, position_bias=0.0, lapse_rate=0.05)
DELTA = 1.0  # logits of true ability the LLM adds to the biased essays (about 0.9 of a grade)
BIASED_SHARE = 0.2
SHARE = 0.10
REFIT_EVERY = 4  # teacher verdicts between refits (the CJ service refits after each; 1 costs 4 times the time)
SEEDS = 60
ARMS = ("none", "random", "planned", "oracle", "random+len", "planned+len")
BASE_ARMS = ("none", "random", "planned", "oracle")
LENGTH_ARMS = ("none", "random+len", "planned+len")
N_ITEMS = 100


@dataclass(frozen=True)
class ArmResult:
    rho: float
    grade_exact: float | None
    biased_bias: float  # mean signed error on the biased essays after alignment
    biased_mae: float
    other_mae: float
    teacher_discrimination: float | None
    teacher_verdicts: int
    reasons: dict[str, int]
    biased_in_pairs: float  # share of the biased essays in at least one teacher pair


@dataclass(frozen=True)
class SeedResult:
    seed: int
    llm_comparisons: int
    arms: dict[str, ArmResult]


def _align(theta_hat: FloatArray, truth: FloatArray) -> FloatArray:
    slope, intercept = np.polyfit(theta_hat, truth, 1)
    return np.asarray(slope * theta_hat + intercept, dtype=np.float64)


def _grade_exact(fit: MultiJudgeFit, batch: SimulatedBatch) -> float | None:
    projection = project_grades(fit.fit.theta, fit.fit.se, batch.anchors, batch.scale)
    if projection.grades is None:
        return None
    order = batch.scale.all_grades
    students = [g for g in projection.grades if g.index not in batch.anchors]
    hits = [order.index(g.most_likely_grade) == order.index(batch.true_grades[g.index]) for g in students]
    return float(np.mean(hits))


def _evaluate(
    fit: MultiJudgeFit,
    batch: SimulatedBatch,
    biased: np.ndarray,
    teacher_pairs: Sequence[PlannedPair],
    reasons: dict[str, int],
) -> ArmResult:
    truth = batch.true_theta
    error = _align(fit.fit.theta, truth) - truth
    teacher = [j for j in fit.judges if j.judge == TEACHER_ID]
    in_pairs = {p.first for p in teacher_pairs} | {p.second for p in teacher_pairs}
    return ArmResult(
        rho=float(stats.spearmanr(fit.fit.theta, truth).statistic),
        grade_exact=_grade_exact(fit, batch),
        biased_bias=float(error[biased].mean()),
        biased_mae=float(np.abs(error[biased]).mean()),
        other_mae=float(np.abs(error[~biased]).mean()),
        teacher_discrimination=teacher[0].discrimination if teacher else None,
        teacher_verdicts=len(teacher_pairs),
        reasons=reasons,
        biased_in_pairs=float(np.mean([i in in_pairs for i in np.flatnonzero(biased)])),
    )


class _Moderation:
    """The LLM's comparisons plus the teacher's (and the LLM's verdicts on the moderation pairs)."""

    def __init__(
        self,
        batch: SimulatedBatch,
        llm_view: FloatArray,
        llm: list[Comparison],
        seed: int,
        covariates: FloatArray | None,
    ) -> None:
        self.batch, self.llm_view, self.covariates = batch, llm_view, covariates
        self.comparisons: list[Comparison] = list(llm)
        self.judges: list[str] = [LLM] * len(llm)
        self.teacher_pairs: list[PlannedPair] = []
        self.teacher_rng = np.random.default_rng([seed, 7])
        self.llm_rng = np.random.default_rng([seed, 8])

    def judge(self, pairs: Sequence[PlannedPair], llm_judged: Sequence[bool]) -> None:
        human = judge_pairs(pairs, self.batch.true_theta, TEACHER, self.teacher_rng)
        self.comparisons += human
        self.judges += [TEACHER_ID] * len(human)
        self.teacher_pairs += pairs
        new = [p for p, seen in zip(pairs, llm_judged, strict=True) if not seen]
        llm = judge_pairs(new, self.llm_view, REALISTIC_JUDGE, self.llm_rng)
        self.comparisons += llm
        self.judges += [LLM] * len(llm)

    def fit(self, *, covariance: bool = False) -> MultiJudgeFit:
        return fit_judges(
            self.batch.n_items, self.comparisons, self.judges, LLM, covariates=self.covariates, covariance=covariance
        )


def _random_arm(moderation: _Moderation, budget: int, seed: int) -> dict[str, int]:
    rng = np.random.default_rng([seed, 9])
    n = moderation.batch.n_items
    llm_pairs = {frozenset((c.first, c.second)) for c in moderation.comparisons}
    pairs: list[PlannedPair] = []
    seen: set[frozenset[int]] = set()
    while len(pairs) < budget:
        first, second = (int(v) for v in rng.choice(n, 2, replace=False))
        if frozenset((first, second)) not in seen:
            seen.add(frozenset((first, second)))
            pairs.append(PlannedPair(first, second))
    moderation.judge(pairs, [frozenset((p.first, p.second)) in llm_pairs for p in pairs])
    return {"random": len(pairs)}


def _planned_arm(moderation: _Moderation, budget: int, seed: int) -> dict[str, int]:
    reasons: dict[str, int] = {}
    batch = moderation.batch
    while (remaining := budget - len(moderation.teacher_pairs)) > 0:
        fit = moderation.fit(covariance=True)  # the plan's information criterion reads it, as in the CJ service
        projection = project_grades(fit.fit.theta, fit.fit.se, batch.anchors, batch.scale)
        plan = plan_moderation(
            fit,
            moderation.comparisons,
            moderation.judges,
            boundaries=[c.value for c in projection.cut_points],
            boundary_sd=list(projection.cut_sd) or None,
            anchors=frozenset(batch.anchors),
            covariates=moderation.covariates,
            budget=remaining,
        )
        # the first REFIT_EVERY pairs of the plan for what is left, as a teacher takes them from the dashboard
        taken = plan.pairs[:REFIT_EVERY]
        if not taken:
            break
        moderation.judge([PlannedPair(p.first, p.second) for p in taken], [p.judged_by_reference for p in taken])
        for p in taken:
            reasons[p.reason.value] = reasons.get(p.reason.value, 0) + 1
    return reasons


def _oracle_arm(moderation: _Moderation, budget: int, biased: np.ndarray) -> dict[str, int]:
    """A diagnostic, not a plan: every teacher pair has a biased essay against its nearest unbiased
    neighbour on the LLM's fitted scale, the best targeting there can be for this bias."""
    theta = moderation.fit().fit.theta
    order = np.argsort(theta, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    llm_pairs = {frozenset((c.first, c.second)) for c in moderation.comparisons}
    pairs: list[PlannedPair] = []
    for step in range(1, order.shape[0]):
        for item in np.flatnonzero(biased).tolist():
            for partner in (rank[item] - step, rank[item] + step):
                if len(pairs) < budget and 0 <= partner < order.shape[0] and not biased[order[partner]]:
                    pairs.append(PlannedPair(item, int(order[partner])))
        if len(pairs) >= budget:
            break
    moderation.judge(pairs, [frozenset((p.first, p.second)) in llm_pairs for p in pairs])
    return {"oracle": len(pairs)}


def run_seed(seed: int, n_items: int) -> SeedResult:
    batch = simulate(n_items, seed=seed)
    rng = np.random.default_rng([seed, 5])
    students = np.setdiff1d(np.arange(n_items), np.fromiter(batch.anchors, dtype=np.int64))
    biased = np.zeros(n_items, dtype=np.bool_)
    biased[rng.choice(students, round(BIASED_SHARE * n_items), replace=False)] = True
    llm_view = batch.true_theta + DELTA * biased
    run = run_assessment(replace(batch, true_theta=llm_view), REALISTIC_JUDGE, LoopConfig(), seed=seed)
    llm = list(run.comparisons)
    budget = moderation_budget(len(llm), 0, SHARE)
    arms: dict[str, ArmResult] = {}
    for arm in ARMS:
        covariates = biased.astype(np.float64) if arm.endswith("+len") else None
        moderation = _Moderation(batch, llm_view, llm, seed, covariates)
        reasons: dict[str, int] = {}
        if arm.startswith("random"):
            reasons = _random_arm(moderation, budget, seed)
        elif arm.startswith("planned"):
            reasons = _planned_arm(moderation, budget, seed)
        elif arm == "oracle":
            reasons = _oracle_arm(moderation, budget, biased)
        arms[arm] = _evaluate(moderation.fit(), batch, biased, moderation.teacher_pairs, reasons)
    return SeedResult(seed=seed, llm_comparisons=len(llm), arms=arms)


def _mean(values: Sequence[float | None]) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else float("nan")


def section(results: Sequence[SeedResult], n_items: int) -> list[str]:
    n_seeds = len(results)
    lines = [
        f"Moderation: LLM overrates {BIASED_SHARE:.0%} of the essays (the long ones) by {DELTA} logits; teacher"
        f" unbiased, discrimination {TEACHER.discrimination} (LLM {REALISTIC_JUDGE.discrimination});"
        f" n = {n_items}, {n_seeds} seeds, {SHARE:.0%} moderation",
        f"  LLM comparisons/seed {_mean([r.llm_comparisons for r in results]):.0f},"
        f" teacher verdicts/seed {_mean([r.arms['planned'].teacher_verdicts for r in results]):.0f}",
    ]
    lines += ["", "  One theta per essay for every judge (the model of the issue):"]
    lines += _block(results, BASE_ARMS)
    lines += ["", "  The same, with the essays' length declared as a covariate the LLM may be biased on (judge_fit):"]
    lines += _block(results, LENGTH_ARMS)
    return lines


def _block(results: Sequence[SeedResult], arms: Sequence[str]) -> list[str]:
    lines = [f"  {'':44}" + "".join(f"{a:>12}" for a in arms)]

    def row(label: str, key: str, digits: int = 3) -> None:
        cells = [f"{_mean([getattr(r.arms[a], key) for r in results]):.{digits}f}" for a in arms]
        lines.append(f"  {label:44}" + "".join(f"{c:>12}" for c in cells))

    row("true Spearman rho", "rho")
    row("grade exact accuracy (students)", "grade_exact")
    row("biased essays: mean signed error (bias)", "biased_bias")
    row("biased essays: mean |error|", "biased_mae")
    row("other essays: mean |error|", "other_mae")
    row("teacher discrimination (fitted; LLM = 1)", "teacher_discrimination", 2)
    row("share of biased essays in a teacher pair", "biased_in_pairs", 2)
    none, random_arm, planned = arms[0], arms[1], arms[2]
    bias = {a: _mean([r.arms[a].biased_bias for r in results]) for a in (none, random_arm, planned)}
    removed = 1.0 - bias[planned] / bias[none] if bias[none] else float("nan")
    random_gain, planned_gain = bias[none] - bias[random_arm], bias[none] - bias[planned]
    ratio = planned_gain / random_gain if random_gain > 0 else float("inf")
    met = {True: "met", False: "not met"}
    lines.append(
        f"  {planned} removes {removed:.0%} of the bias on the biased essays   target >= 50%: {met[removed >= 0.5]}"
    )
    mae = {a: _mean([r.arms[a].biased_mae for r in results]) for a in (none, random_arm, planned)}
    mae_random, mae_planned = mae[none] - mae[random_arm], mae[none] - mae[planned]
    mae_ratio = mae_planned / mae_random if mae_random > 0 else float("inf")
    # a ratio of two gains near 0 is noise: judged only once random moderation removes 5 % of the bias
    verdict = met[ratio >= 1.5] if random_gain >= 0.05 * bias[none] else "n/a (both gains under 5 % of the bias)"
    lines.append(
        f"  bias removed, {planned} / {random_arm}: {planned_gain:.3f} / {random_gain:.3f} = {ratio:.2f}"
        f"   target >= 1.5: {verdict}"
    )
    if random_gain >= 0.05 * bias[none]:
        low, high = _ratio_interval(results, none, random_arm, planned)
        lines.append(f"  (that ratio's 90 % bootstrap interval over the seeds: {low:.2f} to {high:.2f})")
    lines.append(
        f"  (mean |error| of the biased essays reduced by {mae_planned:.3f} / {mae_random:.3f} = {mae_ratio:.2f})"
    )
    counts: dict[str, int] = {}
    for r in results:
        for reason, k in r.arms[planned].reasons.items():
            counts[reason] = counts.get(reason, 0) + k
    total = sum(counts.values()) or 1
    mix = ", ".join(f"{reason.value} {counts.get(reason.value, 0) / total:.0%}" for reason in ModerationReason)
    lines.append(f"  {planned} pairs by reason: {mix}")
    return lines


def _ratio_interval(
    results: Sequence[SeedResult], none: str, random_arm: str, planned: str, draws: int = 4000
) -> tuple[float, float]:
    """The 5th and 95th percentiles of the gain ratio over batches resampled with replacement: how far the
    seeds alone move it (a teacher verdict's coin differs from seed to seed)."""
    bias = np.array([[r.arms[a].biased_bias for a in (none, random_arm, planned)] for r in results])
    rng = np.random.default_rng(0)
    means = bias[rng.integers(0, len(results), (draws, len(results)))].mean(axis=1)
    random_gain, planned_gain = means[:, 0] - means[:, 1], means[:, 0] - means[:, 2]
    ratios = planned_gain[random_gain > 0] / random_gain[random_gain > 0]
    if ratios.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(ratios, [5, 95])
    return float(low), float(high)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-cj-moderation", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"seeds (default {SEEDS})")
    parser.add_argument("--quick", action="store_true", help="5 seeds")
    parser.add_argument("--items", type=int, default=N_ITEMS, help=f"essays per batch (default {N_ITEMS})")
    args = parser.parse_args(argv)
    n_seeds = 5 if args.quick else args.seeds
    start = time.perf_counter()
    results = [run_seed(seed, args.items) for seed in range(n_seeds)]
    lines = section(results, args.items)
    lines.append(f"  {n_seeds} batches x {len(ARMS)} arms in {time.perf_counter() - start:.0f} s (one process)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
