"""Poison records go to the DLQ and the consumer goes on; the migrations match the tables."""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer

from common_core.events.batch import BatchRegisteredV1
from huleedu_service_libs.testing.database import migrated_schema
from result_aggregator_service.adapters.tables import metadata


async def _dead_letters(bootstrap: str, topic: str, expected: int) -> list:
    reader = AIOKafkaConsumer(
        f"{topic}.dlq", bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await reader.start()
    records: list = []
    try:
        async with asyncio.timeout(30):
            while len(records) < expected:
                batch = await reader.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records += partition_records
    finally:
        await reader.stop()
    return records


async def test_a_poison_event_goes_to_the_dlq_and_the_consumer_goes_on(service, infrastructure):
    topic = service.registry.topic_for(BatchRegisteredV1)
    story = service.story(user_id="teacher-poison")
    valid = story.registered()
    # Not JSON at all, then an envelope whose payload breaks the contract (no title).
    await service.publisher.publish_raw(topic, b"\x00not json", key=str(story.batch_id))
    broken = valid.model_dump(mode="json")
    del broken["data"]["title"]
    await service.publisher.publish_raw(topic, json.dumps(broken).encode(), key=str(story.batch_id))
    await service.publish(valid)

    await service.until_status(story, "draft")
    dead = await _dead_letters(infrastructure.kafka_bootstrap, topic, 2)
    assert dead[0].value == b"\x00not json"
    reasons = [dict(record.headers)["dlq_reason"] for record in dead]
    assert reasons == [b"unparseable", b"invalid_payload"]
    assert all(dict(record.headers)["dlq_source_topic"] == topic.encode() for record in dead)


async def test_the_migrated_schema_matches_the_tables(ras_database):
    schema = await migrated_schema(ras_database, metadata)
    assert schema.drift == []
    assert schema.versions == ["0007"]
