"""The feed's reading of CJ's records: each topic's envelope becomes its live event; a record that cannot
be read is skipped, and the next one still arrives."""

from __future__ import annotations

import uuid

from bff_teacher_service.entrypoints.progress_feed import READERS, deliver, instance_group_id
from bff_teacher_service.service_layer.progress_hub import ProgressHub, Sequenced
from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentProgressV1
from common_core.status import CJJobState
from common_core.topics import Topic
from services.bff_teacher_service.tests.live_progress.support import BATCH_ID, JOB_ID


def record(topic: Topic, payload: CJAssessmentProgressV1) -> bytes:
    envelope = EventEnvelope[CJAssessmentProgressV1](
        event_type=topic.value, source_service="cj_assessment_service", correlation_id=uuid.uuid4(), data=payload
    )
    return envelope.to_bytes()


PROGRESS = CJAssessmentProgressV1(
    batch_id=BATCH_ID,
    job_id=JOB_ID,
    state=CJJobState.COMPARING,
    wave=2,
    comparisons_done=30,
    comparisons_planned=60,
    progress_percentage=50.0,
    reliability_ssr=0.9,
    reliability=0.6,
)


def test_it_reads_exactly_cjs_progress_completion_and_failure():
    assert set(READERS) == {
        Topic.CJ_ASSESSMENT_PROGRESS.value,
        Topic.CJ_ASSESSMENT_COMPLETED.value,
        Topic.CJ_ASSESSMENT_FAILED.value,
    }


async def test_a_poison_record_is_skipped_and_the_feed_goes_on():
    hub = ProgressHub(max_streams_per_user=1)
    subscription = hub.subscribe("t1", BATCH_ID)
    topic = Topic.CJ_ASSESSMENT_PROGRESS.value
    assert deliver(hub, topic, b"not json") is False
    assert deliver(hub, topic, None) is False
    assert deliver(hub, topic, record(Topic.CJ_ASSESSMENT_COMPLETED, PROGRESS)) is False  # wrong event type
    assert deliver(hub, topic, record(Topic.CJ_ASSESSMENT_PROGRESS, PROGRESS)) is True
    item = await subscription.next(0.1)
    assert isinstance(item, Sequenced)
    payload = item.event.payload.model_dump(mode="json")
    assert payload == {
        "batch_id": str(BATCH_ID),
        "job_id": str(JOB_ID),
        "status": "assessing",
        "progress_percentage": 50.0,
        "wave": 2,
        "comparisons_done": 30,
        "comparisons_planned": 60,
        "reliability": 0.6,
    }


def test_each_instance_consumes_in_a_group_of_its_own():
    first, second = instance_group_id("bff_teacher_service"), instance_group_id("bff_teacher_service")
    assert first != second
    assert first.startswith("bff_teacher_service-")
