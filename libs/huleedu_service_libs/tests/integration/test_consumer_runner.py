"""The consumer runner against the real broker and database: commit policy, retries, dead letters, stop."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, func, insert, select

from common_core.envelope import EventEnvelope
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import current_correlation_id
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.errors import ExternalServiceError
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.kafka.backoff import RetryPolicy
from huleedu_service_libs.kafka.consumer import ConsumerRunner, HandlerContext
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.infrastructure import Infrastructure, create_topics, delete_topics

SERVICE = "consumer_runner_test"
WAIT_S = 30
FAST_RETRY = RetryPolicy(base_backoff_s=0.01, max_backoff_s=0.05, max_inline_attempts=5)


class Ping(BaseModel):
    n: int


def envelope(topic: str, n: int, *, event_type: str | None = None) -> EventEnvelope[Ping]:
    return EventEnvelope[Ping](
        event_type=event_type or topic, source_service=SERVICE, correlation_id=uuid.uuid4(), data=Ping(n=n)
    )


def metric(name: str, group: str, topic: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, {"service": SERVICE, "consumer": group, "topic": topic, **labels})
    return value or 0.0


@pytest.fixture
async def topic(infrastructure: Infrastructure, fresh_topic: str) -> AsyncIterator[str]:
    """A fresh topic and its dead-letter twin, named exactly ``<topic>.dlq``."""
    await create_topics(infrastructure.kafka_bootstrap, [f"{fresh_topic}.dlq"], 1)
    yield fresh_topic
    await delete_topics(infrastructure.kafka_bootstrap, [f"{fresh_topic}.dlq"])


@pytest.fixture
def registry(fresh_topic: str) -> EventRegistry:
    events = EventRegistry()
    events.register(fresh_topic, Ping)
    return events


@pytest.fixture
async def publisher(infrastructure: Infrastructure) -> AsyncIterator[EventPublisher]:
    async with EventPublisher(infrastructure.kafka_bootstrap, SERVICE) as started:
        yield started


def make_runner(
    infrastructure: Infrastructure, group: str, publisher: EventPublisher, registry: EventRegistry, **options: Any
) -> ConsumerRunner:
    options.setdefault("retry", FAST_RETRY)
    return ConsumerRunner(infrastructure.kafka_bootstrap, SERVICE, group, publisher, registry, **options)


@asynccontextmanager
async def running(runner: ConsumerRunner) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(runner.run())
    try:
        yield task
    finally:
        async with asyncio.timeout(WAIT_S):
            await runner.stop()
            await task


async def eventually(check: Callable[[], Awaitable[bool]], task: asyncio.Task[None] | None = None) -> None:
    """Wait until ``check()`` holds; a runner that died on the way fails the test with its error."""
    async with asyncio.timeout(WAIT_S):
        while not await check():
            if task is not None and task.done():
                task.result()
                raise AssertionError("the runner stopped before the condition held")
            await asyncio.sleep(0.05)


async def equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def committed(infrastructure: Infrastructure, group: str, topic: str) -> int | None:
    """The group's committed offset of partition 0, read by a probe that never joins the group."""
    probe = AIOKafkaConsumer(bootstrap_servers=infrastructure.kafka_bootstrap, group_id=group)
    async with asyncio.timeout(WAIT_S):
        await probe.start()
        try:
            offset: int | None = await probe.committed(TopicPartition(topic, 0))
            return offset
        finally:
            await probe.stop()


