"""A job's whole life through the use cases, against in-memory fakes: no database, no broker, milliseconds.

The same rules are tested on PostgreSQL in tests/integration/test_handlers_on_the_database.py; here
every path a job can take is walked: started, answered, retried, closed wave by wave, completed,
failed for each reason, cancelled, recovered by the monitor, and refused by LPS.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from cj_assessment_service.domain.job import FailureCode
from cj_assessment_service.domain.pairs import PairStatus
from cj_assessment_service.domain.stuck import StuckAction
from cj_assessment_service.service_layer.callbacks import record_result
from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.monitor import StuckJobMonitor
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
)
from common_core.events.llm_provider import ComparisonError
from common_core.status import CJJobState
from huleedu_service_libs.errors import ConflictError, ExternalServiceError, NotFoundError, ValidationFailedError
from services.cj_assessment_service.tests.builders import verdict
from services.cj_assessment_service.tests.service_layer.conftest import Service, callback, start

RATE_LIMITED = ComparisonError(code="RATE_LIMITED", message="slow down", retryable=True)
REFUSED = ComparisonError(code="CONTENT_REFUSED", message="the model refused", retryable=False)


def the_job(service: Service):
    (job,) = service.rows.jobs.values()
    return job


def judge(service: Service, request_id: str) -> str:
    """A consistent judge: the essay with the higher number wins."""
    pair = next(p for ps in service.rows.pairs.values() for p in ps if p.request_id == request_id)
    essays = {e.essay_id: e.item_index for es in service.rows.essays.values() for e in es}
    return "A" if essays[pair.essay_a_id] > essays[pair.essay_b_id] else "B"


async def answer_until_done(service: Service, *, max_rounds: int = 100) -> None:
    for _ in range(max_rounds):
        open_ids = service.open_requests()
        if not open_ids:
            return
        for request_id in open_ids:
            await callback(service, verdict(request_id, judge(service, request_id)))
    raise AssertionError("the job never finished")


async def test_a_job_lives_from_request_to_results(service: Service):
    message = service.request(8, budget=AssessmentBudget(max_comparisons_per_essay=6))
    await start(service, message)
    job = the_job(service)
    assert (job.state, job.current_wave) == (CJJobState.COMPARING, 0)
    (started,) = service.events_of(CJAssessmentProgressV1)
    assert (started.comparisons_done, started.comparisons_planned) == (0, 4)

    assert await Submitter(service.deps).submit_due_once() == 4
    assert all(p.acknowledged for p in service.rows.pairs[job.id])
    (sent,) = service.lps.requests
    assert (len(sent.comparisons), len(sent.texts)) == (4, 8)

    await answer_until_done(service)
    job = the_job(service)
    assert job.state is CJJobState.COMPLETED
    assert None not in (job.stop_reason, job.reliability_ssr)
    (completed,) = service.events_of(CJAssessmentCompletedV1)
    (result,) = service.events_of(AssessmentResultPublishedV1)
    done = [p for p in service.rows.pairs[job.id] if p.status is PairStatus.DONE]
    assert completed.comparisons_completed == result.comparisons_completed == len(done)
    assert (completed.essays_assessed, completed.anchors_used) == (8, 0)
    # Every essay has its result, and the ranking is the consistent judge's order: up to a swap of
    # neighbours, which an adaptive design may never have compared directly.
    assert len(service.rows.results[job.id]) == 8
    ranks = sorted(result.results, key=lambda r: r.rank)
    indices = {e.essay_id: e.item_index for e in service.rows.essays[job.id]}
    true_rank = {essay: 8 - index for essay, index in indices.items()}  # the highest number wins: rank 1
    assert all(abs(r.rank - true_rank[r.essay_id]) <= 1 for r in ranks), [
        (true_rank[r.essay_id], r.rank) for r in ranks
    ]
    # No pair twice in one wave, and every wave closed with a progress event of its own.
    per_wave = Counter((p.wave, frozenset((p.essay_a_id, p.essay_b_id))) for p in service.rows.pairs[job.id])
    assert max(per_wave.values()) == 1
    waves = service.rows.waves[job.id]
    assert all(w.completed for w in waves)
    closing = [e for e in service.rows.outbox if e.natural_key[0] == "cj.progress" and len(e.natural_key) == 3]
    assert len(closing) == len(waves)


async def test_a_redelivered_request_changes_nothing(service: Service):
    message = service.request(4)
    await start(service, message)
    before = (len(service.rows.pairs[the_job(service).id]), len(service.rows.outbox))
    await start(service, message)
    assert len(service.rows.jobs) == 1
    assert (len(service.rows.pairs[the_job(service).id]), len(service.rows.outbox)) == before


async def test_an_answer_is_recorded_once_and_an_unknown_one_not_at_all(service: Service):
    await start(service, service.request(4))
    first, _second = service.open_requests()
    assert await callback(service, verdict("cj-unknown")) is False
    assert await callback(service, verdict(first)) is True
    assert await callback(service, verdict(first, "B")) is False
    (pair,) = [p for p in service.rows.pairs[the_job(service).id] if p.request_id == first]
    assert (pair.status, pair.winner) == (PairStatus.DONE, "A")


async def test_a_retryable_error_is_asked_again_and_the_wave_waits_for_it(service: Service):
    await start(service, service.request(4))
    first, second = service.open_requests()
    await callback(service, verdict(first))
    assert await callback(service, verdict(second, error=RATE_LIMITED)) is True
    job = the_job(service)
    attempts = sorted((p.position, p.attempt, p.status) for p in service.rows.pairs[job.id])
    assert attempts == [(0, 1, PairStatus.DONE), (1, 1, PairStatus.FAILED), (1, 2, PairStatus.PLANNED)]
    assert job.current_wave == 0  # still waiting for the retry
    (retry,) = service.open_requests()
    await callback(service, verdict(retry))
    assert the_job(service).current_wave == 1


async def test_a_retryable_error_on_the_last_attempt_is_final(service: Service):
    assert service.deps.settings.max_pair_attempts == 2
    await start(service, service.request(4))
    first, second = service.open_requests()
    await callback(service, verdict(first))
    await callback(service, verdict(second, error=RATE_LIMITED))
    (retry,) = service.open_requests()
    await callback(service, verdict(retry, error=RATE_LIMITED))
    job = the_job(service)
    assert [p.attempt for p in service.rows.pairs[job.id] if (p.wave, p.position) == (0, 1)] == [1, 2]  # no third
    assert job.current_wave == 1  # the wave closed on one answer and one final failure


async def test_the_last_attempt_fails_for_good_and_a_wave_of_failures_fails_the_job(service: Service):
    await start(service, service.request(4))
    for request_id in service.open_requests():
        await callback(service, verdict(request_id, error=REFUSED))
    job = the_job(service)
    assert job.state is CJJobState.FAILED
    assert job.failure_code == FailureCode.ALL_COMPARISONS_FAILED
    (failed,) = service.events_of(CJAssessmentFailedV1)
    assert failed.error.message == "all comparisons failed: the model refused"
    assert (failed.comparisons_completed, failed.comparisons_failed) == (0, 2)


@pytest.mark.parametrize(
    ("n_essays", "code"),
    [(1, FailureCode.TOO_FEW_ESSAYS)],
)
async def test_a_request_that_cannot_be_assessed_fails_at_once_with_a_reason(service: Service, n_essays, code):
    await start(service, service.request(n_essays))
    job = the_job(service)
    assert (job.state, job.failure_code) == (CJJobState.FAILED, code)
    (failed,) = service.events_of(CJAssessmentFailedV1)
    assert "at least 2 student essays" in failed.error.message
    assert service.rows.pairs[job.id] == []


async def test_an_unknown_assignment_and_missing_texts_fail_the_job(service: Service):
    await start(service, service.request(3, assignment_id=uuid.uuid4()))
    assert the_job(service).failure_code == FailureCode.UNKNOWN_ASSIGNMENT
    service.rows.jobs.clear()
    message = service.request(3)
    del service.texts.texts[message.essays[0].text_ref]
    await start(service, message)
    job = the_job(service)
    assert (job.failure_code, job.failure_message) == (
        FailureCode.TEXTS_MISSING,
        "1 of the job's texts could not be found in the text store",
    )


async def test_progress_within_a_wave_is_paced(service: Service):
    await start(service, service.request(10, budget=AssessmentBudget(max_comparisons_per_essay=10)))
    first, second, third, *_ = service.open_requests()
    for request_id in (first, second):
        await callback(service, verdict(request_id))
    assert [e.comparisons_done for e in service.events_of(CJAssessmentProgressV1)] == [0, 1]
    job = service.rows.jobs[the_job(service).id]
    job.progress_published_at = datetime.now(UTC) - timedelta(seconds=service.deps.settings.progress_interval_s)
    await callback(service, verdict(third, error=RATE_LIMITED))
    # An error leaves the count as it was, and its event still has an id of its own.
    assert [e.comparisons_done for e in service.events_of(CJAssessmentProgressV1)] == [0, 1, 2]


async def test_cancelling_fails_the_job_and_later_answers_are_dropped(service: Service):
    await start(service, service.request(4))
    job_id = the_job(service).id
    queries = JobQueries(service.deps)
    with pytest.raises(NotFoundError):
        await queries.cancel(job_id, "another-teacher")
    await queries.cancel(job_id, "teacher-1")
    job = the_job(service)
    assert (job.state, job.failure_code) == (CJJobState.FAILED, FailureCode.CANCELLED)
    assert {p.status for p in service.rows.pairs[job_id]} == {PairStatus.ABANDONED}
    assert await callback(service, verdict(service.rows.pairs[job_id][0].request_id)) is False
    with pytest.raises(ConflictError, match="has already failed"):
        await queries.cancel(job_id, "teacher-1")


async def test_the_job_view_counts_what_the_job_did(service: Service):
    await start(service, service.request(6))
    first, *_ = service.open_requests()
    await callback(service, verdict(first, call_id="call-1"))
    view = await JobQueries(service.deps).job(the_job(service).id, "teacher-1")
    assert (view.state, view.essays_assessed, view.comparisons_planned, view.comparisons_completed) == (
        CJJobState.COMPARING,
        6,
        3,
        1,
    )
    assert view.usage is not None
    assert view.usage.llm_calls == 1


async def test_an_unreachable_lps_backs_the_job_off_and_a_refusal_fails_it(service: Service):
    await start(service, service.request(4))
    submitter = Submitter(service.deps)
    service.lps.error = ExternalServiceError("LPS is down")
    assert await submitter.submit_due_once() == 0
    job = the_job(service)
    assert job.submit_failures == 1
    assert job.next_submit_at > datetime.now(UTC)
    assert await submitter.submit_due_once() == 0  # not due yet: nothing sent
    job.next_submit_at = datetime.now(UTC)
    service.lps.error = ValidationFailedError("unknown model")
    await submitter.submit_due_once()
    job = the_job(service)
    assert (job.state, job.failure_code) == (CJJobState.FAILED, FailureCode.LPS_REJECTED)


async def test_the_monitor_resubmits_then_fails_a_stuck_job(service: Service):
    await start(service, service.request(4))
    job = the_job(service)
    monitor = StuckJobMonitor(service.deps)
    job.last_activity_at = datetime.now(UTC) - timedelta(hours=1)
    assert await monitor.check_once() == {job.id: StuckAction.RESUBMIT}
    assert the_job(service).monitor_resubmits == 1
    service.deps.settings = service.deps.settings.model_copy(update={"stuck_max_resubmits": 1})
    the_job(service).last_activity_at = datetime.now(UTC) - timedelta(hours=1)
    assert await monitor.check_once() == {job.id: StuckAction.FAIL}
    assert the_job(service).failure_code == FailureCode.STUCK


async def test_a_failure_midway_rolls_back_the_answer_and_its_events(service: Service):
    await start(service, service.request(4))
    first, _ = service.open_requests()
    outbox_before = list(service.rows.outbox)

    async def broken_emit(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the outbox write failed")

    async def record_with_a_broken_outbox() -> None:
        async with service.uows() as uow:
            uow.events.emit = broken_emit  # type: ignore[method-assign]
            await record_result(service.deps, verdict(first), uow)

    with pytest.raises(RuntimeError):
        await record_with_a_broken_outbox()
    assert service.rows.outbox == outbox_before
    assert first in service.open_requests()  # unanswered: the redelivered callback will record it
