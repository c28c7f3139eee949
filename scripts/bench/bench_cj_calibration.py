"""The calibration section of bench-cj: are the grade probabilities as sure as they say?

For each batch size, judge and anchor design, simulated assessments run to the default stopping rule; the
final fit (with its covariance) is projected twice on the same seeds: **before**, the point projection
(``cj_engine.grades.POINT_OPTIONS``: cut points taken as known, each essay independent of the anchors), and
**after**, the default projection (the joint posterior of the anchors' thetas and the cut points,
``cj_engine.grade_posterior``) told how the anchors were chosen, on the grade fit
(``cj_engine.grade_fit.fit_for_grades``: prior SD and lapse share estimated by marginal likelihood), with the
calibration layer (``cj_engine.grade_calibration``, fitted by ``scripts/bench/fit_grade_calibration.py`` on
other settings than these, so this section is its validation), as CJ projects. "after, uncalibrated" is the
same without the layer; "after, ranking fit" the projection without the layer on the ranking fit (prior SD
3, no lapses): the first round's "after", to show what the grade fit adds. For typical anchors one more
line shows the default projection that assumes random anchors (what CJ does: it is not told). Only students
are scored.

Per projection: the reliability diagram (stated confidence, the probability of the most likely grade, in
bins of 0.2, against the share whose most likely grade is the true grade), the expected calibration error
(ECE: the bins' |stated - observed| weighted by their share of essays), the largest gap of a bin with at
least ``MIN_BIN_ESSAYS`` essays (smaller bins are marked, not judged: their sampling error alone is
~0.07), the mean log score of the true grade, exact and adjacent accuracy. The issue's targets are printed
with the measured values, never asserted. Beside each cell's "after": the 90 % band of the ECE and worst bin
that a perfectly calibrated forecaster stating the same probabilities would show on as many students
(``noise_band``), so a miss can be told from sampling error, and the interval of the measured figures over
the cell's batches resampled (``batch_interval``; wider, since a batch's students share its anchors).

``--calibration-scales`` adds the same cells (discrimination 2) on the nine- and ten-grade scales (``numeric_1_9``,
``eng5_np``): the layer has one set of maps per scale length, each fitted on its own training settings, so these
cells are their check on settings the fit never saw. At n = 30 those scales get six anchors (both ends first),
so some grades have none.

``--calibration-sources`` adds the measurement of where the overconfidence came from (the issue's setting:
50 essays, realistic judges, random anchors): each model component added in turn, and the judge's lapses
and the theta prior's shrinkage varied on the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from cj_engine.bradley_terry import fit_bradley_terry
from cj_engine.grade_fit import fit_for_grades
from cj_engine.grade_posterior import AnchorPlacement, PosteriorOptions
from cj_engine.grades import DEFAULT_OPTIONS, POINT_OPTIONS, GradeProjectionOptions, project_grades
from cj_engine.simulation import REALISTIC_JUDGE, LoopConfig, SimulatedBatch, run_assessment, simulate_batch
from cj_engine.types import FitOptions, FitResult
from common_core.grade_scales import get_grade_scale

SIZES = (30, 100)
DISCRIMINATIONS = (1.0, 2.0, 3.0)  # with the realistic judge's position bias (0.3) and lapses (5%)
DESIGNS = (AnchorPlacement.RANDOM, AnchorPlacement.TYPICAL)
SEEDS = {30: 80, 100: 24}  # about 2,000 students per cell: a calibrated ECE is then ~0.014 (0.02 at 1,000)
QUICK_SEEDS = {30: 8, 100: 3}
SOURCES_ITEMS = 50
SOURCES_SEEDS = 60
BIN_WIDTH = 0.2
MIN_BIN_ESSAYS = 50
ECE_TARGET = 0.03
BIN_TARGET = 0.06
SEED_OFFSET = 10_000  # other seeds than the rest of bench-cj: the calibration was designed on the low seeds
DEFAULT_SCALE = "swedish_f_a"  # the main cells' scale (and the layer's first)
OTHER_SCALES = ("numeric_1_9", "eng5_np")
OTHER_SCALES_DISCRIMINATION = 2.0
OTHER_SCALES_SEED_OFFSET = 30_000  # other students than the main cells'

Mapper = Callable[[Callable[["Task"], "Scored"], Sequence["Task"]], Iterable["Scored"]]


@dataclass(frozen=True)
class Task:
    n_items: int
    discrimination: float
    design: AnchorPlacement
    seed: int
    lapse_rate: float = REALISTIC_JUDGE.lapse_rate
    sources: bool = False  # the sources study: more projections per run
    scale: str = DEFAULT_SCALE


@dataclass(frozen=True)
class Graded:
    """Per student of one run under one projection."""

    stated: np.ndarray  # probability of the most likely grade
    exact: np.ndarray  # most likely grade == true grade
    adjacent: np.ndarray  # within one grade
    log_score: np.ndarray  # log probability of the true grade


@dataclass(frozen=True)
class Scored:
    task: Task
    graded: dict[str, Graded]


def _grade(fit: FitResult, batch: SimulatedBatch, options: GradeProjectionOptions, joint: bool) -> Graded:
    covariance = fit.covariance if joint else None
    projection = project_grades(fit.theta, fit.se, batch.anchors, batch.scale, covariance=covariance, options=options)
    if projection.probabilities is None:
        raise AssertionError(f"no grades: {projection.message}")
    order = batch.scale.all_grades
    students = np.array([i for i in range(batch.n_items) if i not in batch.anchors])
    truth = np.array([order.index(batch.true_grades[i]) for i in students])
    return graded_rows(projection.probabilities[students], truth)


def graded_rows(rows: np.ndarray, truth: np.ndarray) -> Graded:
    """Students' probability rows scored against their true grade indices."""
    mode = rows.argmax(axis=1)
    return Graded(
        stated=rows.max(axis=1),
        exact=mode == truth,
        adjacent=np.abs(mode - truth) <= 1,
        log_score=np.log(np.maximum(rows[np.arange(len(truth)), truth], 1e-300)),
    )


