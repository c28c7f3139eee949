"""Erasing a deleted batch (huleedu.batch.deleted.v1) against real Redis, PostgreSQL and Kafka.

The batch's essays carry a marker word, and the judge quotes each essay A in its justification (as a
real model may), so the marker reaches every place LPS keeps anything: texts in Redis, outcomes,
callbacks in the outbox, provider batch-job prompts. After the erasure no Redis key under the test's
prefix and no text, json or bytea column of any LPS table may hold it.
"""

import asyncio
import json
import uuid
from dataclasses import replace

from sqlalchemy import select

from common_core.llm import LLMProvider
from llm_provider_service.adapters.providers.base import ProviderCall, ProviderReply
from llm_provider_service.adapters.providers.mock import MockProvider, MockSettings
from llm_provider_service.adapters.tables import batch_job_items, batch_jobs, outbox
from llm_provider_service.domain.work import content_key
from services.llm_provider_service.tests.essays import MIDDLING, STRONG, WEAK
from services.llm_provider_service.tests.fake_http import FakeServer, Reply, Seen
from services.llm_provider_service.tests.integration.conftest import HEADERS, Harness, wave
from services.llm_provider_service.tests.integration.fake_batch_providers import FakeOpenAIBatch

MARKER = "Quillifrax"
BATCH_TEXTS = {
    "m1": f"{MARKER} wrote this essay. {STRONG}",
    "m2": f"{MARKER} wrote this one too. {WEAK}",
    "shared": MIDDLING,  # the same text is in the other batch: it must stay
}
OTHER_TEXTS = {"shared": MIDDLING, "other": STRONG.replace("uniforms", "school clothes")}
BATCH_API = {"provider": "openai", "model": "gpt-4.1", "batching_mode": "provider_batch_api"}


class QuotingJudge:
    """The mock judge, quoting the start of essay A in its justification; with ``gate`` it holds every
    answer until the gate opens (a provider call still in flight when the batch is erased)."""

    provider = LLMProvider.MOCK

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.inner = MockProvider(MockSettings())
        self.calls: list[ProviderCall] = []
        self.gate = gate

    async def complete(self, call: ProviderCall) -> ProviderReply:
        self.calls.append(call)
        if self.gate is not None:
            await self.gate.wait()
        reply = await self.inner.complete(call)
        answer = json.loads(reply.text)
        answer["justification"] = f"Essay A opens with '{call.pairs[0][0][:40]}'. {answer['justification']}"
        return replace(reply, text=json.dumps(answer))

    async def aclose(self) -> None:
        return None


def batch_wave(harness: Harness, batch_id: uuid.UUID | None, texts, pairs, prefix, **overrides):
    body = wave(harness.topic, pairs, prefix=prefix, **overrides)
    body["texts"] = texts
    if batch_id is not None:
        body["batch_id"] = str(batch_id)
    return body


async def post(app, body, expected=202):
    response = await app.test_client().post("/internal/v1/comparisons", json=body, headers=HEADERS)
    assert response.status_code == expected, await response.get_data()
    return await response.get_json()


async def no_trace(harness: Harness) -> None:
    assert await harness.redis_holding(MARKER) == []
    assert await harness.database_holding(MARKER) == []


async def test_erasure_leaves_no_trace_of_the_batch_keeps_a_shared_text_and_handles_the_event_twice(harness):
    batch, other = uuid.uuid4(), uuid.uuid4()
    pairs = [("m1", "m2"), ("m1", "shared"), ("shared", "m2")]
    judge = QuotingJudge()
    async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:  # the batch's first wave is judged
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "a"))
        await harness.wait_for_outcomes(3)
        await harness.wait_for_delivery()
    # Without the erasure, the marker is in Redis (texts), the outcomes' callbacks (the outbox).
    assert await harness.redis_holding(MARKER)
    assert await harness.database_holding(MARKER) == ["event_outbox.value"]

    async with harness.app(workers_enabled=False) as app:  # queued, not yet claimed
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "q"))
        await post(app, batch_wave(harness, other, OTHER_TEXTS, [("shared", "other")], "o"))
        await post(app, wave(harness.topic, [("strong", "weak")], prefix="legacy"))  # a caller naming no batch
        deleted = harness.deleted(batch)
        await harness.publish(deleted)
        await harness.wait_until_erased(batch)
        await no_trace(harness)
        queue = harness.queue()
        assert [await queue.state(f"q{i}") for i in range(3)] == [None, None, None]
        assert (await queue.state("o0")).state == "queued"
        assert (await queue.state("legacy0")).state == "queued"
        assert await harness.redis.exists(f"{harness.redis_prefix}t:{content_key(MIDDLING)}") == 1
        assert set(await harness.outcomes()) == set()
        async with harness.engine.connect() as conn:
            assert (await conn.execute(select(outbox.c.id))).all() == []

        # The same event again (a redelivery) and a second deletion event of the batch: both harmless.
        await harness.publish(deleted)
        await harness.publish(harness.deleted(batch))
        await harness.wait_until_erased(batch, handled=2)
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "late"), expected=409)
        await no_trace(harness)
    assert await harness.dead_letters() == 0

    async with harness.app() as app:  # the other batch and the legacy caller are judged as before
        outcomes = await harness.wait_for_outcomes(2)
    assert {rid: state for rid, (state, _, _) in outcomes.items()} == {"o0": "done", "legacy0": "done"}


