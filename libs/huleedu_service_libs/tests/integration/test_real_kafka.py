"""Proves the Kafka the tests use is a real broker: a consumer group commits and resumes."""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from huleedu_service_libs.testing.infrastructure import Infrastructure


async def _consume(bootstrap: str, topic: str, group: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        values: list[bytes] = []
        async with asyncio.timeout(30):
            while len(values) < count:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    values += [r.value for r in records]
        await consumer.commit()
        committed = await consumer.committed(TopicPartition(topic, 0))
        assert committed is not None
        return values
    finally:
        await consumer.stop()


async def test_produce_consume_commit_and_resume(
    infrastructure: Infrastructure, fresh_topic: str, unique_group_id: str
):
    bootstrap = infrastructure.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(fresh_topic, f"m{i}".encode(), key=b"k")
        first = await _consume(bootstrap, fresh_topic, unique_group_id, 3)
        assert first == [b"m0", b"m1", b"m2"]

        # A new member of the same group starts after the committed offset, not from the beginning.
        await producer.send_and_wait(fresh_topic, b"m3", key=b"k")
        second = await _consume(bootstrap, fresh_topic, unique_group_id, 1)
        assert second == [b"m3"]
    finally:
        await producer.stop()


async def test_committed_offset_is_stored_by_the_broker(
    infrastructure: Infrastructure, fresh_topic: str, unique_group_id: str
):
    producer = AIOKafkaProducer(bootstrap_servers=infrastructure.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(fresh_topic, b"x", partition=0)
    finally:
        await producer.stop()
    await _consume(infrastructure.kafka_bootstrap, fresh_topic, unique_group_id, 1)

    # A consumer that never read anything sees the group's committed position.
    probe = AIOKafkaConsumer(bootstrap_servers=infrastructure.kafka_bootstrap, group_id=unique_group_id)
    await probe.start()
    try:
        assert await probe.committed(TopicPartition(fresh_topic, 0)) == 1
    finally:
        await probe.stop()
