"""The Dishka provider builds working infrastructure objects and closes them with the container."""

import redis.asyncio as aioredis
from dishka import make_async_container
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from huleedu_service_libs.di import InfrastructureProvider
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.testing.infrastructure import Infrastructure


async def test_container_provides_and_closes_infrastructure(infrastructure: Infrastructure, fresh_database_url: str):
    settings = ServiceSettings(
        service_name="di_test_service",
        database_url=fresh_database_url,
        HULEEDU_KAFKA_BOOTSTRAP_SERVERS=infrastructure.kafka_bootstrap,
        HULEEDU_REDIS_URL=infrastructure.redis_url,
        HULEEDU_INTERNAL_API_KEY="test-key",
    )
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