async def test_an_answer_that_arrives_after_the_erasure_stores_nothing_and_sends_no_callback(harness):
    batch = uuid.uuid4()
    gate = asyncio.Event()
    judge = QuotingJudge(gate)
    async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, [("m1", "m2"), ("m2", "shared")], "r"))

        async def in_flight():
            return len(judge.calls) == 2

        await harness.wait_until(in_flight)
        await harness.publish(harness.deleted(batch))
        await harness.wait_until_erased(batch)
        gate.set()  # the provider answers now
        queue = harness.queue()

        async def settled():
            return await queue.state("r0") is None and await queue.state("r1") is None

        await harness.wait_until(settled)
        await asyncio.sleep(0.5)  # a relay cycle: a callback, had one been written, would be on its way
        await no_trace(harness)
        assert await harness.outcomes() == {}
        assert await harness.pending_callbacks() == 0
    assert await harness.topic_size(harness.topic) == 0  # decided: no callback for an erased batch


async def job_state(harness):
    async with harness.engine.connect() as conn:
        jobs = [(row.status,) for row in await conn.execute(select(batch_jobs.c.status))]
        items = [row.request_id for row in await conn.execute(select(batch_job_items.c.request_id))]
    return jobs, sorted(items)


class CancellableOpenAIBatch(FakeOpenAIBatch):
    def __init__(self) -> None:
        super().__init__()
        self.cancelled: list[str] = []

    def __call__(self, seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path.endswith("/cancel"):
            self.cancelled.append(seen.path)
            return Reply(body={"id": "batch_1", "status": "cancelling"})
        return super().__call__(seen)


async def test_a_provider_batch_job_of_the_batch_alone_is_cancelled_and_loses_its_prompts(harness):
    batch = uuid.uuid4()
    fake = CancellableOpenAIBatch()
    async with (
        FakeServer(fake) as server,
        harness.app(openai_base_url=server.url, openai_api_key="sk-test", batch_api_poll_interval_s=0.2) as app,
    ):
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, [("m1", "m2"), ("shared", "m1")], "j", **BATCH_API))

        async def submitted():
            return (await job_state(harness))[0] == [("submitted",)]

        await harness.wait_until(submitted)
        assert await harness.database_holding(MARKER) == ["batch_job_items.request_body"]
        await harness.publish(harness.deleted(batch))
        await harness.wait_until_erased(batch)

        async def ended():
            return (await job_state(harness))[0] == [("ended",)]

        await harness.wait_until(ended)
        assert fake.cancelled == ["/batches/batch_1/cancel"]
        fake.finished = True  # whatever the provider still returns is never fetched
        await asyncio.sleep(0.5)
        assert await job_state(harness) == ([("ended",)], [])
        await no_trace(harness)
        assert await harness.outcomes() == {}
    assert await harness.topic_size(harness.topic) == 0


async def test_a_mixed_provider_batch_job_drops_the_erased_batch_and_answers_the_other(harness):
    batch, other = uuid.uuid4(), uuid.uuid4()
    async with harness.app(workers_enabled=False, openai_api_key="sk-test") as app:  # one lane: one job later
        await post(
            app, batch_wave(harness, other, OTHER_TEXTS, [("shared", "other"), ("other", "shared")], "o", **BATCH_API)
        )
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, [("m1", "m2"), ("m2", "shared")], "b", **BATCH_API))
    fake = CancellableOpenAIBatch()
    async with (
        FakeServer(fake) as server,
        harness.app(openai_base_url=server.url, openai_api_key="sk-test", batch_api_poll_interval_s=0.2),
    ):

        async def submitted():
            return (await job_state(harness))[0] == [("submitted",)]

        await harness.wait_until(submitted)
        assert fake.custom_ids == ["c000000", "c000001", "c000002", "c000003"]
        await harness.publish(harness.deleted(batch))
        await harness.wait_until_erased(batch)
        assert await job_state(harness) == ([("submitted",)], ["o0", "o1"])
        await no_trace(harness)
        fake.finished = True
        outcomes = await harness.wait_for_outcomes(2)
        await harness.wait_for_delivery()
    assert fake.cancelled == []  # the other batch's items are still wanted
    assert {rid: state for rid, (state, _, _) in outcomes.items()} == {"o0": "done", "o1": "done"}
    assert sorted(c.data.request_id for c in await harness.callbacks()) == ["o0", "o1"]
    await no_trace(harness)


async def test_an_erased_student_takes_the_batchs_cached_texts_with_it_and_the_batch_may_be_assessed_again(harness):
    """huleedu.class.student_erased.v1: LPS cannot tell which of a batch's texts was the student's (it keys
    texts by content), so the batch's texts, queued work and callbacks go; unlike a deleted batch, no
    tombstone: a new assessment of the batch is accepted."""
    batch, other = uuid.uuid4(), uuid.uuid4()
    pairs = [("m1", "m2"), ("m1", "shared"), ("shared", "m2")]
    judge = QuotingJudge()
    async with harness.app(adapters={LLMProvider.MOCK: judge}) as app:
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "a"))
        await harness.wait_for_outcomes(3)
        await harness.wait_for_delivery()
    assert await harness.redis_holding(MARKER)

    async with harness.app(workers_enabled=False) as app:
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "q"))
        await post(app, batch_wave(harness, other, OTHER_TEXTS, [("shared", "other")], "o"))
        await harness.publish_student_erased(batch)
        await harness.wait_until(lambda: _handled(harness, 1), timeout_s=60)
        await no_trace(harness)
        queue = harness.queue()
        assert [await queue.state(f"q{i}") for i in range(3)] == [None, None, None]
        assert (await queue.state("o0")).state == "queued"
        assert await harness.redis.exists(f"{harness.redis_prefix}t:{content_key(MIDDLING)}") == 1
        await post(app, batch_wave(harness, batch, BATCH_TEXTS, pairs, "again"))  # no tombstone: accepted
    assert await harness.dead_letters() == 0


async def _handled(harness: Harness, count: int) -> bool:
    return await harness.handled_events() >= count
