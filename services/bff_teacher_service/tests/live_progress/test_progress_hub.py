"""The hub: fan-out to a batch's streams only, a slow stream dropped without blocking, the ring's
replay after a known id, the per-teacher limit, and a bounded number of batches remembered."""

from __future__ import annotations

from uuid import UUID

import pytest

from bff_teacher_service.service_layer.progress_hub import ProgressHub, Sequenced
from huleedu_service_libs.errors import RateLimitedError
from services.bff_teacher_service.tests.live_progress.support import (
    BATCH_ID,
    OTHER_BATCH_ID,
    completed,
    progress,
)


def percentages(items: list[Sequenced]) -> list[float]:
    return [getattr(item.event.payload, "progress_percentage", -1.0) for item in items]


async def test_each_event_reaches_every_stream_of_its_batch_and_no_other():
    hub = ProgressHub(max_streams_per_user=5)
    first, second = hub.subscribe("t1", BATCH_ID), hub.subscribe("t2", BATCH_ID)
    elsewhere = hub.subscribe("t1", OTHER_BATCH_ID)
    hub.publish(progress(10))
    hub.publish(completed())
    for subscription in (first, second):
        got = [await subscription.next(0.1), await subscription.next(0.1)]
        assert [item.event.name for item in got if isinstance(item, Sequenced)] == ["progress", "completed"]
    assert await elsewhere.next(0.01) == "heartbeat"


async def test_a_stream_that_stops_reading_is_dropped_and_the_others_keep_everything():
    hub = ProgressHub(max_streams_per_user=5, queue_size=2)
    slow, reading = hub.subscribe("t1", BATCH_ID), hub.subscribe("t2", BATCH_ID)
    received: list[Sequenced] = []
    for percentage in (10, 20, 30, 40):
        hub.publish(progress(percentage))  # never waits, even with the slow stream's queue full
        item = await reading.next(0.1)
        assert isinstance(item, Sequenced)
        received.append(item)
    assert percentages(received) == [10, 20, 30, 40]
    assert await slow.next(0.1) == "dropped"
    slow.close()
    assert hub.open_streams("t1") == 0


async def test_a_known_id_replays_the_missed_events_from_the_ring():
    hub = ProgressHub(max_streams_per_user=5)
    first = hub.subscribe("t1", BATCH_ID)
    for percentage in (10, 20, 30):
        hub.publish(progress(percentage))
    seen = await first.next(0.1)
    assert isinstance(seen, Sequenced)
    first.close()  # the connection broke after the first event
    again = hub.subscribe("t1", BATCH_ID)
    last_seq = hub.sequence_of(hub.event_id(seen.seq))
    assert last_seq == seen.seq
    missed = again.replay_after(last_seq)
    assert missed is not None
    assert percentages(missed) == [20, 30]
    # The state a stream opened with carries the hub's sequence then: nothing was missed after it.
    assert again.replay_after(again.since) == []


async def test_an_id_the_ring_cannot_vouch_for_is_unknown():
    hub = ProgressHub(max_streams_per_user=5, ring_size=2)
    for percentage in (10, 20, 30):
        hub.publish(progress(percentage))
    subscription = hub.subscribe("t1", BATCH_ID)
    assert subscription.replay_after(0) is None  # event 1 fell out of the ring: the gap would go unnoticed
    assert percentages(subscription.replay_after(1) or []) == [20, 30]
    assert subscription.replay_after(subscription.since + 1) is None  # from the future
    for foreign in (None, "", "other-2", f"{hub.epoch}-x", f"{hub.epoch}-²", f"{hub.epoch}-" + "9" * 80):
        assert hub.sequence_of(foreign) is None


def test_a_teacher_may_hold_only_so_many_streams():
    hub = ProgressHub(max_streams_per_user=2)
    held = [hub.subscribe("t1", BATCH_ID), hub.subscribe("t1", OTHER_BATCH_ID)]
    with pytest.raises(RateLimitedError):
        hub.subscribe("t1", BATCH_ID)
    hub.subscribe("t2", BATCH_ID)  # another teacher is not counted against t1
    held[0].close()
    held[0].close()  # closing twice frees one place, not two
    hub.subscribe("t1", BATCH_ID)
    with pytest.raises(RateLimitedError):
        hub.subscribe("t1", BATCH_ID)


async def test_only_unwatched_batches_are_forgotten_beyond_the_bound():
    hub = ProgressHub(max_streams_per_user=5, max_channels=2)
    watched = hub.subscribe("t1", BATCH_ID)
    for batch_number in range(5):
        hub.publish(progress(10, batch_id=UUID(int=batch_number + 100)))
    hub.publish(progress(50))
    item = await watched.next(0.1)
    assert isinstance(item, Sequenced)
    again = hub.subscribe("t2", BATCH_ID)
    assert again.latest_buffered() == item  # the watched batch kept its ring
    forgotten = hub.subscribe("t2", UUID(int=100))
    assert forgotten.latest_buffered() is None
