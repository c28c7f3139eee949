"""Dishka providers for the shared infrastructure, so a service wires it in a few lines::

    settings = ContentSettings()
    container = make_async_container(
        InfrastructureProvider(), ContentServiceProvider(), context={ServiceSettings: settings}
    )

APP scope: the engine, the session factory, the Kafka publisher (started) and the Redis
client, each closed when the container closes. REQUEST scope: an ``AsyncSession`` that the
handler uses inside ``async with session.begin():``. The session never commits by itself, so a
failed request can never commit half its work.

``MessagingProvider(outbox, processed_events)`` adds the service's ``OutboxRelay`` and a
``ConsumerFactory`` whose runners handle each event idempotently in one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from dishka import Provider, Scope, from_context, provide
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay
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


class ConsumerFactory:
    """Makes consumer runners that share the service's publisher, database and idempotency table."""

    def __init__(
        self,
        settings: ServiceSettings,
        publisher: EventPublisher,
        sessions: async_sessionmaker[AsyncSession],
        processed_events: Table,
        registry: EventRegistry = EVENTS,
    ) -> None:
        self._settings = settings
        self._publisher = publisher
        self._sessions = sessions
        self._processed_events = processed_events
        self._registry = registry

    def create(self, consumer_name: str) -> ConsumerRunner:
        """A runner in consumer group ``consumer_name``; subscribe handlers, then ``run()`` it."""
        return ConsumerRunner(
            self._settings.kafka_bootstrap_servers,
            self._settings.service_name,
            consumer_name,
            self._publisher,
            self._registry,
            session_factory=self._sessions,
            processed_events=self._processed_events,
        )


class MessagingProvider(Provider):
    """The outbox relay and the consumer factory.

    ``registry`` maps payload models to topics for the consumers; tests pass one that points at
    fresh topics, so they never touch the topics the running dev services use.
    """

    def __init__(self, outbox: Table, processed_events: Table, registry: EventRegistry = EVENTS) -> None:
        super().__init__()
        self._outbox = outbox
        self._processed_events = processed_events
        self._registry = registry

    @provide(scope=Scope.APP)
    async def relay(
        self, engine: AsyncEngine, publisher: EventPublisher, settings: ServiceSettings
    ) -> AsyncIterator[OutboxRelay]:
        relay = OutboxRelay(engine, self._outbox, publisher, settings.service_name)
        yield relay
        relay.stop()

    @provide(scope=Scope.APP)
    def consumers(
        self, settings: ServiceSettings, publisher: EventPublisher, sessions: async_sessionmaker[AsyncSession]
    ) -> ConsumerFactory:
        return ConsumerFactory(settings, publisher, sessions, self._processed_events, self._registry)
