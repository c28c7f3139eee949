"""bench-cj's calibration noise band: what a perfectly calibrated forecaster's ECE would be on as many students.

The band is what lets a reader tell a miss of the ECE target from sampling error, so it must contain the ECE of
outcomes that really follow the stated probabilities, and sit below a forecaster that is sure and often wrong."""

from __future__ import annotations

import numpy as np

from scripts.bench.bench_cj_calibration import Graded, batch_interval, noise_band, summarise


def _graded(stated: np.ndarray, exact: np.ndarray) -> Graded:
    return Graded(stated=stated, exact=exact, adjacent=exact, log_score=np.log(stated))


def test_a_calibrated_forecasters_ece_falls_in_the_band_and_an_overconfident_one_above_it() -> None:
    rng = np.random.default_rng(1)
    stated = rng.uniform(0.4, 1.0, 2000)
    inside = 0
    for _ in range(20):
        calibrated = _graded(stated, rng.random(stated.shape[0]) < stated)
        low, high = noise_band([calibrated], draws=200).ece
        inside += low <= summarise([calibrated]).ece <= high
    assert inside >= 15  # a 90 % band: about 18 of 20
    overconfident = _graded(stated, rng.random(stated.shape[0]) < stated - 0.08)
    assert summarise([overconfident]).ece > noise_band([overconfident], draws=200).ece[1]


def test_the_band_narrows_with_more_students() -> None:
    rng = np.random.default_rng(2)
    small = np.full(500, 0.7)
    large = np.full(8000, 0.7)
    width = [
        np.subtract(*noise_band([_graded(s, rng.random(s.shape[0]) < s)], draws=300).ece[::-1]) for s in (small, large)
    ]
    assert width[1] < width[0] / 2


def test_resampling_batches_shows_how_far_one_bad_batch_moves_the_figures() -> None:
    rng = np.random.default_rng(3)
    stated = np.full(100, 0.9)
    good = [_graded(stated, rng.random(100) < 0.9) for _ in range(9)]
    bad = _graded(stated, np.zeros(100, dtype=bool))  # a batch whose anchors misplaced every cut: all wrong
    pooled = summarise([*good, bad]).ece
    low, high = batch_interval([*good, bad], draws=300).ece
    assert low < pooled < high
    assert high - low > 0.1  # the students are not independent: one batch moves the ECE by a tenth
    assert np.subtract(*noise_band([*good, bad], draws=300).ece[::-1]) < (high - low) / 2
