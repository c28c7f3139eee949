"""Every event of a finished batch delivered to the result aggregator again: its read model is unchanged.

Kafka delivers at least once: after a consumer crash, a rebalance or a replay from a dead-letter
topic, RAS sees records it has already folded. The records are read back from the broker (all
partitions of every topic RAS consumes, filtered by the batch) and published again exactly as
they were; once RAS has consumed them, everything the teacher reads about the batch through the
gateway must be byte-for-byte what it was before.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from common_core.events.batch import BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
)
from scripts.demo import run_demo
from scripts.devstack.procs import wait_until
from tests.e2e import faults

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(600)]

RAS_EVENTS = (
    BatchRegisteredV1,
    BatchUpdatedV1,
    EssayUploadedV1,
    CJAssessmentProgressV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    AssessmentResultPublishedV1,
)
CONSUMED = ("huleedu_consumer_processed_total", "huleedu_consumer_duplicates_total")


def _teacher_reads(gw: run_demo.Gateway, batch_id: str) -> dict[str, Any]:
    """What the teacher reads about the batch from the read model."""
    listed = gw.call("GET", "/v1/results/batches", params={"limit": 100})
    return {
        "detail": gw.call("GET", f"/v1/results/batches/{batch_id}"),
        "history": gw.call("GET", f"/v1/results/batches/{batch_id}/history"),
        "listed": [b for b in listed["items"] if str(b["batch_id"]) == batch_id],
    }


async def _publish(bootstrap: str, records: list[tuple[str, bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=30000)
    await producer.start()
    try:
        for topic, key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def _consumed(ras_url: str) -> float:
    return sum(faults.metric_total(ras_url, name, {"service": faults.RAS}) for name in CONSUMED)


async def test_every_event_of_a_finished_batch_again_leaves_the_read_model_identical(
    gateway: run_demo.Gateway,
) -> None:
    batch_id = faults.start_batch(gateway, essays=8, mode="serial_bundle", seed=2005)
    faults.follow(gateway, batch_id)
    before = _teacher_reads(gateway, batch_id)
    bootstrap = faults.kafka_bootstrap()
    records = await faults.batch_records(bootstrap, batch_id, RAS_EVENTS)
    topics = {topic for topic, _, _ in records}
    assert EVENTS.topic_for(AssessmentResultPublishedV1) in topics
    assert EVENTS.topic_for(BatchRegisteredV1) in topics

    ras = run_demo.service_url(faults.RAS)
    consumed = _consumed(ras)
    await _publish(bootstrap, records)
    wait_until(lambda: _consumed(ras) >= consumed + len(records), 120.0, "RAS to consume the redelivery")

    assert _teacher_reads(gateway, batch_id) == before