async def read_topic(infrastructure: Infrastructure, topic: str) -> list[Any]:
    """Every record on partition 0 of ``topic``, up to its end offset."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=infrastructure.kafka_bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    tp = TopicPartition(topic, 0)
    async with asyncio.timeout(WAIT_S):
        await reader.start()
        try:
            reader.assign([tp])
            end = (await reader.end_offsets([tp]))[tp]
            records: list[Any] = []
            while len(records) < end:
                records += (await reader.getmany(tp, timeout_ms=500)).get(tp, [])
            return records
        finally:
            await reader.stop()


async def describe_group(infrastructure: Infrastructure, group: str) -> dict[str, Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infrastructure.kafka_bootstrap, request_timeout_ms=10_000)
    async with asyncio.timeout(WAIT_S):
        await admin.start()
        try:
            [response] = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
    [described] = response.to_object()["groups"]
    return dict(described)


async def test_round_trip_handles_once_and_commits_the_next_offset(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    seen: list[tuple[EventEnvelope[Ping], HandlerContext, uuid.UUID | None]] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        seen.append((event, ctx, current_correlation_id()))

    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    sent = envelope(topic, 1)
    await publisher.publish(sent, key="batch-1")

    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 1), task)
        assert metric("huleedu_consumer_lag", unique_group_id, topic, partition="0") == 0

    assert len(seen) == 1
    event, ctx, correlation_id = seen[0]
    assert event == sent
    assert (ctx.topic, ctx.partition, ctx.offset, ctx.key, ctx.attempt, ctx.session) == (
        topic,
        0,
        0,
        b"batch-1",
        1,
        None,
    )
    assert ctx.headers["event_id"] == str(sent.event_id)
    assert correlation_id == sent.correlation_id
    assert metric("huleedu_consumer_processed_total", unique_group_id, topic) == 1
    # A member that left no longer reports lag for partitions another member may now own.
    assert (
        REGISTRY.get_sample_value(
            "huleedu_consumer_lag", {"service": SERVICE, "consumer": unique_group_id, "topic": topic, "partition": "0"}
        )
        is None
    )


async def test_poison_records_go_to_the_dlq_and_the_next_record_is_still_handled(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    handled: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        handled.append(event.data.n)

    garbage = b"\x00\xffnot an envelope"
    invalid_payload = json.loads(envelope(topic, 1).to_bytes())
    invalid_payload["data"] = {"n": "not a number"}
    poison = [
        (garbage, "unparseable"),
        (json.dumps(invalid_payload).encode(), "invalid_payload"),
        (envelope(topic, 2, event_type=f"{topic}.other").to_bytes(), "wrong_event_type"),
    ]
    for i, (value, _) in enumerate(poison):
        await publisher.publish_raw(topic, value, key=f"key-{i}", headers=[("origin", b"test")])
    await publisher.publish(envelope(topic, 3), key="key-3")

    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 4), task)

    assert handled == [3]
    dead = await read_topic(infrastructure, f"{topic}.dlq")
    assert len(dead) == 3
    for offset, (record, (value, reason)) in enumerate(zip(dead, poison, strict=True)):
        headers = {name: raw.decode() for name, raw in record.headers}
        assert (record.value, record.key) == (value, f"key-{offset}".encode())
        assert headers["origin"] == "test"
        assert headers["dlq_reason"] == reason
        assert headers["dlq_error"]
        assert headers["dlq_error_type"] in {"ValidationError", "PoisonRecordError"}
        assert headers["dlq_source_topic"] == topic
        assert (headers["dlq_source_partition"], headers["dlq_source_offset"]) == ("0", str(offset))
        assert headers["dlq_consumer"] == unique_group_id
        assert datetime.fromisoformat(headers["dlq_failed_at"]).tzinfo is not None
    assert metric("huleedu_consumer_dlq_total", unique_group_id, topic) == 3
    assert metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="poison") == 3


async def test_a_permanent_handler_error_is_dead_lettered_without_retries(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    calls: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        calls.append(event.data.n)
        if event.data.n == 1:
            raise ValueError("essay 1 references an unknown assignment")

    await publisher.publish(envelope(topic, 1), key="k")
    await publisher.publish(envelope(topic, 2), key="k")
    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 2), task)

    assert calls == [1, 2]
    [dead] = await read_topic(infrastructure, f"{topic}.dlq")
    headers = {name: raw.decode() for name, raw in dead.headers}
    assert (headers["dlq_reason"], headers["dlq_error_type"]) == ("handler_error", "ValueError")
    assert "unknown assignment" in headers["dlq_error"]
    assert metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="permanent") == 1


async def test_a_retryable_error_is_retried_and_never_committed_past(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    attempts: list[int] = []
    committed_while_failing: list[int | None] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        if event.data.n == 2:
            attempts.append(ctx.attempt)
            if len(attempts) <= 2:
                committed_while_failing.append(await committed(infrastructure, unique_group_id, topic))
                raise ExternalServiceError("content service answered 503")

    await publisher.publish(envelope(topic, 1), key="k")
    await publisher.publish(envelope(topic, 2), key="k")
    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 2), task)

    assert attempts == [1, 2, 3]
    assert committed_while_failing == [1, 1]
    assert await read_topic(infrastructure, f"{topic}.dlq") == []
    assert metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="retryable") == 2
    assert metric("huleedu_consumer_processed_total", unique_group_id, topic) == 2


async def test_after_the_inline_attempts_the_record_is_fetched_again_not_skipped(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    calls: list[tuple[int, int]] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        calls.append((event.data.n, ctx.attempt))
        if event.data.n == 1 and ctx.attempt == 3:
            await asyncio.sleep(WAIT_S)  # cut short by the handler timeout, which is retryable
        if event.data.n == 1 and ctx.attempt < 4:
            raise ConnectionError("database went away")

    await publisher.publish(envelope(topic, 1), key="k")
    await publisher.publish(envelope(topic, 2), key="k")
    runner = make_runner(
        infrastructure,
        unique_group_id,
        publisher,
        registry,
        retry=RetryPolicy(base_backoff_s=0.01, max_backoff_s=0.05, max_inline_attempts=2),
        handler_timeout_s=1.0,
    )
    runner.subscribe(Ping, handle)
    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 2), task)

    assert calls == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1)]
    assert await read_topic(infrastructure, f"{topic}.dlq") == []
    assert metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="retryable") == 3


async def test_a_failed_dead_letter_publish_is_retried_and_blocks_the_partition(
    infrastructure: Infrastructure, fresh_topic: str, unique_group_id: str, registry: EventRegistry
):
    topic, dlq = fresh_topic, f"{fresh_topic}.dlq"  # the DLQ topic is missing at first
    handled: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        handled.append(event.data.n)

    async with EventPublisher(infrastructure.kafka_bootstrap, SERVICE, delivery_timeout_s=1.0) as publisher:
        await publisher.publish_raw(topic, b"garbage", key="k")
        await publisher.publish(envelope(topic, 2), key="k")
        runner = make_runner(infrastructure, unique_group_id, publisher, registry)
        runner.subscribe(Ping, handle)
        try:
            async with running(runner) as task:

                async def failed_twice() -> bool:
                    return metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="poison") >= 2

                await eventually(failed_twice, task)
                assert handled == []
                assert await committed(infrastructure, unique_group_id, topic) is None

                await create_topics(infrastructure.kafka_bootstrap, [dlq], 1)
                await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 2), task)
        finally:
            await delete_topics(infrastructure.kafka_bootstrap, [dlq])

    assert handled == [2]
    assert metric("huleedu_consumer_dlq_total", unique_group_id, topic) == 1


async def test_crash_between_db_commit_and_offset_commit_is_absorbed_by_processed_events(
    infrastructure: Infrastructure,
    topic: str,
    unique_group_id: str,
    publisher: EventPublisher,
    registry: EventRegistry,
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
):
    metadata = MetaData()
    processed = processed_events_table(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False),
    )
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessions = session_factory(engine)
        calls: list[uuid.UUID] = []

        async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
            assert ctx.session is not None
            calls.append(event.event_id)
            # Deliberately not idempotent by itself: only the processed-events claim guards it.
            await ctx.session.execute(insert(effects).values(event_id=event.event_id))

        async def count(table: Table) -> int:
            async with sessions() as session:
                return int((await session.execute(select(func.count()).select_from(table))).scalar_one())

        sent = envelope(topic, 1)
        await publisher.publish(sent, key="k")
        options: dict[str, Any] = {"session_factory": sessions, "processed_events": processed}

        first = make_runner(infrastructure, unique_group_id, publisher, registry, **options)
        first.subscribe(Ping, handle)

        async def die(*args: object) -> None:
            raise asyncio.CancelledError  # the process dies after the DB commit, before the offset commit

        monkeypatch.setattr(first, "_commit_offset", die)
        crashed = asyncio.create_task(first.run())
        async with asyncio.timeout(WAIT_S):
            await asyncio.wait([crashed])
        assert crashed.cancelled()
        assert await count(effects) == 1
        assert await committed(infrastructure, unique_group_id, topic) is None

        second = make_runner(infrastructure, unique_group_id, publisher, registry, **options)
        second.subscribe(Ping, handle)
        async with running(second) as task:
            await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 1), task)

        assert calls == [sent.event_id]
        assert await count(effects) == 1
        async with sessions() as session:
            claims = (await session.execute(select(processed.c.consumer_name, processed.c.event_id))).all()
        assert [tuple(row) for row in claims] == [(unique_group_id, sent.event_id)]
        assert metric("huleedu_consumer_duplicates_total", unique_group_id, topic) == 1
    finally:
        await engine.dispose()


async def test_stop_finishes_the_record_in_flight_commits_it_and_handles_no_more(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    started, release = asyncio.Event(), asyncio.Event()
    handled: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        started.set()
        await release.wait()
        handled.append(event.data.n)

    await publisher.publish(envelope(topic, 1), key="k")
    await publisher.publish(envelope(topic, 2), key="k")
    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(WAIT_S):
        await started.wait()
        stopping = asyncio.create_task(runner.stop())
        await asyncio.sleep(0)
        release.set()
        await stopping
        await task

    assert handled == [1]
    assert await committed(infrastructure, unique_group_id, topic) == 1


async def test_stop_while_idle_returns_and_leaves_the_group(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        return None

    await publisher.publish(envelope(topic, 1), key="k")
    runner = make_runner(infrastructure, unique_group_id, publisher, registry)
    runner.subscribe(Ping, handle)
    task = asyncio.create_task(runner.run())
    await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 1), task)

    async with asyncio.timeout(WAIT_S):
        await runner.stop()
    assert task.done()
    assert task.exception() is None
    group = await describe_group(infrastructure, unique_group_id)
    assert (group["state"], group["members"]) == ("Empty", [])


async def test_stop_interrupts_the_backoff_of_a_failing_record(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher, registry: EventRegistry
):
    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        raise ExternalServiceError("provider down")

    await publisher.publish(envelope(topic, 1), key="k")
    runner = make_runner(
        infrastructure,
        unique_group_id,
        publisher,
        registry,
        retry=RetryPolicy(base_backoff_s=3600, max_backoff_s=3600, max_inline_attempts=1),
        max_poll_interval_ms=4_000_000,
    )
    runner.subscribe(Ping, handle)
    task = asyncio.create_task(runner.run())

    async def failed() -> bool:
        return metric("huleedu_consumer_failures_total", unique_group_id, topic, kind="retryable") >= 1

    await eventually(failed, task)
    async with asyncio.timeout(WAIT_S):
        await runner.stop()
        await task
    assert await committed(infrastructure, unique_group_id, topic) is None


class Blob(BaseModel):
    text: str


async def test_a_record_over_kafkas_one_megabyte_default_is_published_and_handled(
    infrastructure: Infrastructure, topic: str, unique_group_id: str, publisher: EventPublisher
):
    """A 2,000-essay batch's result event is over 1 MB: the publisher, the broker and the runner take it."""
    events = EventRegistry()
    events.register(topic, Blob)
    seen: list[EventEnvelope[Blob]] = []

    async def handle(event: EventEnvelope[Blob], ctx: HandlerContext) -> None:
        seen.append(event)

    runner = make_runner(infrastructure, unique_group_id, publisher, events)
    runner.subscribe(Blob, handle)
    # Hex of random bytes: gzip cannot shrink it below the old limit, so the broker's limit is tested too.
    sent = EventEnvelope[Blob](
        event_type=topic,
        source_service=SERVICE,
        correlation_id=uuid.uuid4(),
        data=Blob(text=os.urandom(1_500_000).hex()),
    )
    assert len(sent.to_bytes()) > 3_000_000
    await publisher.publish(sent, key="big")

    async with running(runner) as task:
        await eventually(lambda: equals(committed(infrastructure, unique_group_id, topic), 1), task)
    assert seen == [sent]
