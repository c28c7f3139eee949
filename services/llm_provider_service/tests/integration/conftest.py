"""Real PostgreSQL, Redis and Kafka for the LPS: a migrated database, a key prefix, a fresh callback topic,
and a fresh batch.deleted topic (with its dead-letter twin) read by a consumer group of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, TopicPartition
from quart import Quart
from sqlalchemy import func, select

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import ErasedEssay, StudentErasedV1
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.kafka.dead_letter import dead_letter_topic
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.column_scan import columns_holding
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from llm_provider_service.adapters.providers.base import ProviderAdapter
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.adapters.tables import comparison_outcomes, erased_batches, outbox, processed_events
from llm_provider_service.app import create_app
from llm_provider_service.config import Settings
from services.llm_provider_service.tests.essays import MIDDLING, STRONG, WEAK

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
HEADERS = {"X-Internal-API-Key": DEV_INTERNAL_API_KEY, "X-Service-ID": "cj_assessment_service"}
TEXTS = {"strong": STRONG, "weak": WEAK, "middling": MIDDLING}


def wave(topic: str, pairs: list[tuple[str, str]], *, prefix: str = "r", **overrides: Any) -> dict[str, Any]:
    """A request body: one comparison per pair of text ids, request ids ``<prefix>0``, ``<prefix>1``, ..."""
    comparison: dict[str, Any] = {}
    if overrides:
        comparison["overrides"] = overrides
    return {
        "context": {"instructions": "Which essay argues better?", "rubric": "Argument, evidence, language."},
        "texts": TEXTS,
        "comparisons": [
            {"request_id": f"{prefix}{i}", "a": a, "b": b, "request_metadata": {"pair": i}, **comparison}
            for i, (a, b) in enumerate(pairs)
        ],
        "callback_topic": topic,
    }


class Harness:
    """One LPS deployment's state (database, queue prefix, callback topic) and ways to run apps on it."""

    def __init__(
        self,
        infrastructure: Infrastructure,
        database_url: str,
        redis_prefix: str,
        topic: str,
        deleted_topic: str,
        consumer_group: str,
        student_erased_topic: str,
    ) -> None:
        self.infrastructure = infrastructure
        self.database_url = database_url
        self.redis_prefix = redis_prefix
        self.topic = topic
        self.deleted_topic = deleted_topic
        self.consumer_group = consumer_group
        self.registry = EventRegistry()
        self.registry.register(topic, LLMComparisonResultV1)
        self.registry.register(deleted_topic, BatchDeletedV1)
        self.student_erased_topic = student_erased_topic
        self.registry.register(student_erased_topic, StudentErasedV1)
        self.engine = create_engine(database_url)
        self.redis = aioredis.Redis.from_url(infrastructure.redis_url)
        self.publisher = EventPublisher(infrastructure.kafka_bootstrap, "lps_test_producer")

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "HULEEDU_DEV_MODE": True,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": self.infrastructure.redis_url,
            "database_url": self.database_url,
            "redis_key_prefix": self.redis_prefix,
            "maintenance_interval_s": 0.2,
            "worker_idle_poll_s": 0.05,
            "retry_base_s": 0.05,
            "retry_cap_s": 0.2,
            "shutdown_grace_seconds": 5.0,
        }
        values.update(overrides)
        return Settings(**values)

    def queue(self) -> RedisQueue:
        return RedisQueue(self.redis, self.redis_prefix, text_ttl_s=3600, tombstone_ttl_s=3600)

    @asynccontextmanager
    async def app(self, adapters: dict[Any, ProviderAdapter] | None = None, **overrides: Any) -> AsyncIterator[Quart]:
        app = await create_app(
            self.settings(**overrides), registry=self.registry, adapters=adapters, consumer_group=self.consumer_group
        )
        async with app.test_app():
            yield app

    def deleted(self, batch_id: uuid.UUID) -> EventEnvelope[BatchDeletedV1]:
        """content service's event for the owner's deletion of ``batch_id``."""
        return EventEnvelope[BatchDeletedV1](
            event_type=self.deleted_topic,
            source_service="content_service",
            correlation_id=uuid.uuid4(),
            data=BatchDeletedV1(batch_id=batch_id, user_id="teacher-1", deleted_at=datetime.now(UTC)),
        )

    async def publish(self, envelope: EventEnvelope[BatchDeletedV1]) -> None:
        await self.publisher.start()
        await self.publisher.publish(envelope, key=str(envelope.data.batch_id), topic=self.deleted_topic)

    async def publish_student_erased(self, batch_id: uuid.UUID) -> None:
        """CMS's event for a student of ``batch_id`` erased by their teacher."""
        event = StudentErasedV1(
            student_id=uuid.uuid4(),
            user_id="teacher-1",
            essays=[ErasedEssay(batch_id=batch_id, essay_id=uuid.uuid4())],
            erased_at=datetime.now(UTC),
        )
        envelope = EventEnvelope[StudentErasedV1](
            event_type=self.student_erased_topic,
            source_service="class_management_service",
            correlation_id=uuid.uuid4(),
            data=event,
        )
        await self.publisher.start()
        await self.publisher.publish(envelope, key=str(event.student_id), topic=self.student_erased_topic)

    async def handled_events(self) -> int:
        """batch.deleted events the consumer has handled (each event id once)."""
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(processed_events))).scalar_one())

    async def wait_until_erased(self, batch_id: uuid.UUID, handled: int = 1) -> None:
        """Until the consumer has committed ``batch_id``'s erasure (and handled ``handled`` events in all)."""

        async def committed() -> bool:
            async with self.engine.connect() as conn:
                t = erased_batches
                found = await conn.execute(select(t.c.batch_id).where(t.c.batch_id == batch_id))
                return found.first() is not None and await self.handled_events() >= handled

        await self.wait_until(committed, timeout_s=60)

    async def topic_size(self, topic: str) -> int:
        """Records ever written to ``topic`` (one partition)."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.infrastructure.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            partition = TopicPartition(topic, 0)
            return int((await consumer.end_offsets([partition]))[partition])
        finally:
            await consumer.stop()

    async def dead_letters(self) -> int:
        return await self.topic_size(dead_letter_topic(self.deleted_topic))

    async def redis_holding(self, word: str) -> list[str]:
        """Every key under the test's prefix whose name or value contains ``word``."""
        found = []
        async for raw in self.redis.scan_iter(match=f"{self.redis_prefix}*", count=500):
            key = raw.decode()
            found_type: Any = await self.redis.type(key)  # bytes: the client does not decode
            kind = found_type.decode()
            values: list[Any]
            if kind == "string":
                values = [await self.redis.get(key)]
            elif kind == "hash":
                values = [v for pair in (await self.redis.hgetall(key)).items() for v in pair]
            elif kind == "set":
                values = list(await self.redis.smembers(key))
            elif kind == "zset":
                values = list(await self.redis.zrange(key, 0, -1))
            else:
                values = list(await self.redis.lrange(key, 0, -1))
            if word in key or any(word.encode() in (v or b"") for v in values):
                found.append(key)
        return found

    async def database_holding(self, word: str) -> list[str]:
        """Every ``table.column`` of the LPS database where ``word`` occurs, in name order."""
        return sorted(await columns_holding(session_factory(self.engine), word))

    async def outcomes(self) -> dict[str, tuple[str, int, str | None]]:
        t = comparison_outcomes
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(t.c.request_id, t.c.state, t.c.attempts, t.c.error_code))
            return {r.request_id: (r.state, r.attempts, r.error_code) for r in rows}

    async def pending_callbacks(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).where(outbox.c.status == "pending"))).scalar_one())

    async def wait_until(self, condition: Callable[[], Any], timeout_s: float = 30.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not await condition():  # noqa: ASYNC110 - polling real infrastructure
                await asyncio.sleep(0.05)

    async def wait_for_outcomes(self, count: int, timeout_s: float = 30.0) -> dict[str, tuple[str, int, str | None]]:
        async def enough() -> bool:
            return len(await self.outcomes()) >= count

        await self.wait_until(enough, timeout_s)
        return await self.outcomes()

    async def wait_for_delivery(self, timeout_s: float = 60.0) -> None:
        async def drained() -> bool:
            return await self.pending_callbacks() == 0

        await self.wait_until(drained, timeout_s)

    async def callbacks(self) -> list[EventEnvelope[LLMComparisonResultV1]]:
        """Every callback on the topic, read up to its end offset."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.infrastructure.kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            partition = TopicPartition(self.topic, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            found: list[EventEnvelope[LLMComparisonResultV1]] = []
            async with asyncio.timeout(30):
                while await consumer.position(partition) < end:
                    for batch in (await consumer.getmany(partition, timeout_ms=500)).values():
                        found += [EventEnvelope[LLMComparisonResultV1].from_bytes(r.value) for r in batch]
            return found
        finally:
            await consumer.stop()

    async def close(self) -> None:
        await self.publisher.stop()
        await self.engine.dispose()
        await self.redis.aclose()


@pytest.fixture
async def harness(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    kafka_topic_factory: Callable[..., str],
    redis_prefix: str,
    fresh_topic: str,
    unique_group_id: str,
) -> AsyncIterator[Harness]:
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "lps")
    deleted_topic = await asyncio.to_thread(kafka_topic_factory, "batch_deleted", with_dead_letter=True)
    student_topic = await asyncio.to_thread(kafka_topic_factory, "student_erased", with_dead_letter=True)
    h = Harness(infrastructure, url, redis_prefix, fresh_topic, deleted_topic, unique_group_id, student_topic)
    yield h
    await h.close()
