"""Dishka providers for the shared infrastructure, so a service wires it in a few lines::

    settings = ContentSettings()
    container = make_async_container(
        InfrastructureProvider(), ContentServiceProvider(), context={ServiceSettings: settings}
    )

APP scope: the engine, the session factory, the Kafka publisher (started) and the Redis
client, each closed when the container closes. REQUEST scope: an ``AsyncSession`` that the
handler uses inside ``async with session.begin():``. The session never commits by itself, so a
failed request can never commit half its work.

``MessagingProvider(outbox, processed_events)`` adds ``background.Messaging``: what the service's
consumers (each event handled idempotently in one transaction) and its outbox relay share, for
``background.BackgroundBuilder``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from dishka import Provider, Scope, from_context, provide
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.background import Messaging
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.settings import ServiceSettings


class InfrastructureProvider(Provider):
    settings = from_context(provides=ServiceSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def engine(self, settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.database_url)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return session_factory(engine)

    @provide(scope=Scope.REQUEST)
    async def session(self, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    @provide(scope=Scope.APP)
    async def publisher(self, settings: ServiceSettings) -> AsyncIterator[EventPublisher]:
        publisher = EventPublisher(settings.kafka_bootstrap_servers, settings.service_name)
        await publisher.start()
        yield publisher
        await publisher.stop()

    @provide(scope=Scope.APP)
    async def redis(self, settings: ServiceSettings) -> AsyncIterator[aioredis.Redis]:
        client = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        yield client
        await client.aclose()


class MessagingProvider(Provider):
    """What the service's consumers and outbox relay share (``background.Messaging``).

    ``registry`` maps payload models to topics for the consumers; tests pass one that points at
    fresh topics, so they never touch the topics the running dev services use. A service that
    publishes nothing but dead letters (the result aggregator) passes no ``outbox``: it runs no relay.
    """

    def __init__(self, outbox: Table | None, processed_events: Table, registry: EventRegistry = EVENTS) -> None:
        super().__init__()
        self._outbox = outbox
        self._processed_events = processed_events
        self._registry = registry

    @provide(scope=Scope.APP)
    def messaging(
        self,
        settings: ServiceSettings,
        publisher: EventPublisher,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
    ) -> Messaging:
        return Messaging(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            service_name=settings.service_name,
            publisher=publisher,
            engine=engine,
            sessions=sessions,
            outbox=self._outbox,
            processed_events=self._processed_events,
            registry=self._registry,
            published_retention_s=settings.outbox_published_retention_s,
        )
