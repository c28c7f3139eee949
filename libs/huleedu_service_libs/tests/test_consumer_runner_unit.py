"""Runner wiring and batch bookkeeping, with a fake consumer (the broker behaviour is in integration/)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from pydantic import BaseModel
from sqlalchemy import MetaData

from common_core.envelope import EventEnvelope
from common_core.events.registry import EventRegistry, UnknownEventError
from huleedu_service_libs.errors import ExternalServiceError
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.kafka.backoff import RetryPolicy
from huleedu_service_libs.kafka.consumer import ConsumerRunner, HandlerContext
from huleedu_service_libs.kafka.producer import EventPublisher

TOPIC = "huleedu.test.unit_ping.v1"
FAST = RetryPolicy(base_backoff_s=0.001, max_backoff_s=0.001, max_inline_attempts=2)


class Ping(BaseModel):
    n: int


class Unregistered(BaseModel):
    n: int


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = b"k"
    headers: Sequence[tuple[str, bytes]] = ()


@dataclass
class FakeConsumer:
    assigned: set[TopicPartition]
    commit_error: Exception | None = None
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)

    def assignment(self) -> frozenset[TopicPartition]:
        return frozenset(self.assigned)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        self.commits.append(offsets)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))


class RecordingPublisher(EventPublisher):
    """Has no producer at all: dead letters are only recorded."""

    def __init__(self, *, started: bool = False) -> None:
        self.service_name = "unit"
        self.delivery_timeout_s = 1.0
        self._started = started
        self.sent: list[tuple[str, bytes]] = []

    async def publish_raw(
        self, topic: str, value: bytes, *, key: str | bytes | None, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        self.sent.append((topic, value))


def ping(n: int) -> bytes:
    return EventEnvelope[Ping](
        event_type=TOPIC, source_service="s", correlation_id=uuid.uuid4(), data=Ping(n=n)
    ).to_bytes()


@pytest.fixture
def registry() -> EventRegistry:
    events = EventRegistry()
    events.register(TOPIC, Ping)
    return events


async def test_a_session_factory_needs_the_processed_events_table(registry: EventRegistry):
    with pytest.raises(ValueError, match="go together"):
        ConsumerRunner(
            "b", "svc", "g", RecordingPublisher(), registry, processed_events=processed_events_table(MetaData())
        )


async def test_inline_retries_must_fit_inside_the_poll_interval(registry: EventRegistry):
    with pytest.raises(ValueError, match="max_poll_interval_ms"):
        ConsumerRunner(
            "b", "svc", "g", RecordingPublisher(), registry, handler_timeout_s=120, max_poll_interval_ms=300_000
        )


async def test_subscribe_takes_the_topic_from_the_registry_once(registry: EventRegistry):
    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        return None

    async def handle_other(event: EventEnvelope[Unregistered], ctx: HandlerContext) -> None:
        return None

    runner = ConsumerRunner("b", "svc", "g", RecordingPublisher(), registry)
    runner.subscribe(Ping, handle)
    with pytest.raises(ValueError, match="already has a handler"):
        runner.subscribe(Ping, handle)
    with pytest.raises(UnknownEventError):
        runner.subscribe(Unregistered, handle_other)


class UnreachableBrokerPublisher(RecordingPublisher):
    """A publisher whose broker cannot be reached: starting it fails, as aiokafka's would."""

    def __init__(self) -> None:
        super().__init__()
        self.start_attempts = 0

    async def start(self) -> None:
        self.start_attempts += 1
        raise ConnectionError("no broker")


async def test_run_refuses_to_start_without_handlers(registry: EventRegistry):
    with pytest.raises(RuntimeError, match="subscribe"):
        await ConsumerRunner("b", "svc", "g", RecordingPublisher(), registry).run()


async def test_run_starts_a_publisher_nobody_started_and_fails_like_the_consumer_when_kafka_is_away(
    registry: EventRegistry,
):
    """A service that boots without Kafka (LPS) starts its producer lazily: the runner starts it for its dead
    letters, and an unreachable broker fails the run (the supervisor restarts it) before anything is consumed."""

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        return None

    publisher = UnreachableBrokerPublisher()
    runner = ConsumerRunner("b", "svc", "g", publisher, registry)
    runner.subscribe(Ping, handle)
    with pytest.raises(ConnectionError, match="no broker"):
        await runner.run()
    assert publisher.start_attempts == 1


async def test_stop_before_run_returns_at_once(registry: EventRegistry):
    await ConsumerRunner("b", "svc", "g", RecordingPublisher(), registry).stop()


async def test_a_record_that_keeps_failing_is_sought_back_and_its_successors_wait(registry: EventRegistry):
    handled: list[tuple[int, int]] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        handled.append((ctx.partition, event.data.n))
        if ctx.partition == 0 and event.data.n == 1:
            raise ExternalServiceError("down")

    p0, p1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)
    consumer = FakeConsumer(assigned={p0, p1})
    runner = ConsumerRunner("b", "svc", "unit-seek", RecordingPublisher(), registry, retry=FAST)
    runner.subscribe(Ping, handle)
    batch = {
        p0: [FakeRecord(TOPIC, 0, 10, ping(1)), FakeRecord(TOPIC, 0, 11, ping(2))],
        p1: [FakeRecord(TOPIC, 1, 5, ping(3))],
    }
    await runner._process_batch(consumer, batch)

    assert handled == [(0, 1), (0, 1), (1, 3)]
    assert consumer.seeks == [(p0, 10)]
    assert consumer.commits == [{p1: 6}]


async def test_records_of_a_revoked_partition_are_left_to_the_new_owner(registry: EventRegistry):
    handled: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        handled.append(event.data.n)

    consumer = FakeConsumer(assigned=set())
    runner = ConsumerRunner("b", "svc", "unit-revoked", RecordingPublisher(), registry)
    runner.subscribe(Ping, handle)
    await runner._process_batch(consumer, {TopicPartition(TOPIC, 0): [FakeRecord(TOPIC, 0, 0, ping(1))]})

    assert handled == []
    assert consumer.commits == []


async def test_a_failed_offset_commit_does_not_redo_or_stop_the_work(registry: EventRegistry):
    handled: list[int] = []

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        handled.append(event.data.n)

    tp = TopicPartition(TOPIC, 0)
    consumer = FakeConsumer(assigned={tp}, commit_error=RuntimeError("CommitFailedError: rebalanced"))
    runner = ConsumerRunner("b", "svc", "unit-commit", RecordingPublisher(), registry)
    runner.subscribe(Ping, handle)
    await runner._process_batch(consumer, {tp: [FakeRecord(TOPIC, 0, 0, ping(1)), FakeRecord(TOPIC, 0, 1, ping(2))]})

    assert handled == [1, 2]


async def test_poison_goes_to_the_dlq_and_the_offset_moves_on(registry: EventRegistry):
    publisher = RecordingPublisher()
    tp = TopicPartition(TOPIC, 0)
    consumer = FakeConsumer(assigned={tp})

    async def handle(event: EventEnvelope[Ping], ctx: HandlerContext) -> None:
        return None

    runner = ConsumerRunner("b", "svc", "unit-poison", publisher, registry)
    runner.subscribe(Ping, handle)
    await runner._process_batch(consumer, {tp: [FakeRecord(TOPIC, 0, 7, b"garbage")]})

    assert publisher.sent == [(f"{TOPIC}.dlq", b"garbage")]
    assert consumer.commits == [{tp: 8}]