def _told(design: AnchorPlacement, calibrated: bool = True) -> GradeProjectionOptions:
    options = replace(DEFAULT_OPTIONS, posterior=PosteriorOptions(placement=design))
    return options if calibrated else replace(options, calibration=None)


def run_task(task: Task) -> Scored:
    batch = simulate_batch(task.n_items, seed=task.seed, anchor_design=task.design, scale=get_grade_scale(task.scale))
    judge = replace(REALISTIC_JUDGE, discrimination=task.discrimination, lapse_rate=task.lapse_rate)
    run = run_assessment(batch, judge, LoopConfig(), seed=task.seed)
    comparisons = list(run.comparisons)  # without continue_after_stop: exactly those at the stop
    fit = fit_bradley_terry(task.n_items, comparisons, covariance=True)
    grade_fit = fit_for_grades(task.n_items, comparisons)
    uncalibrated = _told(task.design, calibrated=False)
    graded = {
        "before": _grade(fit, batch, POINT_OPTIONS, joint=False),
        "after, ranking fit": _grade(fit, batch, uncalibrated, joint=True),
        "after, uncalibrated": _grade(grade_fit, batch, uncalibrated, joint=True),
        "after": _grade(grade_fit, batch, _told(task.design), joint=True),
    }
    if task.design is AnchorPlacement.TYPICAL:
        graded["after, assumed random"] = _grade(grade_fit, batch, DEFAULT_OPTIONS, joint=True)
    if task.sources:
        graded["+ cut points' uncertainty"] = _grade(fit, batch, uncalibrated, joint=False)
        weak = fit_bradley_terry(task.n_items, comparisons, FitOptions(prior_sd=10.0), covariance=True)
        graded["after, weak prior (SD 10)"] = _grade(weak, batch, uncalibrated, joint=True)
        graded["before, weak prior (SD 10)"] = _grade(weak, batch, POINT_OPTIONS, joint=False)
    return Scored(task, graded)


@dataclass(frozen=True)
class Summary:
    essays: int
    bins: list[tuple[float, int, float, float]]  # (lower edge, essays, mean stated, observed accuracy)
    ece: float
    worst_gap: float  # over bins with >= MIN_BIN_ESSAYS essays
    log_score: float
    exact: float
    adjacent: float
    stated: float


@dataclass(frozen=True)
class NoiseBand:
    """What a perfectly calibrated forecaster stating the same probabilities would show on as many students:
    the 5th-95th percentiles of its ECE and worst bin gap over outcomes drawn as Bernoulli(stated)
    (consistency resampling). A measured figure inside the band is not distinguishable from sampling error."""

    ece: tuple[float, float]
    worst_gap: tuple[float, float]


def _ece_and_worst(stated: np.ndarray, exact: np.ndarray) -> tuple[float, float, list[tuple[float, int, float, float]]]:
    n_bins = round(1.0 / BIN_WIDTH)
    index = np.minimum((stated / BIN_WIDTH).astype(int), n_bins - 1)
    bins, ece, worst = [], 0.0, 0.0
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        if not count:
            continue
        gap = abs(float(stated[members].mean()) - float(exact[members].mean()))
        ece += count / stated.shape[0] * gap
        if count >= MIN_BIN_ESSAYS:
            worst = max(worst, gap)
        bins.append((b * BIN_WIDTH, count, float(stated[members].mean()), float(exact[members].mean())))
    return ece, worst, bins


