"""The DB helpers and the Kafka publisher against the real dev stack."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import text

from common_core.envelope import EventEnvelope, headers_to_dict
from huleedu_service_libs.db import create_engine, session_factory, unit_of_work
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.infrastructure import Infrastructure


class Note(BaseModel):
    text: str


async def test_unit_of_work_commits_or_rolls_back(fresh_database_url: str):
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x int)"))
        factory = session_factory(engine)
        async with unit_of_work(factory) as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))

        async def insert_then_fail() -> None:
            async with unit_of_work(factory) as session:
                await session.execute(text("INSERT INTO t VALUES (2)"))
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await insert_then_fail()
        async with factory() as session:
            assert (await session.execute(text("SELECT array_agg(x) FROM t"))).scalar_one() == [1]
    finally:
        await engine.dispose()


async def test_statement_timeout_is_set(fresh_database_url: str):
    engine = create_engine(fresh_database_url, statement_timeout_ms=1234)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "1234ms"
    finally:
        await engine.dispose()


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_publish_sends_envelope_key_and_headers(infrastructure: Infrastructure, fresh_topic: str):
    labels = {"service": "test_service", "topic": fresh_topic}
    before = _sample("huleedu_kafka_published_total", labels)
    envelope = EventEnvelope[Note](
        event_type=fresh_topic, source_service="test_service", correlation_id=uuid.uuid4(), data=Note(text="hej")
    )
    async with EventPublisher(infrastructure.kafka_bootstrap, "test_service") as publisher:
        await publisher.publish(envelope, key="batch-1")
    consumer = AIOKafkaConsumer(
        fresh_topic, bootstrap_servers=infrastructure.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            record = await consumer.getone()
    finally:
        await consumer.stop()
    assert record.key == b"batch-1"
    assert EventEnvelope[Note].from_bytes(record.value) == envelope
    assert headers_to_dict(record.headers)["event_id"] == str(envelope.event_id)
    assert _sample("huleedu_kafka_published_total", labels) == before + 1
    assert _sample("huleedu_kafka_publish_duration_seconds_count", labels) >= 1


async def test_publish_to_a_missing_topic_times_out_and_counts_a_failure(infrastructure: Infrastructure):
    topic = f"test.missing.{uuid.uuid4().hex}"  # the broker never auto-creates topics
    labels = {"service": "test_service", "topic": topic}
    async with EventPublisher(infrastructure.kafka_bootstrap, "test_service", delivery_timeout_s=2) as publisher:
        with pytest.raises(Exception):  # noqa: B017, PT011 - aiokafka's or asyncio's timeout, either is right
            await publisher.publish_raw(topic, b"x", key=None)
    assert _sample("huleedu_kafka_publish_failures_total", labels) == 1


async def test_a_failed_start_can_be_retried(unused_tcp_port: int):
    publisher = EventPublisher(f"127.0.0.1:{unused_tcp_port}", "test_service", request_timeout_ms=1000)
    for _ in range(2):  # the second attempt fails for the same reason, not because of a spent producer
        with pytest.raises(KafkaConnectionError):
            await publisher.start()
        assert not publisher.started
    await publisher.stop()
