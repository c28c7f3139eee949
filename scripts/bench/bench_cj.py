"""CJ engine benchmark: adaptive vs random pairing on the same seeds, coin-toss judges, fit time vs choix.

``pdm run bench-cj [--seeds N] [--quick] [--workers K]``. Every figure is measured against the simulated
truth, so SSR inflation cannot flatter the adaptive planner. The issue's targets are printed next to the
measured values; they are shown, never asserted.

Per seed, batch size and planner it runs two simulated assessments with the default engine settings:

* realistic judges (discrimination 2, position bias 0.3 logits, 5% lapses; abilities N(0, 1.5^2); why
  these are realistic: libs/cj_engine/README.md, "Benchmark"), continued past the stop to
  ``SIGNAL_BUDGET`` comparisons per item so that the comparisons needed to reach a true Spearman
  rho >= 0.90, and rho at 10 comparisons per item, can be read off every run;
* coin-toss judges (discrimination 0, same position bias and lapses) with the default budget: any stop
  for reliability is a false stop;
* noisier and sharper judges (discrimination 1, 1.5 and 3), for the two headline comparisons only, so
  that the dependence of the adaptive gain on the judge is visible.

Then the calibration of the grade probabilities, before and after the joint-posterior projection
(``scripts/bench/bench_cj_calibration.py``; ``--calibration-only`` runs just that section,
``--calibration-sources`` adds where the overconfidence came from, ``--calibration-scales`` the check on the
nine- and ten-grade scales). Last, teacher moderation
(``scripts/bench/bench_cj_moderation.py``; ``--moderation-only``): no, random and planned moderation of an
LLM judge biased on a known subset.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

import choix
import numpy as np
from scipy import stats

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.planner import PlannerConfig
from cj_engine.simulation import REALISTIC_JUDGE, LoopConfig, WaveRecord, run_assessment, simulate_batch
from cj_engine.stopping import StoppingConfig, StopReason
from cj_engine.types import Comparison
from scripts.bench import bench_cj_calibration as calibration
from scripts.bench import bench_cj_moderation as moderation

SIZES = (30, 100)
PLANNERS = ("adaptive", "random")
REALISTIC = REALISTIC_JUDGE
COIN_TOSS = replace(REALISTIC, discrimination=0.0)
OTHER_JUDGES = (1.0, 1.5, 3.0)  # discriminations of the sensitivity section
SIGNAL_BUDGET = 30  # per item, for the signal runs only: rho >= 0.90 can take more than the default 20
RHO_TARGET = 0.90
FIT_SIZES = (30, 300, 3000)
FIT_COMPARISONS_PER_ITEM = 10

T = TypeVar("T")


@dataclass(frozen=True)
class Task:
    n_items: int
    planner: str
    discrimination: float  # 0 = coin toss
    seed: int

    @property
    def coin_toss(self) -> bool:
        return self.discrimination == 0.0


@dataclass(frozen=True)
class Outcome:
    task: Task
    stop_reason: StopReason
    stop_comparisons_per_item: float
    reliability: float  # marginal reliability at the stop: what the rule used
    random_split_half: float | None
    ssr: float
    true_reliability: float
    spearman: float
    kendall: float
    rmse: float
    grade_exact: float | None
    grade_adjacent: float | None
    position_effect: float
    comparisons_to_target: float | None  # comparisons per item where the true rho first reached RHO_TARGET
    rho_at_10: float | None
    true_reliability_at_10: float | None


def run_task(task: Task) -> Outcome:
    batch = simulate_batch(task.n_items, seed=task.seed)
    stopping = StoppingConfig() if task.coin_toss else StoppingConfig(max_comparisons_per_item=SIGNAL_BUDGET)
    config = LoopConfig(
        planner=PlannerConfig(adaptive=task.planner == "adaptive"),
        stopping=stopping,
        continue_after_stop=not task.coin_toss,
        diagnostics=task.discrimination in (0.0, REALISTIC.discrimination),  # the sensitivity rows skip it
    )
    judge = replace(REALISTIC, discrimination=task.discrimination)
    run = run_assessment(batch, judge, config, seed=task.seed)
    m = run.metrics
    at_10 = [w.accuracy for w in run.waves if w.comparisons_per_item >= 10.0]
    return Outcome(
        task=task,
        stop_reason=m.stop_reason,
        stop_comparisons_per_item=m.comparisons_per_item,
        reliability=m.reliability,
        random_split_half=m.random_split_half,
        ssr=m.ssr,
        true_reliability=m.accuracy.true_reliability,
        spearman=m.accuracy.spearman,
        kendall=m.accuracy.kendall,
        rmse=m.accuracy.rmse,
        grade_exact=m.grade_exact,
        grade_adjacent=m.grade_adjacent,
        position_effect=m.position_effect,
        comparisons_to_target=_first_crossing(run.waves),
        rho_at_10=at_10[0].spearman if at_10 else None,
        true_reliability_at_10=at_10[0].true_reliability if at_10 else None,
    )


def _first_crossing(waves: Sequence[WaveRecord]) -> float | None:
    """Comparisons per item where the true rho first reached RHO_TARGET, interpolated within the wave.

    A wave adds about one comparison per item, so reading the crossing off whole waves would round
    every run up to the next integer; the straight line between the last wave below and the first at or
    above the target places it within the wave instead (the same rule for both planners).
    """
    before: WaveRecord | None = None
    for wave in waves:
        rho = wave.accuracy.spearman
        if rho >= RHO_TARGET:
            if before is None:
                return wave.comparisons_per_item
            share = (RHO_TARGET - before.accuracy.spearman) / (rho - before.accuracy.spearman)
            return before.comparisons_per_item + share * (wave.comparisons_per_item - before.comparisons_per_item)
        before = wave
    return None


def _mean(values: Sequence[float | None]) -> float:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else float("nan")


def _censored_median(values: Sequence[float | None]) -> tuple[float, int]:
    """Median with runs that never got there counted as above the budget; and how many never did."""
    never = sum(v is None for v in values)
    filled = [v if v is not None else float("inf") for v in values]
    return float(statistics.median(filled)), never


def _fmt(value: float, digits: int = 2) -> str:
    return "never" if value == float("inf") else f"{value:.{digits}f}"


def _by_planner(outcomes: list[Outcome], n_items: int, discrimination: float) -> dict[str, list[Outcome]]:
    def key(o: Outcome) -> tuple[int, str, float]:
        return o.task.n_items, o.task.planner, o.task.discrimination

    return {p: [o for o in outcomes if key(o) == (n_items, p, discrimination)] for p in PLANNERS}


def _medians_and_ratio(rows: dict[str, list[Outcome]]) -> tuple[dict[str, tuple[float, int]], str]:
    """Per planner (median comparisons/item to the target, runs never reaching it); the ratio as text."""
    medians = {p: _censored_median([o.comparisons_to_target for o in rows[p]]) for p in PLANNERS}
    adaptive_median, random_median = medians["adaptive"][0], medians["random"][0]
    finite = random_median not in (0.0, float("inf")) and adaptive_median != float("inf")
    return medians, f"{adaptive_median / random_median:.2f}" if finite else "n/a"


def _signal_section(outcomes: list[Outcome], n_items: int, n_seeds: int) -> list[str]:
    rows = _by_planner(outcomes, n_items, REALISTIC.discrimination)
    medians, ratio = _medians_and_ratio(rows)
    lines = [f"n = {n_items} items, realistic judges ({n_seeds} seeds, the same for both planners)"]
    lines.append(f"  {'':46}{'adaptive':>10}{'random':>10}   target")
    target_note = {30: "rho >= 0.90 (n = 30)", 100: ""}[n_items]

    def row(label: str, key: Callable[[Outcome], float | None], target: str = "", digits: int = 2) -> None:
        values = [_fmt(_mean([key(o) for o in rows[p]]), digits) for p in PLANNERS]
        lines.append(f"  {label:46}{values[0]:>10}{values[1]:>10}   {target}")

    cells = [_fmt(medians[p][0], 1) for p in PLANNERS]
    lines.append(f"  {'median comparisons/item to true rho >= 0.90':46}{cells[0]:>10}{cells[1]:>10}")
    never = [f"{medians[p][1]}" for p in PLANNERS]
    lines.append(f"  {f'  runs never reaching it within {SIGNAL_BUDGET}/item':46}{never[0]:>10}{never[1]:>10}")
    lines.append(f"  {'  ratio adaptive / random':46}{ratio:>10}{'':>10}   <= 0.75")
    row("mean rho at 10 comparisons/item", lambda o: o.rho_at_10, target_note, 3)
    row("mean true reliability at 10 comparisons/item", lambda o: o.true_reliability_at_10, digits=3)
    lines.append(f"  at the stop (reliability target 0.80, budget {SIGNAL_BUDGET}/item):")
    row("  comparisons/item", lambda o: o.stop_comparisons_per_item, digits=1)
    row("  reported reliability (marginal, used to stop)", lambda o: o.reliability, digits=3)
    row("  true reliability (corr(theta-hat, theta)^2)", lambda o: o.true_reliability, digits=3)
    row("  split-half over random splits", lambda o: o.random_split_half, digits=3)
    row("  SSR (reported only)", lambda o: o.ssr, digits=3)
    row("  Spearman rho", lambda o: o.spearman, digits=3)
    row("  Kendall tau", lambda o: o.kendall, digits=3)
    row("  RMSE of theta after linear alignment", lambda o: o.rmse, digits=3)
    row("  grade exact accuracy (students)", lambda o: o.grade_exact, digits=3)
    row("  grade adjacent accuracy (students)", lambda o: o.grade_adjacent, digits=3)
    row("  position bias estimate (truth 0.30)", lambda o: o.position_effect, "within 0.10 of 0.30", 3)
    for p in PLANNERS:
        counts = {r.value: sum(o.stop_reason is r for o in rows[p]) for r in StopReason}
        described = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        lines.append(f"  stop reasons, {p}: {described}")
    return lines


def _coin_section(outcomes: list[Outcome], n_seeds: int) -> list[str]:
    lines = [f"Coin-toss judges (discrimination 0), default budget 20 comparisons/item, {n_seeds} seeds"]
    header = f"  {'n':>4} {'planner':>9} {'false stops':>12} {'stable':>7} {'budget':>7} {'rel<0.5':>8}"
    lines.append(header + f" {'marginal':>9} {'split-half':>11} {'SSR':>6}")
    for n_items in SIZES:
        for p in PLANNERS:
            rows = [o for o in outcomes if o.task.n_items == n_items and o.task.planner == p]
            false_stops = sum(o.stop_reason is StopReason.RELIABILITY_REACHED for o in rows)
            stable = sum(o.stop_reason is StopReason.STABLE for o in rows)
            budget = sum(o.stop_reason is StopReason.BUDGET_EXHAUSTED for o in rows)
            below = sum(o.reliability < 0.5 for o in rows) / len(rows)
            lines.append(
                f"  {n_items:>4} {p:>9} {false_stops:>12} {stable:>7} {budget:>7} {below:>8.0%}"
                f" {_mean([o.reliability for o in rows]):>9.3f}"
                f" {_mean([o.random_split_half for o in rows]):>11.3f} {_mean([o.ssr for o in rows]):>6.3f}"
            )
    lines.append("  targets: no false stop for reliability in any seed; reported reliability < 0.5 in >= 95% of seeds")
    lines.append("  (false stops = stops for reliability_reached; rel<0.5 = share of seeds whose marginal reliability,")
    lines.append("   the one the rule uses, ends below 0.5; the last four columns are means at the end of the run)")
    return lines


def _sensitivity_section(outcomes: list[Outcome], n_seeds: int) -> list[str]:
    lines = [f"Judge noise: the headline comparisons for other judges ({n_seeds} seeds each; same batches)"]
    header = f"  {'discrimination':>14} {'n':>4}   median to rho >= 0.90: adaptive  random  ratio"
    lines.append(header + "   rho at 10/item: adaptive  random")
    for discrimination in sorted((*OTHER_JUDGES, REALISTIC.discrimination)):
        for n_items in SIZES:
            rows = _by_planner(outcomes, n_items, discrimination)
            medians, ratio = _medians_and_ratio(rows)
            at_10 = [_mean([o.rho_at_10 for o in rows[p]]) for p in PLANNERS]
            lines.append(
                f"  {discrimination:>14.1f} {n_items:>4}   {'':>22}{_fmt(medians['adaptive'][0], 1):>8}"
                f"{_fmt(medians['random'][0], 1):>8}{ratio:>7}   {'':>16}{at_10[0]:>8.3f}{at_10[1]:>8.3f}"
            )
    lines.append(f"  (discrimination {REALISTIC.discrimination:.1f} is the realistic judge of the sections above)")
    return lines


def _fit_timing(repeats: int) -> list[str]:
    lines = [f"Fit time, {FIT_COMPARISONS_PER_ITEM} comparisons per item (random pairs, realistic judges)"]
    header = f"  {'n':>6} {'cj_engine':>11} {'choix ilsr':>11} {'choix opt':>11}"
    lines.append(header + f" {'rho(ours, choix)':>17} {'rho vs truth: ours / choix':>27}   target")
    for n_items in FIT_SIZES:
        rng = np.random.default_rng(n_items)
        theta = rng.normal(0.0, 1.5, n_items)
        m = n_items * FIT_COMPARISONS_PER_ITEM // 2
        first = rng.integers(0, n_items, m)
        second = (first + rng.integers(1, n_items, m)) % n_items
        wins = rng.random(m) < REALISTIC.p_first_wins(theta[first], theta[second])
        triples = zip(first.tolist(), second.tolist(), wins.tolist(), strict=True)
        comparisons = [Comparison(f, s, f if w else s) for f, s, w in triples]
        data = [(c.winner, c.loser) for c in comparisons]
        ours, fit = _best_time(partial(fit_bradley_terry, n_items, comparisons), repeats)
        ilsr, choix_theta = _best_time(partial(choix.ilsr_pairwise, n_items, data, alpha=0.01), repeats)
        opt, _ = _best_time(partial(choix.opt_pairwise, n_items, data, alpha=0.01), repeats)
        agreement = float(stats.spearmanr(fit.theta, choix_theta).statistic)
        truth = [float(stats.spearmanr(t, theta).statistic) for t in (fit.theta, choix_theta)]
        target = "< 1 s" if n_items == 3000 else ""
        lines.append(
            f"  {n_items:>6} {ours:>10.3f}s {ilsr:>10.3f}s {opt:>10.3f}s {agreement:>17.4f}"
            f" {truth[0]:>19.3f} / {truth[1]:.3f}   {target}"
        )
    lines.append("  (best of the repeats; cj_engine also fits the position effect and the SEs, choix neither;")
    lines.append("   choix alpha = 0.01; rho = Spearman correlation)")
    return lines


def _best_time(call: Callable[[], T], repeats: int) -> tuple[float, T]:
    best, result = float("inf"), call()
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-cj", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="seeds per batch size and planner (default 50)")
    parser.add_argument("--quick", action="store_true", help="10 seeds and one timing repeat")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)")
    parser.add_argument("--calibration-only", action="store_true", help="only the grade calibration section")
    parser.add_argument("--calibration-sources", action="store_true", help="also where the overconfidence came from")
    parser.add_argument("--calibration-scales", action="store_true", help="also the calibration on other grade scales")
    parser.add_argument("--moderation-only", action="store_true", help="only the teacher moderation section")
    args = parser.parse_args(argv)
    n_seeds = 10 if args.quick else args.seeds
    tasks = [
        Task(n_items, planner, discrimination, seed)
        for discrimination in (REALISTIC.discrimination, 0.0, *OTHER_JUDGES)
        for n_items in SIZES
        for planner in PLANNERS
        for seed in range(n_seeds)
        if not (args.calibration_only or args.moderation_only)
    ]
    calibration_tasks = [] if args.moderation_only else calibration.calibration_tasks(args.quick)
    sources_tasks = calibration.sources_tasks() if args.calibration_sources else []
    scales_tasks = calibration.scales_tasks(args.quick) if args.calibration_scales else []
    lines = ["CJ engine benchmark (targets are shown, not asserted)", ""]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        if tasks:
            start = time.perf_counter()
            outcomes = list(pool.map(run_task, tasks, chunksize=4))
            elapsed = time.perf_counter() - start
            signal = [o for o in outcomes if not o.task.coin_toss]
            for n_items in SIZES:
                lines += [*_signal_section(signal, n_items, n_seeds), ""]
            lines += [*_coin_section([o for o in outcomes if o.task.coin_toss], n_seeds), ""]
            lines += [*_sensitivity_section(signal, n_seeds), ""]
            lines += [*_fit_timing(1 if args.quick else 3), ""]
            lines.append(f"{len(tasks)} simulated assessments in {elapsed:.0f} s on {args.workers} worker(s)")
            lines.append("")
        if calibration_tasks:
            start = time.perf_counter()
            scored = list(pool.map(calibration.run_task, calibration_tasks, chunksize=2))
            lines += calibration.calibration_section(scored, args.quick)
            lines.append(f"  {len(calibration_tasks)} simulated assessments in {time.perf_counter() - start:.0f} s")
        if sources_tasks:
            start = time.perf_counter()
            sources = list(pool.map(calibration.run_task, sources_tasks, chunksize=2))
            lines += ["", *calibration.sources_section(sources)]
            lines.append(f"  {len(sources_tasks)} simulated assessments in {time.perf_counter() - start:.0f} s")
        if scales_tasks:
            start = time.perf_counter()
            on_scales = list(pool.map(calibration.run_task, scales_tasks, chunksize=2))
            lines += ["", *calibration.scales_section(on_scales, args.quick)]
            lines.append(f"  {len(scales_tasks)} simulated assessments in {time.perf_counter() - start:.0f} s")
        if not args.calibration_only:
            start = time.perf_counter()
            seeds = range(5 if args.quick else moderation.SEEDS)
            moderated = list(pool.map(partial(moderation.run_seed, n_items=moderation.N_ITEMS), seeds))
            lines += ["", *moderation.section(moderated, moderation.N_ITEMS)]
            lines.append(f"  {len(seeds)} simulated batches in {time.perf_counter() - start:.0f} s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