def noise_band(graded: Sequence[Graded], draws: int = 1000) -> NoiseBand:
    stated = np.concatenate([g.stated for g in graded])
    rng = np.random.default_rng(0)
    figures = np.array(
        [_ece_and_worst(stated, (rng.random(stated.shape[0]) < stated).astype(float))[:2] for _ in range(draws)]
    )
    return _band(figures)


def _band(figures: np.ndarray) -> NoiseBand:
    """The 5th-95th percentiles of rows of (ECE, worst bin gap)."""
    low, high = np.percentile(figures, [5, 95], axis=0)
    return NoiseBand(ece=(float(low[0]), float(high[0])), worst_gap=(float(low[1]), float(high[1])))


def batch_interval(graded: Sequence[Graded], draws: int = 500) -> NoiseBand:
    """The 5th-95th percentiles of the ECE and worst bin gap over the cell's batches resampled with
    replacement: how far the seeds alone move the figures. Students of one batch share its anchors, and so
    the errors of its cut points, which the consistency band (students independent) does not see."""
    rng = np.random.default_rng(0)
    figures = np.array(
        [
            (summary.ece, summary.worst_gap)
            for summary in (
                summarise([graded[k] for k in rng.integers(0, len(graded), len(graded))]) for _ in range(draws)
            )
        ]
    )
    return _band(figures)


def summarise(graded: Sequence[Graded]) -> Summary:
    stated = np.concatenate([g.stated for g in graded])
    exact = np.concatenate([g.exact for g in graded]).astype(float)
    ece, worst, bins = _ece_and_worst(stated, exact)
    return Summary(
        essays=int(stated.shape[0]),
        bins=bins,
        ece=ece,
        worst_gap=worst,
        log_score=float(np.concatenate([g.log_score for g in graded]).mean()),
        exact=float(exact.mean()),
        adjacent=float(np.concatenate([g.adjacent for g in graded]).mean()),
        stated=float(stated.mean()),
    )


