"""The tool's talk with Kafka: read a DLQ from the start, publish letters back, delete what was handled.

Nothing joins a consumer group (so nothing is committed, and no service's group is disturbed), and
every call is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from huleedu_service_libs.kafka.dlq_depth import dlq_depths, partitions_of
from huleedu_service_libs.kafka.limits import COMPRESSION, MAX_RECORD_BYTES
from scripts.dlq.letters import DeadLetter, DlqToolError

TIMEOUT_S = 30.0


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    partitions = partitions_of(await admin.describe_topics(), [topic])
    if not partitions:
        raise DlqToolError(f"the broker has no topic {topic!r} (run `pdm run dev-topics`?)")
    return partitions


async def depths(bootstrap: str, topics: Sequence[str]) -> dict[str, int]:
    """Records held per topic, as ``huleedu_dlq_depth`` counts them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="dlq_tool")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, client_id="dlq_tool")
    async with asyncio.timeout(TIMEOUT_S):
        await admin.start()
        await consumer.start()
        try:
            partitions = partitions_of(await admin.describe_topics(), topics)
            beginnings = await consumer.beginning_offsets(partitions) if partitions else {}
            ends = await consumer.end_offsets(partitions) if partitions else {}
            return dlq_depths(topics, beginnings, ends)
        finally:
            await consumer.stop()
            await admin.close()


async def read_all(bootstrap: str, topic: str) -> tuple[list[DeadLetter], dict[int, int]]:
    """Every record ``topic`` holds now, in offset order per partition, and each partition's end offset.

    The end offsets are taken first: records that arrive while reading are left for the next run,
    and a purge up to these offsets can never delete a letter nobody has seen.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="dlq_tool")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        client_id="dlq_tool",
        max_partition_fetch_bytes=MAX_RECORD_BYTES,  # letters can be as large as any record
    )
    async with asyncio.timeout(TIMEOUT_S):
        await admin.start()
        await consumer.start()
    try:
        async with asyncio.timeout(TIMEOUT_S):
            partitions = await _partitions(admin, topic)
            ends = await consumer.end_offsets(partitions)
            beginnings = await consumer.beginning_offsets(partitions)
        consumer.assign(partitions)
        letters: list[DeadLetter] = []
        for tp in partitions:
            consumer.seek(tp, beginnings[tp])
        remaining = {tp for tp in partitions if beginnings[tp] < ends[tp]}
        async with asyncio.timeout(TIMEOUT_S * 4):
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=1000)
                for tp, records in batches.items():
                    for record in records:
                        if record.offset >= ends[tp]:
                            remaining.discard(tp)
                            break
                        letters.append(
                            DeadLetter(tp.partition, record.offset, record.key, record.value, list(record.headers))
                        )
                        if record.offset + 1 >= ends[tp]:
                            remaining.discard(tp)
                for tp in list(remaining):
                    # Compacted or transactional gaps: the position may pass the end without a record.
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
        letters.sort(key=lambda letter: (letter.partition, letter.offset))
        return letters, {tp.partition: ends[tp] for tp in partitions}
    finally:
        await consumer.stop()
        await admin.close()


async def replay(bootstrap: str, letters: Sequence[DeadLetter]) -> int:
    """Publish each letter to its source topic with its key, value and original headers, in order."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        client_id="dlq_tool",
        max_request_size=MAX_RECORD_BYTES,
        compression_type=COMPRESSION,
    )
    async with asyncio.timeout(TIMEOUT_S):
        await producer.start()
    try:
        for letter in letters:
            async with asyncio.timeout(TIMEOUT_S):
                # The key picks the partition, so per-key order is what it was.
                await producer.send_and_wait(
                    letter.source_topic, value=letter.value, key=letter.key, headers=letter.replay_headers()
                )
        return len(letters)
    finally:
        await producer.stop()


async def purge(bootstrap: str, topic: str, below: dict[int, int]) -> None:
    """Delete each partition's records below its offset in ``below``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="dlq_tool")
    async with asyncio.timeout(TIMEOUT_S):
        await admin.start()
    try:
        async with asyncio.timeout(TIMEOUT_S):
            known = {tp.partition for tp in await _partitions(admin, topic)}
            unknown = sorted(set(below) - known)
            if unknown:
                raise DlqToolError(f"{topic} has no partition {', '.join(map(str, unknown))}")
            await admin.delete_records(
                {TopicPartition(topic, p): RecordsToDelete(before_offset=o) for p, o in below.items()},
                timeout_ms=int(TIMEOUT_S * 1000),
            )
    finally:
        await admin.close()
