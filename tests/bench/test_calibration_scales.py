"""bench-cj's check of the grade calibration on other scales than the one the layer was fitted on.

The section is only worth reading if its batches really are graded on the scale it names and every cell is
reported, so both are tested here (one small assessment; the cells' figures are synthetic)."""

from __future__ import annotations

import numpy as np

from cj_engine.grade_posterior import AnchorPlacement
from common_core.grade_scales import get_grade_scale
from scripts.bench.bench_cj_calibration import (
    DESIGNS,
    OTHER_SCALES,
    SIZES,
    Graded,
    Scored,
    Task,
    run_task,
    scales_section,
    scales_tasks,
)


def test_a_task_on_a_nine_grade_scale_is_graded_on_nine_grades() -> None:
    scored = run_task(Task(30, 2.0, AnchorPlacement.RANDOM, 30_000, scale="numeric_1_9"))
    after = scored.graded["after"]
    # The same students (one seed) on a 1-9 scale have grades half as wide as on F-A, so their most likely
    # grade is less sure: a task that ignored its scale and graded on F-A would not pass.
    assert after.stated.shape == (24,)
    assert np.all(after.stated > 1 / 9)
    swedish = run_task(Task(30, 2.0, AnchorPlacement.RANDOM, 30_000))
    assert after.stated.mean() < swedish.graded["after"].stated.mean()


def test_every_scale_size_and_design_is_a_cell_with_its_verdict() -> None:
    rng = np.random.default_rng(3)
    tasks = scales_tasks(quick=True)
    assert {t.scale for t in tasks} == set(OTHER_SCALES)

    def graded() -> Graded:
        stated = rng.uniform(0.3, 0.9, 20)
        exact = rng.random(20) < stated
        return Graded(stated=stated, exact=exact, adjacent=exact, log_score=np.log(stated))

    section = scales_section([Scored(t, {"before": graded(), "after": graded()}) for t in tasks], quick=True)
    text = "\n".join(section)
    for scale in OTHER_SCALES:
        grades = len(get_grade_scale(scale).all_grades)
        for n_items in SIZES:
            for design in DESIGNS:
                assert f"{scale} ({grades} grades), n = {n_items}, {design.value} anchors" in text
    assert f"of {3 * len(OTHER_SCALES) * len(SIZES) * len(DESIGNS)} target checks met" in text
