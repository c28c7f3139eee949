"""The Dishka provider builds working infrastructure objects and closes them with the container."""

import uuid
from datetime import UTC, datetime

import redis.asyncio as aioredis
from dishka import make_async_container
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from common_core.events.batch import BatchRegisteredV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.background import Messaging
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.idempotency import processed_events_table
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import add_to_outbox, outbox_table
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.testing.infrastructure import Infrastructure


def _settings(infrastructure: Infrastructure, database_url: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="di_test_service",
        database_url=database_url,
        HULEEDU_KAFKA_BOOTSTRAP_SERVERS=infrastructure.kafka_bootstrap,
        HULEEDU_REDIS_URL=infrastructure.redis_url,
        HULEEDU_INTERNAL_API_KEY="test-key",
    )


async def test_container_provides_and_closes_infrastructure(infrastructure: Infrastructure, fresh_database_url: str):
    settings = _settings(infrastructure, fresh_database_url)
    container = make_async_container(InfrastructureProvider(), context={ServiceSettings: settings})
    try:
        publisher = await container.get(EventPublisher)
        assert publisher.started
        redis = await container.get(aioredis.Redis)
        assert await redis.ping()
        engine = await container.get(AsyncEngine)
        async with container() as request:
            session = await request.get(AsyncSession)
            async with session.begin():
                assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await container.close()
    assert not publisher.started
    assert engine.pool.checkedout() == 0


async def test_messaging_provider_publishes_from_the_outbox_and_builds_runners(
    infrastructure: Infrastructure, fresh_database_url: str, fresh_topic: str
):
    metadata = MetaData()
    outbox = outbox_table(metadata)
    processed = processed_events_table(metadata)
    registry = EventRegistry()
    registry.register(fresh_topic, BatchRegisteredV1)
    settings = _settings(infrastructure, fresh_database_url)
    container = make_async_container(
        InfrastructureProvider(), MessagingProvider(outbox, processed, registry), context={ServiceSettings: settings}
    )
    try:
        engine = await container.get(AsyncEngine)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        payload = BatchRegisteredV1(
            batch_id=uuid.uuid4(), user_id="t1", title="t", course_code="ENG5", created_at=datetime.now(UTC)
        )
        async with container() as request:
            session = await request.get(AsyncSession)
            async with session.begin():
                envelope = make_envelope(payload, source_service="di_test_service")
                # A test topic: registry topics are shared with the running platform.
                await add_to_outbox(session, outbox, envelope, key="k", topic=fresh_topic)
        messaging = await container.get(Messaging)
        assert await messaging.relay().publish_pending_once() == 1
        runner = messaging.runner("di-test-consumer")
        assert runner.consumer_name == "di-test-consumer"
        runner.subscribe(BatchRegisteredV1, _ignore)
        assert runner.topics == [fresh_topic]  # the injected registry, not the platform's topics
    finally:
        await container.close()


async def _ignore(envelope: object, ctx: object) -> None:
    return None
