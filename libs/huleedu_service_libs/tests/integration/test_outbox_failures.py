"""The outbox relay when things go wrong: Kafka down, a row Kafka will never take, and its metrics."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.envelope import EventEnvelope
from huleedu_service_libs.db import session_factory, unit_of_work
from huleedu_service_libs.kafka.limits import MAX_RECORD_BYTES
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay, add_to_outbox
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import free_port, tcp_forwarder

TOO_LARGE = MAX_RECORD_BYTES + 100_000  # characters: a record no producer of the platform may send


class Note(BaseModel):
    text: str


def envelope(topic: str, note: str) -> EventEnvelope[Note]:
    return EventEnvelope[Note](
        event_type=topic, source_service="outbox_test", correlation_id=uuid.uuid4(), data=Note(text=note)
    )


@asynccontextmanager
async def publisher_at(port: int) -> AsyncIterator[EventPublisher]:
    publisher = EventPublisher(f"127.0.0.1:{port}", "outbox_test", request_timeout_ms=2_000, delivery_timeout_s=5)
    try:
        yield publisher
    finally:
        await publisher.stop()


@pytest.fixture
async def unreachable_publisher() -> AsyncIterator[EventPublisher]:
    """A publisher whose bootstrap address is a local port nothing listens on."""
    async with publisher_at(free_port()) as publisher:
        yield publisher


@pytest.fixture
def service() -> str:
    """A metrics label of this test's own, so counters start at zero."""
    return f"outbox_test_{uuid.uuid4().hex[:8]}"


async def write(engine: AsyncEngine, table: Table, events: list[tuple[EventEnvelope[Note], str | None]]) -> None:
    async with unit_of_work(session_factory(engine)) as session:
        for event, key in events:
            await add_to_outbox(session, table, event, key=key)


async def rows(engine: AsyncEngine, table: Table) -> dict[uuid.UUID, tuple[str, int, str | None]]:
    async with engine.connect() as conn:
        result = await conn.execute(select(table.c.event_id, table.c.status, table.c.attempts, table.c.last_error))
        return {row.event_id: (row.status, row.attempts, row.last_error) for row in result}


