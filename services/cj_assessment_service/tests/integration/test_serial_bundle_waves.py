"""serial_bundle jobs persist two-round waves in a bundle-friendly order (real database, fake content)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from itertools import pairwise

import pytest
from sqlalchemy import select

from cj_assessment_service.adapters.tables import comparisons
from common_core.events.cj_assessment import CJAssessmentCompletedV1
from services.cj_assessment_service.tests.builders import FakeTexts, assessment, essay_refs
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    OnTheDatabase,
    on_the_database,
    run_request,
)


@pytest.fixture
async def deps(database_factory: Callable[[str], str]) -> AsyncIterator[tuple[OnTheDatabase, FakeTexts]]:
    texts = FakeTexts()
    async with on_the_database(database_factory, "bundles", texts) as service:
        yield service, texts


async def first_wave(service: OnTheDatabase, texts: FakeTexts, n_essays: int, mode: str) -> list[tuple[str, str]]:
    """Start a job in ``mode`` and return its first wave's pairs (essay ids) in submission order."""
    await run_request(service, assessment(essay_refs(texts, n_essays), llm={"batching_mode": mode}))
    async with service.sessions() as session:  # a fresh database per test: this job's rows only
        rows = await session.execute(
            select(comparisons.c.essay_a_id, comparisons.c.essay_b_id)
            .where(comparisons.c.wave == 0)
            .order_by(comparisons.c.position)
        )
        return [(str(a), str(b)) for a, b in rows]


async def test_a_serial_bundle_wave_is_two_rounds_walked_so_neighbours_share_essays(
    deps: tuple[OnTheDatabase, FakeTexts],
):
    service, texts = deps
    wave = await first_wave(service, texts, 12, "serial_bundle")
    assert len(wave) == 12  # SERIAL_BUNDLE_WAVE_MULTIPLIER = 2: n pairs instead of n / 2
    appearances = Counter(e for pair in wave for e in pair)
    assert len(appearances) == 12
    assert set(appearances.values()) == {2}  # two rounds: each essay twice
    # A graph where every essay has two pairs is a set of cycles; walked, only the step from one
    # cycle to the next shares no essay, so the breaks are fewer than the cycles.
    breaks = sum(1 for before, after in pairwise(wave) if not set(before) & set(after))
    assert breaks <= 12 // 3 - 1
    # LPS bundles 8 consecutive pairs: whole cycles plus at most one open path, so at most 9 essays
    # (a one-round wave would show 16 different essays in 8 pairs).
    assert len({e for pair in wave[:8] for e in pair}) <= 9


async def test_a_per_request_wave_keeps_its_size(deps: tuple[OnTheDatabase, FakeTexts]):
    service, texts = deps
    assert len(await first_wave(service, texts, 12, "per_request")) == 6


async def test_a_serial_bundle_job_runs_to_completion_in_two_round_waves(harness: Harness):
    await harness.start()
    request = await harness.request(12, batching_mode="serial_bundle")
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    waves = await harness.db(
        "SELECT w.wave, w.pairs_planned, count(c.pair_id), w.completed_at IS NOT NULL FROM waves w "
        "LEFT JOIN comparisons c ON c.job_id = w.job_id AND c.wave = w.wave AND c.attempt = 1 "
        "GROUP BY w.job_id, w.wave ORDER BY w.wave"
    )
    assert [w[0] for w in waves] == list(range(len(waves)))
    # Each wave row counts exactly the first attempts filed under its number, and every wave closed.
    assert all(planned == filed and closed for _, planned, filed, closed in waves)
    # Every wave but the job's last (cut by the per-essay budget) has n pairs: two planner rounds.
    assert all(planned == 12 for _, planned, _, _ in waves[:-1])
    done = await harness.db("SELECT count(*) FROM comparisons WHERE status = 'done'")
    assert completed.comparisons_completed == done[0][0] > 0
