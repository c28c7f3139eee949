"""The LLM judges each moderation pair it had not judged in the job (issue 24), over the in-memory fakes: asked
once per pair (two teachers, a repeat, a second pass), with the job's context and LLM settings; the answer is an
LLM verdict of the completed job's moderation while the job, its waves, results and events stay as they were; a
repeat changes nothing, an error is final; LPS out of reach backs off; erasures take the requests along; what
each answer cost is kept on its request and summed in the report, apart from the job's published usage."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest

from cj_assessment_service.domain.identifiers import moderation_request_id
from cj_assessment_service.domain.moderation_llm import LlmRequestStatus, is_moderation_request
from cj_assessment_service.domain.pairs import PairStatus
from cj_assessment_service.service_layer import moderation_llm
from cj_assessment_service.service_layer.erasure import erase_batch, erase_student
from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.moderation import ModerationService
from cj_assessment_service.service_layer.retention import purge_expired
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import ErasedEssay, StudentErasedV1
from common_core.events.llm_provider import ComparisonError, TokenUsage
from common_core.http.cj_moderation import ModerationLlmUsage
from common_core.status import CJJobState
from huleedu_service_libs.errors import ExternalServiceError, ValidationFailedError
from services.cj_assessment_service.tests.builders import verdict
from services.cj_assessment_service.tests.service_layer.conftest import Service, callback
from services.cj_assessment_service.tests.service_layer.test_moderation import (
    COLLEAGUE,
    OWNER,
    _completed_job,
    _llm_pairs,
    _verdict,
    bff,
)

RATE_LIMITED = ComparisonError(code="RATE_LIMITED", message="slow down", retryable=True)


def _unjudged_pairs(service: Service, job_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Pairs of the job's essays that the LLM never answered, in either order."""
    judged = {frozenset((a, b)) for a, b, _ in _llm_pairs(service, job_id)}
    essays = [e.essay_id for e in service.rows.essays[job_id]]
    return [(a, b) for a, b in combinations(essays, 2) if frozenset((a, b)) not in judged]


async def _moderated_unjudged(service: Service):
    """A completed job whose owner judged a pair the LLM never did: (job, first, second)."""
    job = await _completed_job(service, n_essays=10, per_essay=4)
    (a, b), *_ = _unjudged_pairs(service, job.id)
    service.deps.submit_wakeup.clear()
    await ModerationService(service.deps).record(job.id, OWNER, _verdict(a, b, b))
    return job, a, b


async def test_a_pair_the_llm_never_judged_is_asked_once_with_the_jobs_settings(service: Service):
    job, a, b = await _moderated_unjudged(service)
    (asked,) = service.rows.llm_requests.values()
    assert (asked.job_id, asked.first, asked.second, asked.status) == (job.id, a, b, LlmRequestStatus.PLANNED)
    assert is_moderation_request(asked.request_id)
    assert service.deps.submit_wakeup.is_set()  # the submitter is woken once the verdict commits

    # A colleague on the same pair (the other order), and the same pair asked again: still one request.
    moderation = ModerationService(service.deps)
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    await moderation.record(job.id, COLLEAGUE, _verdict(b, a, a))
    async with service.uows() as uow:
        assert not await moderation_llm.ask_unless_judged(service.deps, uow, job.id, a, b)
    assert list(service.rows.llm_requests) == [asked.request_id]

    waves_sent = len(service.lps.requests)
    submitter = Submitter(service.deps)
    assert await submitter.submit_due_once() == 1
    assert await submitter.submit_due_once() == 0  # accepted: never sent again
    assert len(service.lps.requests) == waves_sent + 1
    wave, sent = service.lps.requests[0], service.lps.requests[-1]
    (item,) = sent.comparisons
    assert item.request_id == asked.request_id
    assert (sent.context, sent.batch_id, item.overrides) == (wave.context, job.batch_id, wave.comparisons[0].overrides)
    assert item.request_metadata | {"moderation": True} == item.request_metadata
    assert (item.request_metadata["essay_a_id"], item.request_metadata["essay_b_id"]) == (str(a), str(b))
    index = {e.essay_id: e.item_index for e in service.rows.essays[job.id]}
    assert (item.a, item.b) == (f"t{index[a]}", f"t{index[b]}")
    assert sent.texts[item.a] == next(e.content for e in service.rows.essays[job.id] if e.essay_id == a)
    assert service.rows.llm_requests[asked.request_id].acknowledged


