"""The processor's retry decisions, with fakes at the queue and callback boundary."""

import asyncio
from dataclasses import replace
from typing import Any

from common_core.events.catalog import EVENTS
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.llm import BatchingMode, LLMProvider
from llm_provider_service.adapters.providers.base import ProviderCall
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.prompts import render_pair
from llm_provider_service.domain.work import CallSettings, ClaimedComparison, QueuedComparison, SharedContext
from llm_provider_service.service_layer.callbacks import CallReport
from llm_provider_service.service_layer.processing import ComparisonProcessor, ProcessingPolicy, fits_context

NOW = 1_000_000


class FakeQueue:
    def __init__(self):
        self.retries = []
        self.finished = []

    async def retry_later(self, claimed, *, due_ms, invalid_response, error):
        self.retries.append((claimed.item.request_id, due_ms, invalid_response))
        return True

    async def finish(self, claimed):
        self.finished.append(claimed.item.request_id)
        return True


class FakeWriter:
    def __init__(self):
        self.outcomes = []

    async def write(self, outcome):
        self.outcomes.append(outcome)
        return True


def processor(queue, writer, max_attempts=3):
    unused: Any = None  # retry decisions touch neither the store, the providers nor the guards
    return ComparisonProcessor(
        queue=queue,
        writer=writer,
        store=unused,
        providers=unused,
        guards=unused,
        models=ModelTable.load(),
        registry=EVENTS,
        policy=ProcessingPolicy(max_attempts, 1.0, 10.0, 600, "llm_provider_service"),
        clock_ms=lambda: NOW,
    )


def claimed(attempts=1, invalid=0, expires_ms=NOW + 3_600_000):
    item = QueuedComparison(
        request_id="r1",
        queue_id="q1",
        settings=CallSettings(LLMProvider.MOCK, "mock-judge", BatchingMode.PER_REQUEST),
        context_key="c",
        text_a_key="a",
        text_b_key="b",
        callback_topic=EVENTS.topic_for(LLMComparisonResultV1),
        correlation_id="00000000-0000-0000-0000-000000000001",
        enqueued_ms=NOW - 500,
        expires_ms=expires_ms,
    )
    return ClaimedComparison(item, "token", attempts, invalid)


def decide(failure, **kwargs):
    queue, writer = FakeQueue(), FakeWriter()
    asyncio.run(processor(queue, writer).fail_or_retry(claimed(**kwargs), failure, CallReport()))
    return queue, writer


def test_a_retryable_failure_is_retried_after_a_backoff_that_honours_retry_after():
    queue, writer = decide(ProviderError(FailureCode.RATE_LIMIT, "slow", retry_after_s=30))
    assert writer.outcomes == []
    [(request_id, due_ms, invalid)] = queue.retries
    assert request_id == "r1"
    assert due_ms >= NOW + 30_000
    assert not invalid


def test_the_last_attempt_ends_in_an_error_callback_with_the_code():
    queue, writer = decide(ProviderError(FailureCode.TIMEOUT, "slow"), attempts=3)
    assert queue.retries == []
    assert queue.finished == ["r1"]
    [outcome] = writer.outcomes
    assert outcome.state == "failed"
    assert outcome.envelope.data.error.code == "TIMEOUT"
    assert outcome.envelope.data.winner is None


def test_an_invalid_answer_is_retried_once_only():
    queue, _ = decide(ProviderError(FailureCode.INVALID_RESPONSE, "garbled"))
    assert queue.retries[0][2] is True
    queue, writer = decide(ProviderError(FailureCode.INVALID_RESPONSE, "garbled again"), attempts=2, invalid=1)
    assert queue.retries == []
    assert writer.outcomes[0].envelope.data.error.code == "INVALID_RESPONSE"


def test_a_refusal_is_final_at_once():
    queue, writer = decide(ProviderError(FailureCode.REFUSAL, "no"))
    assert queue.retries == []
    assert writer.outcomes[0].envelope.data.error.retryable is False


def test_a_retry_that_would_land_after_the_expiry_fails_now():
    queue, writer = decide(ProviderError(FailureCode.RATE_LIMIT, "slow", retry_after_s=120), expires_ms=NOW + 60_000)
    assert queue.retries == []
    assert writer.outcomes[0].envelope.data.error.code == "RATE_LIMIT"


def test_a_prompt_beyond_the_context_window_does_not_fit():
    spec = ModelTable.load().find(LLMProvider.OPENAI_COMPATIBLE, "llama3.1:8b")
    assert spec is not None
    settings = CallSettings(LLMProvider.OPENAI_COMPATIBLE, "llama3.1:8b", BatchingMode.PER_REQUEST)
    short = render_pair(SharedContext(instructions="Judge."), "An essay.", "Another essay.", max_chars=600)
    huge = render_pair(SharedContext(instructions="Judge."), "word " * 40_000, "Another essay.", max_chars=600)
    assert fits_context(ProviderCall(settings, spec, short, 400))
    assert not fits_context(ProviderCall(settings, spec, huge, 400))
    assert fits_context(ProviderCall(settings, replace(spec, context_window=10**6), huge, 400))
