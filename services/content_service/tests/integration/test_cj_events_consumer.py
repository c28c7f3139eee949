"""CJ's progress, completion and failure move the batch; redeliveries change nothing; poison goes to the DLQ."""

import uuid

from prometheus_client import REGISTRY

from common_core.events.cj_assessment import CJAssessmentCompletedV1
from services.content_service.tests.cj_builders import completed, failed, progress


def duplicates(content, model) -> float:
    labels = {"service": "content_service", "consumer": content.consumer_group, "topic": content.topics[model]}
    return REGISTRY.get_sample_value("huleedu_consumer_duplicates_total", labels) or 0.0


async def wait_for_status(content, batch_id: str, status: str) -> None:
    async def reached() -> bool:
        return await content.batch_status(batch_id) == status

    await content.eventually(reached)


async def wait_until_processed(content, count: int) -> None:
    async def processed() -> bool:
        return len(await content.fetch("SELECT 1 FROM processed_events")) >= count

    await content.eventually(processed)


async def test_progress_then_completion_moves_the_batch_to_completed(content):
    batch_id = await content.batch_with_essays()
    await content.start_assessment(batch_id)
    await content.publish(content.envelope(progress(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "assessing")
    await content.publish(content.envelope(completed(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "completed")
    # A final batch can be deleted again.
    assert (await content.call("DELETE", f"/v1/batches/{batch_id}")).status_code == 204


async def test_failure_moves_the_batch_to_failed_and_it_can_be_started_again(content):
    batch_id = await content.batch_with_essays()
    first = await (await content.start_assessment(batch_id)).get_json()
    await content.publish(content.envelope(failed(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "failed")
    retry = await content.start_assessment(batch_id)
    assert retry.status_code == 202
    second = await retry.get_json()
    assert second["replayed"] is False
    assert second["request_id"] != first["request_id"]  # a new run gets a new (batch_id, request_id)


async def test_a_redelivered_completion_is_skipped_even_after_a_new_run_started(content):
    batch_id = await content.batch_with_essays()
    await content.start_assessment(batch_id)
    event = content.envelope(completed(batch_id))
    await content.publish(event, key=batch_id)
    await wait_for_status(content, batch_id, "completed")
    # The teacher re-assesses; then Kafka redelivers the old completion (same event id).
    assert (await content.start_assessment(batch_id, key="second-run")).status_code == 202
    before = duplicates(content, CJAssessmentCompletedV1)
    await content.publish(event, key=batch_id)
    # A marker event behind it on the same partition proves the redelivery was consumed.
    await content.publish(content.envelope(progress(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "assessing")
    assert duplicates(content, CJAssessmentCompletedV1) == before + 1
    rows = await content.fetch("SELECT event_id FROM processed_events WHERE event_id = $1", event.event_id)
    assert len(rows) == 1


async def test_events_for_unknown_batches_and_stale_progress_change_nothing(content):
    batch_id = await content.batch_with_essays()
    await content.start_assessment(batch_id)
    await content.publish(content.envelope(completed(str(uuid.uuid4()))), key="unknown")
    await content.publish(content.envelope(failed(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "failed")
    await content.publish(content.envelope(completed(batch_id)), key=batch_id)  # out of order: stays failed
    await content.publish(content.envelope(progress(batch_id)), key=batch_id)  # late progress: stays failed
    await wait_until_processed(content, 4)
    assert await content.batch_status(batch_id) == "failed"


async def test_poison_and_impossible_events_go_to_the_dead_letter_topic(content):
    draft_id = (await content.create_batch())["batch_id"]
    topic = content.topics[CJAssessmentCompletedV1]
    await content.publisher.publish_raw(topic, b"{not json", key=b"poison")
    await content.publish(content.envelope(completed(draft_id)), key=draft_id)  # a draft never asked for it
    live_id = await content.batch_with_essays()
    await content.start_assessment(live_id)
    await content.publish(content.envelope(completed(live_id)), key=live_id)
    # The records behind the bad ones are still handled: nothing blocks the partition.
    await wait_for_status(content, live_id, "completed")
    assert await content.topic_size(f"{topic}.dlq") == 2
    assert await content.batch_status(draft_id) == "draft"


async def test_an_earlier_runs_late_completion_does_not_finish_the_current_run(content):
    batch_id = await content.batch_with_essays()
    first = await (await content.start_assessment(batch_id)).get_json()
    await content.publish(content.envelope(failed(batch_id)), key=batch_id)
    await wait_for_status(content, batch_id, "failed")
    second = await (await content.start_assessment(batch_id)).get_json()
    assert second["request_id"] != first["request_id"]

    # The first run's completion arrives late: it names its own request, not the current one.
    late = completed(batch_id).model_copy(update={"request_id": uuid.UUID(first["request_id"])})
    await content.publish(content.envelope(late), key=batch_id)
    await wait_until_processed(content, 2)
    assert await content.batch_status(batch_id) == "assessment_requested"

    current = completed(batch_id).model_copy(update={"request_id": uuid.UUID(second["request_id"])})
    await content.publish(content.envelope(current), key=batch_id)
    await wait_for_status(content, batch_id, "completed")
