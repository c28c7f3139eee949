"""Fit the grade calibration layer (``cj_engine.grade_calibration``) on simulated assessments.

``pdm run fit-grade-calibration [--workers K] [--write]``. It simulates assessments in settings of its own,
drawn at random from batch sizes 36, 45, 60 and 80, judge discriminations 1.2, 1.6, 2.3, 2.8 and 3.5, lapse
rates 2, 5 and 8 %, position biases 0, 0.3 and 0.5 logits, ability SDs 1.2, 1.5 and 1.8, and both anchor
designs (seeds 60,000 and up), on Swedish F-A, and each drawn setting once more on a nine- or ten-grade scale
(1-9 and ENG5 NP in turn, seeds 70,000 and up). It runs each to the default stopping rule, projects the students'
grades as CJ does but without the layer (the grade fit, the joint posterior told the anchor design), and fits
one set of maps per number of grades to the true grades. bench-cj's calibration sections (batch sizes 30 and
100, discriminations 1, 2 and 3, 5 % lapses, bias 0.3, ability SD 1.5, seeds 10,000 and up;
``--calibration-scales``: discrimination 2 on the two longer scales, seeds 30,000 and up) are then the
validation on settings the fit never saw.

It prints the maps and the fit's own calibration before and after, per number of grades; ``--write`` writes them
to ``libs/cj_engine/src/cj_engine/grade_calibration_table.py``. Deterministic given the settings.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cj_engine.grade_calibration import GradeCalibration, MonotoneMap, fit_grade_calibration
from cj_engine.grade_fit import fit_for_grades
from cj_engine.grade_posterior import AnchorPlacement, PosteriorOptions
from cj_engine.grades import DEFAULT_OPTIONS, project_grades
from cj_engine.simulation import REALISTIC_JUDGE, LoopConfig, run_assessment, simulate_batch
from common_core.grade_scales import get_grade_scale
from scripts.bench.bench_cj_calibration import DEFAULT_SCALE, ECE_TARGET, OTHER_SCALES, summarise_rows

TABLE = Path(__file__).resolve().parents[2] / "libs/cj_engine/src/cj_engine/grade_calibration_table.py"
N_TASKS = 480
SEED_OFFSET = 60_000
LONGER_SCALES_SEED_OFFSET = 10_000  # added to a drawn setting's seed for its copy on a longer scale


@dataclass(frozen=True)
class Setting:
    n_items: int
    discrimination: float
    lapse_rate: float
    position_bias: float
    ability_sd: float
    design: AnchorPlacement
    seed: int
    scale: str = DEFAULT_SCALE


def training_settings(count: int = N_TASKS) -> list[Setting]:
    rng = np.random.default_rng(7)

    def draw(values: tuple[float, ...]) -> float:
        return float(values[int(rng.integers(len(values)))])

    settings = []
    for i in range(count):
        n_items = int(draw((36, 45, 60, 80)))
        discrimination = draw((1.2, 1.6, 2.3, 2.8, 3.5))
        lapse_rate = draw((0.02, 0.05, 0.08))
        ability_sd = draw((1.2, 1.5, 1.8))
        position_bias = draw((0.0, 0.3, 0.5))
        design = AnchorPlacement.RANDOM if rng.random() < 0.5 else AnchorPlacement.TYPICAL
        if n_items == 80 and rng.random() < 0.5:
            continue  # the largest batches take longest: half as many of them
        settings.append(
            Setting(n_items, discrimination, lapse_rate, position_bias, ability_sd, design, SEED_OFFSET + i)
        )
    longer = [
        replace(setting, seed=setting.seed + LONGER_SCALES_SEED_OFFSET, scale=OTHER_SCALES[i % len(OTHER_SCALES)])
        for i, setting in enumerate(settings)
    ]
    return settings + longer


def uncalibrated_students(setting: Setting) -> tuple[np.ndarray, np.ndarray]:
    """(students x grades probabilities without the layer, each student's true grade index)."""
    batch = simulate_batch(
        setting.n_items,
        seed=setting.seed,
        anchor_design=setting.design,
        ability_sd=setting.ability_sd,
        scale=get_grade_scale(setting.scale),
    )
    judge = replace(
        REALISTIC_JUDGE,
        discrimination=setting.discrimination,
        lapse_rate=setting.lapse_rate,
        position_bias=setting.position_bias,
    )
    run = run_assessment(batch, judge, LoopConfig(), seed=setting.seed)
    fit = fit_for_grades(setting.n_items, list(run.comparisons))
    options = replace(DEFAULT_OPTIONS, posterior=PosteriorOptions(placement=setting.design), calibration=None)
    projection = project_grades(
        fit.theta, fit.se, batch.anchors, batch.scale, covariance=fit.covariance, options=options
    )
    if projection.probabilities is None:
        raise AssertionError(f"no grades: {projection.message}")
    order = batch.scale.all_grades
    students = np.array([i for i in range(setting.n_items) if i not in batch.anchors])
    truth = np.array([order.index(batch.true_grades[i]) for i in students])
    return projection.probabilities[students], truth


def _literal(mapping: MonotoneMap) -> str:
    def numbers(values: tuple[float, ...]) -> str:
        return ", ".join(f"{v:.6g}" for v in values)  # 6 significant digits keep tiny knots apart

    return f"MonotoneMap(\n            x=({numbers(mapping.x)},),\n            y=({numbers(mapping.y)},),\n        )"


def table_module(fitted: dict[int, GradeCalibration], tasks: int, students: int) -> str:
    def calibration(layer: GradeCalibration) -> str:
        maps = "".join(f"                    {_literal(mapping)},\n" for mapping in layer.maps)
        return f"            GradeCalibration(\n                (\n{maps}                )\n            ),\n"

    entries = "".join(f"        (\n            {n},\n{calibration(layer)}        ),\n" for n, layer in fitted.items())
    return (
        '"""The fitted grade calibration maps, one set per number of grades (generated by\n'
        f"scripts/bench/fit_grade_calibration.py --write: {tasks} simulated assessments, {students} students; do not\n"
        'edit by hand, run the script)."""\n\n'
        "from cj_engine.grade_calibration import GradeCalibration, MonotoneMap, ScaleCalibrations\n\n"
        "FITTED = ScaleCalibrations(\n"
        "    (\n"
        f"{entries}"
        "    )\n"
        ")\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=N_TASKS, help="settings drawn (default %(default)s)")
    parser.add_argument("--write", action="store_true", help="write the maps to grade_calibration_table.py")
    args = parser.parse_args()
    settings = training_settings(args.tasks)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(uncalibrated_students, settings, chunksize=2))
    students = sum(len(t) for _, t in results)
    print(f"{len(settings)} simulated assessments, {students} students, {time.perf_counter() - start:.0f} s")
    fitted: dict[int, GradeCalibration] = {}
    for n_grades in sorted({rows.shape[1] for rows, _ in results}):
        rows = [r for r, _ in results if r.shape[1] == n_grades]
        truth = [t for r, t in results if r.shape[1] == n_grades]
        layer = fit_grade_calibration(rows, truth)
        fitted[n_grades] = layer
        print(f"  {n_grades} grades: {len(rows)} assessments, {sum(len(t) for t in truth)} students")
        for name, probabilities in (("without the layer", rows), ("with it", [layer.apply(r) for r in rows])):
            summary = summarise_rows(probabilities, truth)
            print(
                f"    on the training settings {name}: ECE {summary.ece:.3f} (target {ECE_TARGET} is judged on "
                f"bench-cj's settings), log score {summary.log_score:.3f}, exact {summary.exact:.3f}"
            )
        for distance, mapping in enumerate(layer.maps):
            print(f"    boundaries {distance} step(s) from their end: {_literal(mapping)}")
    if args.write:
        TABLE.write_text(table_module(fitted, len(settings), students), encoding="utf-8")
        # Laid out by the repository's formatter, so that the checked-in table passes `ruff format --check`.
        subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TABLE)], check=True, timeout=60)
        print(f"  written to {TABLE}")


if __name__ == "__main__":
    main()
