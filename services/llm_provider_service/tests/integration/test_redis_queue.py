"""The Redis queue's guarantees against real Redis: atomic claims, priority then age, leases, retries, expiry."""

import asyncio
import time

import pytest

from common_core.llm import BatchingMode, LLMProvider
from llm_provider_service.adapters.redis_queue import QueueFullError
from llm_provider_service.domain.work import CallSettings, QueuedComparison

SETTINGS = CallSettings(LLMProvider.MOCK, "mock-judge", BatchingMode.PER_REQUEST)


def item(request_id: str, *, priority: int = 0, enqueued_ms: int = 1_000, expires_ms: int | None = None):
    return QueuedComparison(
        request_id=request_id,
        queue_id=f"q-{request_id}",
        settings=SETTINGS,
        context_key="ctx",
        text_a_key="a",
        text_b_key="b",
        callback_topic="topic",
        correlation_id="00000000-0000-0000-0000-000000000001",
        enqueued_ms=enqueued_ms,
        expires_ms=expires_ms if expires_ms is not None else int(time.time() * 1000) + 3_600_000,
        priority=priority,
    )


def now_ms():
    return int(time.time() * 1000)


async def test_concurrent_claimers_never_share_an_item(harness):
    queue = harness.queue()
    await queue.submit([item(f"r{i}", enqueued_ms=i) for i in range(300)], capacity=1000)
    lane = item("r0").lane

    async def claimer():
        mine = []
        while claimed := await queue.claim(lane, 7, now_ms=now_ms(), lease_ms=60_000):
            mine += [c.item.request_id for c in claimed]
        return mine

    results = await asyncio.gather(*(claimer() for _ in range(12)))
    everything = [rid for result in results for rid in result]
    assert len(everything) == 300
    assert len(set(everything)) == 300


async def test_priority_first_then_age(harness):
    queue = harness.queue()
    await queue.submit(
        [item("old-low", enqueued_ms=1), item("new-high", priority=5, enqueued_ms=9), item("mid-low", enqueued_ms=5)],
        capacity=10,
    )
    claimed = await queue.claim(item("x").lane, 3, now_ms=now_ms(), lease_ms=60_000)
    assert [c.item.request_id for c in claimed] == ["new-high", "old-low", "mid-low"]


async def test_an_expired_lease_makes_the_item_claimable_again_and_the_stale_holder_cannot_finish(harness):
    queue = harness.queue()
    await queue.submit([item("r1")], capacity=10)
    lane = item("r1").lane
    [first] = await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=10)
    assert await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=10) == []
    await asyncio.sleep(0.05)
    assert (await queue.maintain(now_ms=now_ms(), lease_ms=60_000)).reclaimed == 1
    [second] = await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=60_000)
    assert second.attempts == 2
    assert not await queue.finish(first)  # the crashed holder's token is stale
    assert await queue.finish(second)
    assert await queue.state("r1") is None
    assert (await queue.totals())[0] == 0


async def test_a_retry_waits_until_due(harness):
    queue = harness.queue()
    await queue.submit([item("r1")], capacity=10)
    lane = item("r1").lane
    [claimed] = await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=60_000)
    await queue.retry_later(claimed, due_ms=now_ms() + 60_000, invalid_response=True, error="INVALID_RESPONSE: x")
    await queue.maintain(now_ms=now_ms(), lease_ms=60_000)
    assert await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=60_000) == []
    state = await queue.state("r1")
    assert state.state == "queued"
    assert state.last_error == "INVALID_RESPONSE: x"
    await queue.maintain(now_ms=now_ms() + 61_000, lease_ms=60_000)
    [again] = await queue.claim(lane, 1, now_ms=now_ms(), lease_ms=60_000)
    assert again.invalid_responses == 1
    assert again.attempts == 2


async def test_an_expired_item_is_handed_out_for_its_error_callback(harness):
    queue = harness.queue()
    await queue.submit([item("old", expires_ms=now_ms() - 1), item("fresh")], capacity=10)
    result = await queue.maintain(now_ms=now_ms(), lease_ms=60_000)
    assert [c.item.request_id for c in result.expired] == ["old"]
    [fresh] = await queue.claim(item("x").lane, 5, now_ms=now_ms(), lease_ms=60_000)
    assert fresh.item.request_id == "fresh"
    assert await queue.finish(result.expired[0])


async def test_capacity_is_all_or_nothing_and_known_ids_keep_their_state(harness):
    queue = harness.queue()
    await queue.submit([item("a"), item("b")], capacity=3)
    with pytest.raises(QueueFullError):
        await queue.submit([item("c"), item("d")], capacity=3)
    outcomes = await queue.submit([item("a"), item("c")], capacity=3)  # "a" is known: only "c" is new
    assert [(o.request_id, o.state, o.queue_id) for o in outcomes] == [("a", "queued", "q-a"), ("c", "queued", "q-c")]
    assert (await queue.totals())[0] == 3


async def test_a_wave_enqueued_in_one_millisecond_keeps_its_submission_order(harness):
    queue = harness.queue()
    ids = [f"w{n}" for n in (5, 1, 10, 2, 100, 3)]  # lexicographic order would differ
    await queue.submit([item(rid, enqueued_ms=7) for rid in ids], capacity=10)
    claimed = await queue.claim(item("x").lane, 6, now_ms=now_ms(), lease_ms=60_000)
    assert [c.item.request_id for c in claimed] == ids


async def test_a_held_item_is_not_expired_under_its_holder_but_is_once_its_lease_runs_out(harness):
    queue = harness.queue()
    await queue.submit([item("held", expires_ms=now_ms() + 50)], capacity=10)
    [held] = await queue.claim(item("x").lane, 1, now_ms=now_ms(), lease_ms=60_000)
    await asyncio.sleep(0.1)
    assert (await queue.maintain(now_ms=now_ms(), lease_ms=60_000)).expired == []  # its holder decides
    # The holder dies: once the lease runs out the item is handed back, and found expired.
    result = await queue.maintain(now_ms=now_ms() + 61_000, lease_ms=60_000)
    assert result.reclaimed == 1
    assert [c.item.request_id for c in result.expired] == ["held"]
    assert not await queue.finish(held)
    assert await queue.finish(result.expired[0])
