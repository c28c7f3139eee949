"""Redelivery, crashes, LPS outages and error callbacks: the job still ends once, with honest counts."""

from __future__ import annotations

import asyncio
import uuid

from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentProgressV1,
)
from services.cj_assessment_service.tests.integration.conftest import Harness


async def verdict_rows(harness: Harness) -> int:
    return int((await harness.db("SELECT count(*) FROM comparisons WHERE status = 'done'"))[0][0])


async def assert_counts_are_real(harness: Harness, completed: CJAssessmentCompletedV1) -> None:
    """No lost or doubled comparisons: one verdict row per judged request id, and the event says so."""
    done = await verdict_rows(harness)
    assert completed.comparisons_completed == done == len(harness.lps.verdicts_sent)
    assert set(harness.lps.verdicts_sent.values()) == {1}  # the fake LPS judged each request id once
    duplicates = await harness.db(
        "SELECT job_id, wave, position FROM comparisons WHERE status = 'done' GROUP BY 1, 2, 3 HAVING count(*) > 1"
    )
    assert duplicates == []


async def test_duplicate_requests_and_callbacks_change_nothing(harness: Harness):
    harness.lps.duplicate = True  # every callback is delivered twice
    await harness.start()
    event_id = uuid.uuid4()
    request = await harness.request(8, event_id=event_id)
    await harness.request(0, request=request, event_id=event_id)  # the same event redelivered
    await harness.request(0, request=request)  # the same request under a new event id

    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    await harness.wait_for_event(AssessmentResultPublishedV1, request.batch_id)
    assert (await harness.db("SELECT count(*) FROM jobs"))[0][0] == 1
    await assert_counts_are_real(harness, completed)
    # Late redeliveries of every callback after completion are ignored too: nothing more is published.
    await harness.lps.replay()
    await asyncio.sleep(1.0)
    assert await verdict_rows(harness) == completed.comparisons_completed
    assert len(harness.events.of(CJAssessmentCompletedV1)) == 1
    assert len(harness.events.of(AssessmentResultPublishedV1)) == 1
    # One progress event per count reached (within a wave, paced, and at each wave's close): a duplicate
    # callback publishes nothing.
    reached = [(p.wave, p.comparisons_done) for p in harness.events.payloads(CJAssessmentProgressV1)]
    assert len(reached) == len(set(reached))


async def test_worker_killed_mid_wave_completes_after_restart_without_lost_or_doubled_comparisons(harness: Harness):
    first = await harness.start()
    request = await harness.request(10)
    # Let two waves through, then hold the callbacks of the third.
    await harness.wait_for(lambda: len(harness.events.of(CJAssessmentProgressV1)) >= 2, what="two waves")
    harness.lps.hold = True
    await harness.wait_for(lambda: len(harness.lps.held) >= 4, what="a held wave")
    before = await verdict_rows(harness)
    await harness.lps.release(2)  # half of the wave answered ...
    await harness.wait_for_db(lambda rows: rows >= before + 2, verdict_rows)
    await harness.kill(first)  # ... then the worker dies mid-wave
    harness.lps.hold = False
    await harness.lps.release()  # the rest arrives while no worker runs

    await harness.start()
    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    await harness.wait_for_event(AssessmentResultPublishedV1, request.batch_id)
    await assert_counts_are_real(harness, completed)
    assert len(harness.events.of(CJAssessmentCompletedV1)) == 1


async def test_lps_down_on_submit_then_back_and_a_crash_between_persist_and_submit(harness: Harness):
    harness.lps.unavailable = True
    first = await harness.start()
    request = await harness.request(8)
    # The wave is persisted before the submit; LPS refuses it, and the submitter keeps backing off.
    await harness.wait_for(lambda: harness.lps.refused_submits >= 2, what="retried submits")
    planned = await harness.db("SELECT count(*), count(acknowledged_at) FROM comparisons")
    assert planned[0][0] > 0
    assert planned[0][1] == 0
    await harness.kill(first)  # crash with a persisted, never acknowledged wave

    harness.lps.unavailable = False
    await harness.start()  # start-up re-submits the unacknowledged pairs, and the job continues
    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    await assert_counts_are_real(harness, completed)
    unacked = await harness.db("SELECT count(*) FROM comparisons WHERE status = 'done' AND acknowledged_at IS NULL")
    assert unacked[0][0] == 0


async def test_lps_unavailable_for_a_while_the_job_waits_then_continues(harness: Harness):
    harness.lps.unavailable = True
    await harness.start()
    request = await harness.request(6)
    await harness.wait_for(lambda: harness.lps.refused_submits >= 3, what="submits refused for a while")
    harness.lps.unavailable = False
    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    assert completed.comparisons_completed > 0
    await assert_counts_are_real(harness, completed)


async def test_thirty_percent_error_callbacks_still_complete_within_budget(harness: Harness):
    harness.lps.error_share = 0.3
    await harness.start()
    request = await harness.request(10)
    completed = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    result = await harness.wait_for_event(AssessmentResultPublishedV1, request.batch_id)
    assert sum(harness.lps.errors_sent.values()) > 0
    retries = await harness.db("SELECT count(*) FROM comparisons WHERE attempt > 1")
    assert retries[0][0] > 0  # retryable errors were re-planned
    await assert_counts_are_real(harness, completed)
    # Within budget: no essay took more verdicts than the per-essay budget allows.
    assert max(r.comparison_count for r in result.results) <= request.budget.max_comparisons_per_essay
    assert completed.comparisons_failed == result.comparisons_failed