async def test_the_answer_is_an_llm_verdict_and_the_completed_job_stays_as_it_was(service: Service):
    job, _a, b = await _moderated_unjudged(service)
    await Submitter(service.deps).submit_due_once()
    moderation = ModerationService(service.deps)
    before = await moderation.report(job.id, OWNER, bff(OWNER))
    assert before.agreement.shared_verdicts == 0
    budget = (await moderation.next_pair(job.id, OWNER, bff(OWNER))).progress.budget_total
    rows = service.rows
    kept = copy.deepcopy((rows.jobs[job.id], rows.waves[job.id], rows.pairs[job.id], rows.results[job.id]))
    events = len(rows.outbox)

    (request_id,) = rows.llm_requests
    assert await callback(service, verdict(request_id, "B"))  # the LLM agrees with the teacher: b wins

    after = await moderation.report(job.id, OWNER, bff(OWNER))
    assert (after.agreement.shared_verdicts, after.agreement.agreeing) == (1, 1)
    assert after.judges[0].decisions == before.judges[0].decisions + 1
    assert rows.llm_requests[request_id].winner == b
    # The job, its waves, comparisons and published results are as they were; no event; the budget is the same.
    assert (rows.jobs[job.id], rows.waves[job.id], rows.pairs[job.id], rows.results[job.id]) == kept
    assert rows.jobs[job.id].state is CJJobState.COMPLETED
    assert len(rows.outbox) == events
    assert (await moderation.next_pair(job.id, OWNER, bff(OWNER))).progress.budget_total == budget

    # A repeat of the callback, even with the other verdict, changes nothing.
    answered = copy.deepcopy(rows.llm_requests)
    assert not await callback(service, verdict(request_id, "A"))
    assert rows.llm_requests == answered
    assert (await moderation.report(job.id, OWNER, bff(OWNER))).agreement == after.agreement


async def test_a_judged_pair_is_not_asked_and_an_error_is_final(service: Service):
    job = await _completed_job(service, n_essays=10, per_essay=4)
    moderation = ModerationService(service.deps)
    a, b, winner = _llm_pairs(service, job.id)[0]
    await moderation.record(job.id, OWNER, _verdict(a, b, winner))
    assert service.rows.llm_requests == {}

    c, d = _unjudged_pairs(service, job.id)[0]
    await moderation.record(job.id, OWNER, _verdict(c, d, c))
    submitter = Submitter(service.deps)
    await submitter.submit_due_once()
    (request_id,) = service.rows.llm_requests
    sent = len(service.lps.requests)
    assert await callback(service, verdict(request_id, error=RATE_LIMITED))
    failed = service.rows.llm_requests[request_id]
    assert (failed.status, failed.error_code) == (LlmRequestStatus.FAILED, "RATE_LIMITED")
    assert await submitter.submit_due_once() == 0  # never sent again, even a retryable error
    assert len(service.lps.requests) == sent
    await moderation.add_moderator(job.id, OWNER, COLLEAGUE)
    await moderation.record(job.id, COLLEAGUE, _verdict(c, d, d))
    assert list(service.rows.llm_requests) == [request_id]
    report = await moderation.report(job.id, OWNER, bff(OWNER))
    assert report.agreement.shared_verdicts == 1  # the judged pair only
    assert all(p.status is not PairStatus.PLANNED for p in service.rows.pairs[job.id])


async def test_lps_out_of_reach_backs_off_and_a_refusal_is_final(service: Service):
    job, _a, _b = await _moderated_unjudged(service)
    (request_id,) = service.rows.llm_requests
    submitter = Submitter(service.deps)
    service.lps.error = ExternalServiceError("LPS is down")
    assert await submitter.submit_due_once() == 0
    deferred = service.rows.llm_requests[request_id]
    assert deferred.submit_failures == 1
    assert deferred.next_submit_at > datetime.now(UTC)
    service.lps.error = None
    sent = len(service.lps.requests)
    assert await submitter.submit_due_once() == 0  # not due yet
    assert len(service.lps.requests) == sent

    deferred.next_submit_at = datetime.now(UTC) - timedelta(seconds=1)
    service.lps.error = ValidationFailedError("unknown model")
    await submitter.submit_due_once()
    refused = service.rows.llm_requests[request_id]
    assert (refused.status, refused.error_code) == (LlmRequestStatus.FAILED, "LPS_REJECTED")
    service.lps.error = None
    assert await submitter.submit_due_once() == 0
    assert service.rows.jobs[job.id].state is CJJobState.COMPLETED


