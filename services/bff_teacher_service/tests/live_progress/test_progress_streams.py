"""A stream's life: one call to the result aggregator, its snapshot first, then the hub's events until
the batch finishes; a known Last-Event-ID replays instead; every refusal frees the teacher's place."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

import pytest

from bff_teacher_service.service_layer.live_progress import Frame, ProgressStream, ProgressStreams
from bff_teacher_service.service_layer.progress_hub import ProgressHub
from huleedu_service_libs.errors import NotFoundError, RateLimitedError, ServiceUnavailableError
from services.bff_teacher_service.tests.live_progress.support import (
    BATCH_ID,
    batch_detail,
    completed,
    failed,
    progress,
)
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, NOT_FOUND, FakeOwners

HEARTBEAT_S = 0.05


@pytest.fixture
def hub() -> ProgressHub:
    return ProgressHub(max_streams_per_user=2)


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners(answers={"batch_detail": batch_detail("assessing", 20.0)})


@pytest.fixture
def streams(hub: ProgressHub, owners: FakeOwners) -> ProgressStreams:
    return ProgressStreams(hub, owners, timeout_s=1.0, heartbeat_s=HEARTBEAT_S)


async def collect(stream: ProgressStream, limit: int = 20) -> list[Frame | None]:
    """The stream's frames until it ends (or ``limit``, so that a stream that never ends fails the test)."""
    frames: list[Frame | None] = []
    iterator: AsyncIterator[Frame | None] = stream.frames()
    async with asyncio.timeout(5):
        async for frame in iterator:
            frames.append(frame)
            if len(frames) == limit:
                break
    stream.close()
    return frames


def names(frames: Sequence[Frame | None]) -> list[str]:
    return [frame.name if frame else "heartbeat" for frame in frames]


async def test_the_snapshot_then_each_event_until_completion(
    streams: ProgressStreams, hub: ProgressHub, owners: FakeOwners
):
    stream = await streams.open("t1", BATCH_ID, None)

    async def feed() -> None:
        await asyncio.sleep(2 * HEARTBEAT_S)  # quiet long enough for a heartbeat
        for event in (progress(50), progress(90), completed(), progress(99)):
            hub.publish(event)

    feeding = asyncio.create_task(feed())
    frames = await collect(stream)
    await feeding
    real = [frame for frame in frames if frame is not None]
    assert names(real) == ["state", "progress", "progress", "completed"]  # nothing after the completion
    assert "heartbeat" in names(frames)
    assert [json.loads(frame.data)["progress_percentage"] for frame in real] == [20.0, 50.0, 90.0, 100.0]
    state = json.loads(real[0].data)
    assert (state["status"], state["batch_id"]) == ("assessing", str(BATCH_ID))
    assert [call for call, _ in owners.calls] == ["batch_detail"]  # one call to the result aggregator, at open
    assert hub.open_streams("t1") == 0


async def test_a_failure_ends_the_stream_with_the_teachers_reason(streams: ProgressStreams, hub: ProgressHub):
    stream = await streams.open("t1", BATCH_ID, None)
    hub.publish(failed("The judge could not be reached."))
    frames = await collect(stream)
    assert names(frames) == ["state", "failed"]
    assert json.loads(frames[1].data)["message"] == "The judge could not be reached."  # type: ignore[union-attr]


@pytest.mark.parametrize(("status", "message"), [("completed", None), ("failed", "No judge answered.")])
async def test_a_finished_batch_gets_its_state_and_the_stream_closes(
    streams: ProgressStreams, owners: FakeOwners, status: str, message: str | None
):
    owners.answers["batch_detail"] = batch_detail(status, 100.0 if status == "completed" else 30.0, failure=message)
    frames = await collect(await streams.open("t1", BATCH_ID, None))
    assert names(frames) == ["state"]
    state = json.loads(frames[0].data)  # type: ignore[union-attr]
    assert (state["status"], state["message"]) == (status, message)


async def test_a_known_last_event_id_replays_what_was_missed_without_a_state(
    streams: ProgressStreams, hub: ProgressHub
):
    first = await streams.open("t1", BATCH_ID, None)
    hub.publish(progress(40))
    seen = await collect(first, limit=2)  # the state and the first progress, then the connection broke
    hub.publish(progress(60))
    hub.publish(progress(80))
    last_id = seen[-1].id  # type: ignore[union-attr]
    again = await streams.open("t1", BATCH_ID, last_id)
    hub.publish(completed())
    frames = await collect(again)
    assert names(frames) == ["progress", "progress", "completed"]
    assert [json.loads(f.data)["progress_percentage"] for f in frames if f] == [60.0, 80.0, 100.0]


async def test_a_known_id_on_a_batch_that_finished_unseen_ends_with_the_state(
    streams: ProgressStreams, owners: FakeOwners
):
    first = await streams.open("t1", BATCH_ID, None)
    state_id = (await collect(first, limit=1))[0].id  # type: ignore[union-attr]
    owners.answers["batch_detail"] = batch_detail("completed", 100.0)
    frames = await collect(await streams.open("t1", BATCH_ID, state_id))
    assert names(frames) == ["state"]


@pytest.mark.parametrize("last_event_id", ["another-instance-7", "garbage", ""])
async def test_an_unknown_last_event_id_starts_with_a_fresh_state(
    streams: ProgressStreams, hub: ProgressHub, last_event_id: str
):
    stream = await streams.open("t1", BATCH_ID, last_event_id)
    hub.publish(completed())
    assert names(await collect(stream)) == ["state", "completed"]


async def test_an_event_the_result_aggregator_has_not_folded_yet_follows_the_state(
    streams: ProgressStreams, hub: ProgressHub
):
    # The BFF saw the completion before the result aggregator folded it: the snapshot still says 20 %.
    hub.publish(progress(60))
    hub.publish(completed())
    frames = await collect(await streams.open("t1", BATCH_ID, None))
    assert names(frames) == ["state", "completed"]


async def test_an_older_event_than_the_snapshot_is_not_repeated(streams: ProgressStreams, hub: ProgressHub):
    hub.publish(progress(10))  # the snapshot (20 %) is newer
    stream = await streams.open("t1", BATCH_ID, None)
    hub.publish(completed())
    assert names(await collect(stream)) == ["state", "completed"]


@pytest.mark.parametrize(("behaviour", "error"), [(NOT_FOUND, NotFoundError), (FAIL, ServiceUnavailableError)])
async def test_no_stream_without_the_batch_and_the_place_is_freed(
    streams: ProgressStreams, hub: ProgressHub, owners: FakeOwners, behaviour: str, error: type[Exception]
):
    owners.behaviour["batch_detail"] = behaviour
    with pytest.raises(error):
        await streams.open("t1", BATCH_ID, None)
    assert hub.open_streams("t1") == 0


async def test_the_limit_is_checked_before_the_result_aggregator_is_asked(streams: ProgressStreams, owners: FakeOwners):
    held = [await streams.open("t1", BATCH_ID, None) for _ in range(2)]
    with pytest.raises(RateLimitedError):
        await streams.open("t1", BATCH_ID, None)
    assert len(owners.calls) == 2
    for stream in held:
        stream.close()
