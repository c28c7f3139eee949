"""The outbox against real PostgreSQL and Kafka: transactions, exactly-once claims, order, wake-up."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import BaseModel
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.envelope import EventEnvelope, event_id_from_headers
from huleedu_service_libs.db import create_engine, session_factory, unit_of_work
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay, add_to_outbox
from huleedu_service_libs.testing.infrastructure import Infrastructure


class Ping(BaseModel):
    n: int


def envelope(topic: str, n: int) -> EventEnvelope[Ping]:
    return EventEnvelope[Ping](
        event_type=topic, source_service="outbox_test", correlation_id=uuid.uuid4(), data=Ping(n=n)
    )


async def write(engine: AsyncEngine, table: Table, events: Sequence[tuple[EventEnvelope[Ping], str | None]]) -> None:
    async with unit_of_work(session_factory(engine)) as session:
        for event, key in events:
            await add_to_outbox(session, table, event, key=key)


async def all_published(engine: AsyncEngine, table: Table) -> bool:
    return await count(engine, table) == 0


async def count(engine: AsyncEngine, table: Table, status: str = "pending") -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).where(table.c.status == status))).scalar_one())


async def topic_size(bootstrap: str, topic: str, partitions: int = 1) -> int:
    """Records in ``topic``, duplicates included: the sum of its partitions' end offsets."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def read(bootstrap: str, topic: str, group: str, expected: int) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(30):
            while len(records) < expected:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records += batch
        return records
    finally:
        await consumer.stop()


async def wait_until(check: Callable[[], Awaitable[bool]], timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        relay.stop()
        async with asyncio.timeout(30):
            await task


async def test_a_rolled_back_transaction_publishes_nothing(
    outbox: tuple[AsyncEngine, Table], publisher: EventPublisher, infrastructure: Infrastructure, fresh_topic: str
):
    engine, table = outbox

    class BusinessFailureError(Exception):
        pass

    async def change_that_fails_after_writing_its_event() -> None:
        async with unit_of_work(session_factory(engine)) as session:
            await add_to_outbox(session, table, envelope(fresh_topic, 1), key="batch-1")
            raise BusinessFailureError

    with pytest.raises(BusinessFailureError):
        await change_that_fails_after_writing_its_event()

    relay = OutboxRelay(engine, table, publisher, "outbox_test")
    assert await relay.publish_pending_once() == 0
    assert await count(engine, table) == 0
    assert await topic_size(infrastructure.kafka_bootstrap, fresh_topic) == 0

    # The same relay does publish a committed event, so the silence above was the rollback's.
    await write(engine, table, [(envelope(fresh_topic, 2), "batch-1")])
    assert await relay.publish_pending_once() == 1
    assert await topic_size(infrastructure.kafka_bootstrap, fresh_topic) == 1


async def test_a_committed_row_is_published_with_key_headers_and_value(
    outbox: tuple[AsyncEngine, Table],
    publisher: EventPublisher,
    infrastructure: Infrastructure,
    fresh_topic: str,
    unique_group_id: str,
):
    engine, table = outbox
    event = envelope(fresh_topic, 7)
    await write(engine, table, [(event, "batch-7")])

    relay = OutboxRelay(engine, table, publisher, "outbox_test")
    assert await relay.publish_pending_once() == 1
    assert await relay.publish_pending_once() == 0

    [record] = await read(infrastructure.kafka_bootstrap, fresh_topic, unique_group_id, 1)
    assert record.key == b"batch-7"
    assert EventEnvelope[Ping].from_bytes(record.value) == event
    assert dict(record.headers) == dict(event.kafka_headers())
    async with engine.connect() as conn:
        row = (await conn.execute(select(table.c.status, table.c.published_at))).one()
    assert row.status == "published"
    assert row.published_at is not None


async def test_two_relays_at_once_publish_every_row_exactly_once_in_key_order(
    outbox: tuple[AsyncEngine, Table],
    infrastructure: Infrastructure,
    kafka_topic_factory: Callable[..., str],
    unique_group_id: str,
    fresh_database_url: str,
):
    engine, table = outbox
    topic = kafka_topic_factory("two-relays", partitions=3)
    events = [(envelope(topic, n), f"batch-{n % 5}") for n in range(50)]
    await write(engine, table, events)

    second_engine = create_engine(fresh_database_url)
    bootstrap = infrastructure.kafka_bootstrap
    try:
        async with EventPublisher(bootstrap, "outbox_test") as one, EventPublisher(bootstrap, "outbox_test") as two:
            relays = [
                OutboxRelay(engine, table, one, "outbox_test", batch_size=7, poll_interval_s=0.05),
                OutboxRelay(second_engine, table, two, "outbox_test", batch_size=7, poll_interval_s=0.05),
            ]
            async with running(relays[0]), running(relays[1]):
                await wait_until(lambda: all_published(engine, table), 60)
    finally:
        await second_engine.dispose()

    assert await count(engine, table, "published") == 50
    assert await topic_size(bootstrap, topic, partitions=3) == 50
    records = await read(bootstrap, topic, unique_group_id, 50)
    seen = [event_id_from_headers(record.headers) for record in records]
    assert sorted(map(str, seen)) == sorted(str(event.event_id) for event, _ in events)
    for key in {key for _, key in events}:
        published = [
            EventEnvelope[Ping].from_bytes(r.value).data.n
            for r in sorted(records, key=lambda r: (r.partition, r.offset))
            if r.key == key.encode()
        ]
        assert published == sorted(published), f"events of {key} were reordered"


async def _listener_pids(url: str) -> set[int]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'"
        )
        return {row["pid"] for row in rows}
    finally:
        await conn.close()


async def test_a_commit_wakes_a_relay_whose_poll_interval_is_an_hour(
    outbox: tuple[AsyncEngine, Table],
    publisher: EventPublisher,
    infrastructure: Infrastructure,
    fresh_topic: str,
    unique_group_id: str,
    fresh_database_url: str,
):
    engine, table = outbox
    bootstrap = infrastructure.kafka_bootstrap
    relay = OutboxRelay(engine, table, publisher, "outbox_test", poll_interval_s=3600)
    async with running(relay):
        # Published by the first cycle; afterwards the relay sleeps for an hour unless notified.
        await write(engine, table, [(envelope(fresh_topic, 0), "b")])
        await read(bootstrap, fresh_topic, unique_group_id + "-0", 1)

        await write(engine, table, [(envelope(fresh_topic, 1), "b")])
        await read(bootstrap, fresh_topic, unique_group_id + "-1", 2)

        # A dropped LISTEN connection is replaced, and notifications work on the new one.
        [old_pid] = await _listener_pids(fresh_database_url)
        conn = await asyncpg.connect(fresh_database_url, timeout=10)
        try:
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", old_pid)
        finally:
            await conn.close()

        async def relistened() -> bool:
            return bool(await _listener_pids(fresh_database_url) - {old_pid})

        await wait_until(relistened, 20)
        await write(engine, table, [(envelope(fresh_topic, 2), "b")])
        await read(bootstrap, fresh_topic, unique_group_id + "-2", 3)
        await write(engine, table, [(envelope(fresh_topic, 3), "b")])
        records = await read(bootstrap, fresh_topic, unique_group_id + "-3", 4)

    assert [EventEnvelope[Ping].from_bytes(r.value).data.n for r in records] == [0, 1, 2, 3]
