"""The handlers against a real database with fake peers: wave persistence, the callback matcher, the finaliser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import comparisons, jobs, outbox
from cj_assessment_service.domain.stuck import StuckAction
from cj_assessment_service.service_layer.monitor import StuckJobMonitor
from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
)
from common_core.events.llm_provider import ComparisonError, LLMComparisonResultV1, TokenUsage
from services.cj_assessment_service.tests.builders import FakeTexts, assessment, essay_refs, verdict
from services.cj_assessment_service.tests.integration.conftest import (
    OnTheDatabase,
    on_the_database,
    record,
    run_request,
)


@pytest.fixture
async def deps(database_factory: Callable[[str], str]) -> AsyncIterator[tuple[OnTheDatabase, FakeTexts]]:
    texts = FakeTexts()
    async with on_the_database(database_factory, "handlers", texts, max_pair_attempts=2) as service:
        yield service, texts


async def in_txn(deps: OnTheDatabase, work: Callable[[AsyncSession], Any]) -> Any:
    async with deps.sessions() as session, session.begin():
        return await work(session)


async def outbox_topics(deps: OnTheDatabase) -> list[str]:
    return list(await in_txn(deps, lambda s: _scalars(s, select(outbox.c.topic).order_by(outbox.c.id))))


async def outbox_payloads(deps: OnTheDatabase) -> list[dict[str, Any]]:
    values = await in_txn(deps, lambda s: _scalars(s, select(outbox.c.value).order_by(outbox.c.id)))
    return [json.loads(v)["data"] for v in values]


async def pacing_interval_passes(deps: OnTheDatabase) -> None:
    """The progress pacing interval passes: moved back in the database rather than slept through."""
    await in_txn(
        deps,
        lambda s: s.execute(
            update(jobs).values(progress_published_at=func.now() - timedelta(seconds=deps.settings.progress_interval_s))
        ),
    )


async def _scalars(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.execute(statement)).scalars())


async def sql(deps: OnTheDatabase, query: str) -> Any:
    """The rows of one SQL query, in a transaction of its own."""
    return await in_txn(deps, lambda s: s.execute(text(query)))


async def start(deps: tuple[OnTheDatabase, FakeTexts], essays: int, **fields: Any) -> OnTheDatabase:
    """Runs a new request for ``essays`` new essays; the service it ran on, to check and answer."""
    service, texts = deps
    await run_request(service, assessment(essay_refs(texts, essays), **fields))
    return service


async def pair_ids(deps: OnTheDatabase, *where: Any) -> list[str]:
    """The request ids of the comparisons (those matching ``where``), in wave order."""
    statement = select(comparisons.c.request_id).where(*where).order_by(comparisons.c.position)
    return list(await in_txn(deps, lambda s: _scalars(s, statement)))


async def recorded(deps: OnTheDatabase, result: LLMComparisonResultV1) -> bool:
    """Whether the callback matcher took ``result``, run as the callbacks consumer runs it."""
    taken: bool = await in_txn(deps, lambda s: record(deps, s, result))
    return taken


async def answer_every_open_pair(deps: OnTheDatabase, answer: Callable[[str], LLMComparisonResultV1] = verdict) -> None:
    """Answers every open pair, wave after wave, until none is left (or ten rounds have passed)."""
    for _ in range(10):
        open_ids = await pair_ids(deps, comparisons.c.status == "planned")
        if not open_ids:
            return
        for request_id in open_ids:
            await recorded(deps, answer(request_id))


async def test_wave_is_persisted_with_stable_ids_before_any_submit(deps: tuple[OnTheDatabase, FakeTexts]):
    service, texts = deps
    request = assessment(essay_refs(texts, 6))
    await run_request(service, request)
    await run_request(service, request)  # redelivered under another event id: nothing new
    assert texts.calls == 1  # one batch call for all texts
    pairs = await pair_ids(service)
    assert len(pairs) == 3
    assert len(set(pairs)) == 3
    jobs = await sql(service, "SELECT state, current_wave FROM jobs")
    assert [tuple(r) for r in jobs] == [("comparing", 0)]
    # One announcement, with nothing done yet, tells the read model the job exists (so it can be
    # cancelled); the redelivered request announced nothing more.
    assert await outbox_topics(service) == [EVENTS.topic_for(CJAssessmentProgressV1)]
    (announced,) = await outbox_payloads(service)
    assert (announced["wave"], announced["comparisons_done"], announced["comparisons_planned"]) == (0, 0, 3)


async def test_callback_matcher_is_idempotent_and_retries_retryable_errors(deps: tuple[OnTheDatabase, FakeTexts]):
    service = await start(deps, 4)
    first, second = await pair_ids(service)
    assert await recorded(service, verdict("unknown-id")) is False
    assert await recorded(service, verdict(first)) is True
    assert await recorded(service, verdict(first, "B")) is False  # duplicate
    rate_limited = ComparisonError(code="RATE_LIMITED", message="slow down", retryable=True)
    assert await recorded(service, verdict(second, error=rate_limited)) is True
    rows = await in_txn(
        service,
        lambda s: s.execute(
            select(comparisons.c.position, comparisons.c.attempt, comparisons.c.status, comparisons.c.winner)
        ),
    )
    states = sorted(tuple(r) for r in rows)
    assert states == [(0, 1, "done", "A"), (1, 1, "failed", None), (1, 2, "planned", None)]
    # The wave waits for the retry. After the job's start announcement, the first verdict published
    # progress within the wave; the error callback came inside the pacing interval, so it added none.
    progress = EVENTS.topic_for(CJAssessmentProgressV1)
    assert await outbox_topics(service) == [progress, progress]

    retry_id = (await pair_ids(service, comparisons.c.attempt == 2))[0]
    assert await recorded(service, verdict(retry_id)) is True
    # The wave closed: progress published, the next wave planned (same transaction as the verdict).
    assert await outbox_topics(service) == [progress, progress, progress]
    job = await sql(service, "SELECT current_wave FROM jobs")
    assert [tuple(r) for r in job] == [(1,)]


async def test_progress_within_a_wave_is_paced_per_job(deps: tuple[OnTheDatabase, FakeTexts]):
    """Callbacks inside the interval are coalesced; the next one after it publishes the count so far."""
    service = await start(deps, 10, budget=AssessmentBudget(max_comparisons_per_essay=10))
    pairs = await pair_ids(service)
    assert len(pairs) >= 4
    for request_id in pairs[:3]:  # within one interval: one event, for the first answer
        assert await recorded(service, verdict(request_id)) is True
    assert [p["comparisons_done"] for p in await outbox_payloads(service)] == [0, 1]  # the start, the first answer
    await pacing_interval_passes(service)
    assert await recorded(service, verdict(pairs[3])) is True
    published = await outbox_payloads(service)
    assert [p["comparisons_done"] for p in published] == [0, 1, 4]
    assert published[-1]["comparisons_planned"] == len(pairs)
    assert published[-1]["wave"] == 0
    assert 0 < published[-1]["progress_percentage"] < 100


async def test_an_error_callback_after_the_interval_publishes_progress_without_an_id_clash(
    deps: tuple[OnTheDatabase, FakeTexts],
):
    """An error leaves the answered count as it was: its progress event must still get an id of its own.

    It once reused the id of the last progress event (keyed by the answered count), and the outbox's
    unique event id sent the callback to the dead-letter topic, leaving the job waiting for an answer.
    """
    service = await start(deps, 10)
    first, second, *_ = await pair_ids(service)

    async def after_the_interval(callback: LLMComparisonResultV1) -> None:
        await pacing_interval_passes(service)
        assert await recorded(service, callback) is True

    await after_the_interval(verdict(first))
    busy = ComparisonError(code="RATE_LIMIT", message="slow down", retryable=True)
    await after_the_interval(verdict(second, error=busy))
    published = await outbox_payloads(service)
    assert [p["comparisons_done"] for p in published] == [0, 1, 1]  # the start, the answer, the error


async def test_finaliser_writes_state_and_both_events_in_one_transaction(deps: tuple[OnTheDatabase, FakeTexts]):
    service = await start(deps, 3, budget={"max_comparisons_per_essay": 2, "target_reliability": 0.8})
    await answer_every_open_pair(service)  # until the per-essay budget ends the job
    state = await sql(service, "SELECT state, stop_reason FROM jobs")
    assert [tuple(r) for r in state] == [("completed", "budget_exhausted")]
    topics = await outbox_topics(service)
    assert topics[-2:] == [
        EVENTS.topic_for(CJAssessmentCompletedV1),
        EVENTS.topic_for(AssessmentResultPublishedV1),
    ]
    # One pair a wave; the minimum is capped by the budget (2 per essay), which only the last wave reaches.
    # Progress has no reliability before it; the results carry the last wave's, with the SSR beside it.
    *progress, completed, result = await outbox_payloads(service)
    assert [p["reliability"] is None for p in progress] == [True, True, True, False]  # start, waves 0, 1, 2
    assert 0.0 <= progress[-1]["reliability"] <= 1.0
    assert completed["reliability"] == result["reliability"] == progress[-1]["reliability"]
    assert completed["reliability_ssr"] == result["reliability_ssr"] is not None
    results = await sql(service, "SELECT count(*) FROM job_essays WHERE rank IS NOT NULL")
    assert [tuple(r) for r in results] == [(3,)]
    still_open = await sql(service, "SELECT count(*) FROM comparisons WHERE status = 'planned'")
    assert [tuple(r) for r in still_open] == [(0,)]


async def test_usage_of_every_comparison_is_recorded_and_summed_into_the_completed_event(
    deps: tuple[OnTheDatabase, FakeTexts],
):
    service = await start(deps, 3, budget={"max_comparisons_per_essay": 2, "target_reliability": 0.8})
    answered = 0

    def answer(request_id: str) -> LLMComparisonResultV1:
        nonlocal answered
        answered += 1
        # The first answer reports nothing (unknown, not 0); the others share one call two by two.
        reported = answered > 1
        return verdict(
            request_id,
            usage=TokenUsage(input_tokens=100, output_tokens=10) if reported else None,
            cost_usd=0.5 if reported else None,
            call_id=f"call-{answered // 2}" if reported else None,
        )

    await answer_every_open_pair(service, answer)
    assert answered == 3
    stored = await in_txn(
        service,
        lambda s: s.execute(
            select(comparisons.c.input_tokens, comparisons.c.cost_usd, comparisons.c.provider_request_id).order_by(
                comparisons.c.wave
            )
        ),
    )
    assert [tuple(r) for r in stored] == [(None, None, None), (100, 0.5, "call-1"), (100, 0.5, "call-1")]
    *_, completed, _result = await outbox_payloads(service)
    assert completed["usage"] == {
        "provider": "mock",
        "model": "mock-judge",
        "llm_calls": 1,
        "input_tokens": 200,
        "output_tokens": 20,
        "cost_usd": 1.0,
        "unreported": 1,
    }


async def test_two_monitors_never_act_on_the_same_stuck_job(deps: tuple[OnTheDatabase, FakeTexts]):
    service = await start(deps, 4)
    await sql(service, "UPDATE jobs SET last_activity_at = now() - interval '1 hour'")
    service.deps.settings = service.settings.model_copy(update={"stuck_after_s": 60.0, "stuck_max_resubmits": 0})
    first, second = StuckJobMonitor(service.deps), StuckJobMonitor(service.deps)
    outcomes = await asyncio.gather(first.check_once(), second.check_once())
    actions = [action for outcome in outcomes for action in outcome.values()]
    assert actions == [StuckAction.FAIL]  # one replica acted, the other skipped the locked or finished job
    started, *failed = await outbox_topics(service)
    assert (started, failed) == (EVENTS.topic_for(CJAssessmentProgressV1), [EVENTS.topic_for(CJAssessmentFailedV1)])


async def test_the_same_essay_can_be_assessed_again_in_a_later_job(deps: tuple[OnTheDatabase, FakeTexts]):
    service, texts = deps
    essays = essay_refs(texts, 3)
    for _ in range(2):
        await run_request(service, assessment(essays))
    rows = await sql(service, "SELECT essay_id, count(DISTINCT job_id) FROM job_essays GROUP BY 1")
    assert sorted(count for _, count in rows) == [2, 2, 2]  # keyed by (job, essay): the first job keeps its essays
