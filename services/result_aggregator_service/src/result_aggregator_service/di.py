"""Dishka wiring: the shared infrastructure plus RAS's queries and what its consumer shares.

RAS takes its EventRegistry from the app factory, so that tests can map its events to throwaway topics.
"""

from __future__ import annotations

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from huleedu_service_libs.background import Messaging
from huleedu_service_libs.kafka.producer import EventPublisher
from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.adapters.tables import processed_events
from result_aggregator_service.config import Settings
from result_aggregator_service.service_layer.ports import ReadModelReader


class ResultAggregatorProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    registry = from_context(provides=EventRegistry, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def queries(self, engine: AsyncEngine) -> ReadModelReader:
        return ReadModelQueries(engine)

    @provide(scope=Scope.APP)
    def messaging(
        self,
        settings: Settings,
        registry: EventRegistry,
        publisher: EventPublisher,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
    ) -> Messaging:
        # RAS publishes nothing but dead letters: no outbox, no relay.
        return Messaging(
            settings.kafka_bootstrap_servers,
            settings.service_name,
            publisher,
            engine,
            sessions,
            processed_events=processed_events,
            registry=registry,
        )