async def notes_in(bootstrap: str, topic: str) -> list[str]:
    """Every record in ``topic`` (one partition), read up to its end offset."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        notes: list[str] = []
        async with asyncio.timeout(30):
            while await consumer.position(partition) < end:
                for batch in (await consumer.getmany(partition, timeout_ms=500)).values():
                    notes += [EventEnvelope[Note].from_bytes(record.value).data.text for record in batch]
        return notes
    finally:
        await consumer.stop()


def sample(name: str, service: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": service}) or 0.0


async def test_rows_wait_while_kafka_is_down_and_drain_when_it_is_back(
    outbox: tuple[AsyncEngine, Table],
    unreachable_publisher: EventPublisher,
    publisher: EventPublisher,
    infrastructure: Infrastructure,
    fresh_topic: str,
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, f"n{n}"), f"batch-{n % 2}") for n in range(5)])

    down = OutboxRelay(engine, table, unreachable_publisher, "outbox_test", max_attempts=2, backoff_base_s=0)
    for _ in range(4):
        assert await down.publish_pending_once() == 0
    # More cycles than max_attempts, yet an outage spends no attempts: nothing is dead.
    assert set((await rows(engine, table)).values()) == {("pending", 0, None)}

    up = OutboxRelay(engine, table, publisher, "outbox_test", max_attempts=2, backoff_base_s=0)
    assert await up.publish_pending_once() == 5
    assert {status for status, _, _ in (await rows(engine, table)).values()} == {"published"}
    assert await notes_in(infrastructure.kafka_bootstrap, fresh_topic) == [f"n{n}" for n in range(5)]


async def test_a_relay_that_started_during_an_outage_drains_once_the_broker_answers(
    outbox: tuple[AsyncEngine, Table], infrastructure: Infrastructure, fresh_topic: str
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, f"n{n}"), "batch-1") for n in range(3)])
    port = free_port()
    async with publisher_at(port) as publisher:
        relay = OutboxRelay(engine, table, publisher, "outbox_test", max_attempts=1, backoff_base_s=0)
        assert await relay.publish_pending_once() == 0
        assert await relay.publish_pending_once() == 0
        assert set((await rows(engine, table)).values()) == {("pending", 0, None)}

        # Only bootstrap goes through the forwarder; the broker then advertises its own address.
        async with tcp_forwarder(port, infrastructure.kafka_bootstrap):
            assert await relay.publish_pending_once() == 3
    assert await notes_in(infrastructure.kafka_bootstrap, fresh_topic) == ["n0", "n1", "n2"]


async def test_a_running_relay_waits_out_an_outage(
    outbox: tuple[AsyncEngine, Table], unreachable_publisher: EventPublisher, fresh_topic: str, service: str
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, "waiting"), "batch-1")])
    relay = OutboxRelay(
        engine, table, unreachable_publisher, service, max_attempts=1, poll_interval_s=0.01, backoff_base_s=0.01
    )
    task = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(20):
            while True:
                if sample("huleedu_outbox_publish_failures_total", service) >= 3:
                    break
                await asyncio.sleep(0.01)
    finally:
        relay.stop()
        async with asyncio.timeout(30):
            await task
    assert set((await rows(engine, table)).values()) == {("pending", 0, None)}
    assert sample("huleedu_outbox_dead_total", service) == 0


async def test_a_row_kafka_rejects_goes_dead_without_blocking_the_rows_behind_it(
    outbox: tuple[AsyncEngine, Table],
    publisher: EventPublisher,
    infrastructure: Infrastructure,
    fresh_topic: str,
    service: str,
):
    engine, table = outbox
    # Larger than the producer's max_request_size (MAX_RECORD_BYTES): aiokafka refuses it every time.
    poison = envelope(fresh_topic, "x" * TOO_LARGE)
    same_key_after = envelope(fresh_topic, "a-after")
    await write(
        engine,
        table,
        [
            (envelope(fresh_topic, "a-before"), "a"),
            (poison, "a"),
            (envelope(fresh_topic, "b-1"), "b"),
            (same_key_after, "a"),
            (envelope(fresh_topic, "no-key"), None),
        ],
    )
    relay = OutboxRelay(engine, table, publisher, service, max_attempts=3, backoff_base_s=0, backoff_cap_s=0)

    assert await relay.publish_pending_once() == 3  # a-before, b-1, no-key; a-after waits behind the poison
    assert await relay.publish_pending_once() == 0
    state = await rows(engine, table)
    assert state[poison.event_id][:2] == ("pending", 2)
    assert state[same_key_after.event_id] == ("pending", 0, None)

    assert await relay.publish_pending_once() == 0  # third attempt: the poison goes dead
    status, attempts, error = (await rows(engine, table))[poison.event_id]
    assert (status, attempts) == ("dead", 3)
    assert error is not None
    assert "MessageSizeTooLargeError" in error
    assert sample("huleedu_outbox_dead_total", service) == 1
    assert sample("huleedu_outbox_publish_failures_total", service) == 3

    assert await relay.publish_pending_once() == 1  # the dead row no longer holds its key back
    assert await relay.publish_pending_once() == 0
    assert (await rows(engine, table))[poison.event_id][:2] == ("dead", 3)
    notes = await notes_in(infrastructure.kafka_bootstrap, fresh_topic)
    assert sorted(notes) == ["a-after", "a-before", "b-1", "no-key"]
    assert notes.index("a-before") < notes.index("a-after")


async def test_backlog_gauges_and_counters(
    outbox: tuple[AsyncEngine, Table],
    unreachable_publisher: EventPublisher,
    publisher: EventPublisher,
    fresh_topic: str,
    service: str,
):
    engine, table = outbox
    await write(engine, table, [(envelope(fresh_topic, f"n{n}"), "k") for n in range(3)])
    async with engine.begin() as conn:
        await conn.execute(update(table).values(created_at=text("now() - interval '1 hour'")))

    down = OutboxRelay(engine, table, unreachable_publisher, service, backoff_base_s=0)
    assert await down.publish_pending_once() == 0
    assert sample("huleedu_outbox_pending", service) == 3
    assert sample("huleedu_outbox_oldest_pending_age_seconds", service) >= 3600
    assert sample("huleedu_outbox_publish_failures_total", service) == 1
    assert sample("huleedu_outbox_published_total", service) == 0

    up = OutboxRelay(engine, table, publisher, service, max_attempts=1, backoff_base_s=0)
    assert await up.publish_pending_once() == 3
    assert sample("huleedu_outbox_published_total", service) == 3
    assert sample("huleedu_outbox_pending", service) == 0
    assert sample("huleedu_outbox_oldest_pending_age_seconds", service) == 0

    await write(engine, table, [(envelope(fresh_topic, "x" * TOO_LARGE), "k")])
    assert await up.publish_pending_once() == 0
    assert sample("huleedu_outbox_dead_total", service) == 1
    assert sample("huleedu_outbox_publish_failures_total", service) == 2
    assert sample("huleedu_outbox_pending", service) == 0
    assert sample("huleedu_outbox_published_total", service) == 3