def summarise_rows(probabilities: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> Summary:
    return summarise([graded_rows(rows, grades) for rows, grades in zip(probabilities, truth, strict=True)])


def _diagram(summary: Summary) -> str:
    cells = []
    for edge, count, stated, observed in summary.bins:
        few = "*" if count < MIN_BIN_ESSAYS else ""
        cells.append(f"{edge:.1f}-{edge + BIN_WIDTH:.1f}: {count}{few} {stated:.2f}/{observed:.2f}")
    return "; ".join(cells)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def calibration_tasks(quick: bool) -> list[Task]:
    seeds = QUICK_SEEDS if quick else SEEDS
    return [
        Task(n_items, discrimination, design, SEED_OFFSET + seed)
        for n_items in SIZES
        for discrimination in DISCRIMINATIONS
        for design in DESIGNS
        for seed in range(seeds[n_items])
    ]


def scales_tasks(quick: bool) -> list[Task]:
    seeds = QUICK_SEEDS if quick else SEEDS
    return [
        Task(n_items, OTHER_SCALES_DISCRIMINATION, design, OTHER_SCALES_SEED_OFFSET + seed, scale=scale)
        for scale in OTHER_SCALES
        for n_items in SIZES
        for design in DESIGNS
        for seed in range(seeds[n_items])
    ]


@dataclass(frozen=True)
class _CellVerdict:
    lines: list[str]
    met: tuple[bool, bool, bool]  # ECE, bins, exact accuracy
    beyond_noise: bool  # ECE above a calibrated forecaster's 90 % band


def _cell(cell: Sequence[Scored], title: str) -> _CellVerdict:
    lines = [
        "",
        f"  {title}: {len(cell)} batches, {sum(len(s.graded['before'].stated) for s in cell)} students",
    ]
    summaries = {name: summarise([s.graded[name] for s in cell]) for name in cell[0].graded}
    for name, summary in summaries.items():
        lines.append(
            f"    {name:22} ECE {summary.ece:.3f}  worst bin {summary.worst_gap:.3f}  "
            f"log score {summary.log_score:.3f}  exact {summary.exact:.3f}  adjacent {summary.adjacent:.3f}"
            f"  mean stated {summary.stated:.3f}"
        )
        lines.append(f"      {_diagram(summary)}")
    before, after = summaries["before"], summaries["after"]
    ok = (after.ece <= ECE_TARGET, after.worst_gap <= BIN_TARGET, after.exact >= before.exact)
    after_graded = [s.graded["after"] for s in cell]
    band = noise_band(after_graded)
    seeds_moved = batch_interval(after_graded)
    lines += [
        f"    after vs targets: ECE {_met(ok[0])}, bins {_met(ok[1])}, exact accuracy {_met(ok[2])}",
        f"    a calibrated forecaster stating the same (90 %): ECE {band.ece[0]:.3f}-{band.ece[1]:.3f},"
        f" worst bin {band.worst_gap[0]:.3f}-{band.worst_gap[1]:.3f}",
        f"    after, batches resampled (90 %): ECE {seeds_moved.ece[0]:.3f}-{seeds_moved.ece[1]:.3f},"
        f" worst bin {seeds_moved.worst_gap[0]:.3f}-{seeds_moved.worst_gap[1]:.3f}",
    ]
    return _CellVerdict(lines, ok, after.ece > band.ece[1])


def _totals(verdicts: Sequence[_CellVerdict], quick: bool) -> list[str]:
    seeds = QUICK_SEEDS if quick else SEEDS
    met = [ok for verdict in verdicts for ok in verdict.met]
    return [
        "",
        f"  {sum(met)} of {len(met)} target checks met "
        f"({seeds[SIZES[0]]} seeds at n = {SIZES[0]}, {seeds[SIZES[1]]} at n = {SIZES[1]})",
        f"  ECE above a calibrated forecaster's 90 % band (miscalibration beyond sampling error) in "
        f"{sum(v.beyond_noise for v in verdicts)} of {len(verdicts)} cells",
    ]


def calibration_section(scored: Sequence[Scored], quick: bool) -> list[str]:
    lines = [
        "Grade calibration: stated confidence (probability of the most likely grade) against the share of students",
        "whose most likely grade is their true grade; default stopping rule, judges with position bias 0.3 and 5%",
        "lapses, one anchor per grade (random exemplar / typical mid-band exemplar), students only.",
        f"  targets: ECE <= {ECE_TARGET}; no bin (>= {MIN_BIN_ESSAYS} essays) off by more than {BIN_TARGET};",
        "  exact accuracy after >= before. Diagram: bin: essays stated/observed (* = too few essays to judge).",
    ]
    verdicts = []
    for n_items in SIZES:
        for discrimination in DISCRIMINATIONS:
            for design in DESIGNS:
                cell = [
                    s
                    for s in scored
                    if (s.task.n_items, s.task.discrimination, s.task.design) == (n_items, discrimination, design)
                ]
                title = f"n = {n_items}, discrimination {discrimination:.1f}, {design.value} anchors"
                verdicts.append(_cell(cell, title))
    return [*lines, *(line for verdict in verdicts for line in verdict.lines), *_totals(verdicts, quick)]


def scales_section(scored: Sequence[Scored], quick: bool) -> list[str]:
    lines = [
        "Grade calibration on longer scales (the layer's maps for their number of grades, fitted on other "
        f"settings): discrimination {OTHER_SCALES_DISCRIMINATION:.0f}, the same judges, designs and targets as "
        "above; anchors as above, at most one per grade and a fifth of the batch (n = 30: six, both ends first).",
    ]
    verdicts = []
    for scale in OTHER_SCALES:
        grades = len(get_grade_scale(scale).all_grades)
        for n_items in SIZES:
            for design in DESIGNS:
                cell = [s for s in scored if (s.task.scale, s.task.n_items, s.task.design) == (scale, n_items, design)]
                title = f"{scale} ({grades} grades), n = {n_items}, {design.value} anchors"
                verdicts.append(_cell(cell, title))
    return [*lines, *(line for verdict in verdicts for line in verdict.lines), *_totals(verdicts, quick)]


def sources_tasks() -> list[Task]:
    return [
        Task(
            SOURCES_ITEMS, REALISTIC_JUDGE.discrimination, AnchorPlacement.RANDOM, seed, lapse_rate=lapse, sources=True
        )
        for lapse in (REALISTIC_JUDGE.lapse_rate, 0.0)
        for seed in range(SOURCES_SEEDS)
    ]


def sources_section(scored: Sequence[Scored]) -> list[str]:
    lines = [
        f"Where the overconfidence came from: {SOURCES_ITEMS} essays, discrimination 2, random anchors, "
        f"{SOURCES_SEEDS} batches per judge",
        f"  {'projection':42}{'ECE':>7}{'stated - exact':>16}{'log score':>11}{'exact':>8}",
    ]
    rows = (
        "before",
        "+ cut points' uncertainty",
        "after, ranking fit",
        "after, uncalibrated",
        "after",
        "before, weak prior (SD 10)",
        "after, weak prior (SD 10)",
    )
    for lapse in (REALISTIC_JUDGE.lapse_rate, 0.0):
        runs = [s for s in scored if s.task.lapse_rate == lapse]
        lines.append(f"  judge lapses {lapse:.0%}")
        for name in rows:
            summary = summarise([s.graded[name] for s in runs])
            label = {
                "after, ranking fit": "+ joint covariance",
                "after, uncalibrated": "+ grade fit: tau, lapses",
                "after": "+ calibration layer (= after)",
            }.get(name, name)
            lines.append(
                f"    {label:40}{summary.ece:>7.3f}{summary.stated - summary.exact:>+16.3f}"
                f"{summary.log_score:>11.3f}{summary.exact:>8.3f}"
            )
    return lines
