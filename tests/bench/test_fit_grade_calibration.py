"""The script that fits the grade calibration layer: its settings per scale and the table it writes."""

from __future__ import annotations

from cj_engine.grade_calibration import GradeCalibration, MonotoneMap, ScaleCalibrations
from scripts.bench.bench_cj_calibration import DEFAULT_SCALE, OTHER_SCALES
from scripts.bench.fit_grade_calibration import SEED_OFFSET, table_module, training_settings


def test_every_drawn_setting_runs_on_f_a_and_once_on_a_longer_scale_with_its_own_seed() -> None:
    settings = training_settings(40)
    six = [s for s in settings if s.scale == DEFAULT_SCALE]
    longer = [s for s in settings if s.scale != DEFAULT_SCALE]
    assert len(six) == len(longer)
    assert {s.scale for s in longer} == set(OTHER_SCALES)
    assert all(s.seed >= SEED_OFFSET for s in six)
    assert not {s.seed for s in six} & {s.seed for s in longer}  # other students on the longer scales
    for a, b in zip(six, longer, strict=True):
        assert (a.n_items, a.discrimination, a.lapse_rate, a.design) == (
            b.n_items,
            b.discrimination,
            b.lapse_rate,
            b.design,
        )


def test_the_written_table_reads_back_as_the_fitted_calibrations() -> None:
    fitted = {
        6: GradeCalibration((MonotoneMap((0.0, 0.25, 1.0), (0.0, 0.125, 1.0)), MonotoneMap.identity())),
        9: GradeCalibration((MonotoneMap((0.0, 0.5, 1.0), (0.0, 0.4, 1.0)),)),
    }
    namespace: dict[str, object] = {}
    exec(table_module(fitted, 2, 60), namespace)  # noqa: S102 - the script's own output, as Python imports it
    table = namespace["FITTED"]
    assert isinstance(table, ScaleCalibrations)
    assert table.by_grades == tuple(fitted.items())