async def test_erasures_take_the_requests_and_a_late_answer_is_dropped(service: Service):
    job, a, _b = await _moderated_unjudged(service)
    await Submitter(service.deps).submit_due_once()
    (request_id,) = service.rows.llm_requests
    erased = StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id=OWNER,
        essays=[ErasedEssay(batch_id=job.batch_id, essay_id=a)],
        erased_at=datetime.now(UTC),
    )
    async with service.uows() as uow:
        await erase_student(service.deps, erased, uow)
    assert service.rows.llm_requests == {}
    assert not await callback(service, verdict(request_id, "A"))  # its essay is gone: dropped
    assert service.rows.llm_requests == {}

    # Retention's purge of the job takes a request on two other essays.
    c, d = next((c, d) for c, d in _unjudged_pairs(service, job.id))
    await ModerationService(service.deps).record(job.id, OWNER, _verdict(c, d, c))
    assert len(service.rows.llm_requests) == 1
    await purge_expired(service.uows, datetime.now(UTC) + timedelta(days=1), keep_aggregates=True)
    assert service.rows.llm_requests == {}


async def test_the_batchs_erasure_takes_the_requests(service: Service):
    job, _a, _b = await _moderated_unjudged(service)
    async with service.uows() as uow:
        await erase_batch(BatchDeletedV1(batch_id=job.batch_id, user_id=OWNER, deleted_at=datetime.now(UTC)), uow)
    assert service.rows.llm_requests == {}
    assert await Submitter(service.deps).submit_due_once() == 0


async def test_what_each_answer_cost_lands_on_its_request_and_the_report_sums_it(service: Service):
    job = await _completed_job(service, n_essays=10, per_essay=4)
    moderation = ModerationService(service.deps)
    queries = JobQueries(service.deps)
    published = (await queries.job(job.id, OWNER)).usage
    assert published is not None
    none_asked = (await moderation.report(job.id, OWNER, bff(OWNER))).llm_usage
    assert none_asked == ModerationLlmUsage(answered=0, failed=0, pending=0, tokens=None, cost_usd=None)

    pairs = _unjudged_pairs(service, job.id)[:4]
    for a, b in pairs:
        await moderation.record(job.id, OWNER, _verdict(a, b, a))
    await Submitter(service.deps).submit_due_once()
    first, second, failing, unreported = (moderation_request_id(job.id, a, b) for a, b in pairs)
    asked = (await moderation.report(job.id, OWNER, bff(OWNER))).llm_usage
    assert asked == ModerationLlmUsage(answered=0, failed=0, pending=4, tokens=None, cost_usd=None)

    big = TokenUsage(input_tokens=1000, output_tokens=200, cached_input_tokens=300)
    assert await callback(service, verdict(first, "A", usage=big, cost_usd=0.003))
    small = TokenUsage(input_tokens=400, output_tokens=100)
    assert await callback(service, verdict(second, "B", usage=small, cost_usd=0.001))
    stored = service.rows.llm_requests[first]
    assert (stored.input_tokens, stored.output_tokens, stored.cached_input_tokens, stored.cost_usd) == (
        1000,
        200,
        300,
        0.003,
    )
    two = (await moderation.report(job.id, OWNER, bff(OWNER))).llm_usage
    assert two is not None
    assert (two.answered, two.failed, two.pending, two.tokens, two.unreported) == (2, 0, 2, 1700, 0)
    assert two.cost_usd == pytest.approx(0.004)

    # An error callback was a paid call too; it changes no verdict, so the fit's cached report is reused, yet the
    # usage follows.
    tiny = TokenUsage(input_tokens=50, output_tokens=0)
    assert await callback(service, verdict(failing, error=RATE_LIMITED, usage=tiny, cost_usd=0.0001))
    after_error = (await moderation.report(job.id, OWNER, bff(OWNER))).llm_usage
    assert after_error is not None
    assert (after_error.failed, after_error.pending, after_error.tokens) == (1, 1, 1750)
    # An answer without usage or cost is counted, and said to be left out of the totals.
    assert await callback(service, verdict(unreported, "A"))
    report = (await moderation.report(job.id, OWNER, bff(OWNER))).llm_usage
    assert report is not None
    assert (report.answered, report.failed, report.pending, report.tokens, report.unreported) == (3, 1, 0, 1750, 1)
    assert report.cost_usd == pytest.approx(0.0041)
    assert service.rows.llm_requests[unreported].cost_usd is None

    # The job's own usage is the one published at completion.
    assert (await queries.job(job.id, OWNER)).usage == published
