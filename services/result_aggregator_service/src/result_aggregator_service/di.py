"""Dishka wiring: the shared infrastructure plus RAS's queries and its consumer runners.

The consumer is built here rather than by huleedu_service_libs' ConsumerFactory because that
factory always consumes the production registry, and RAS takes its EventRegistry from the app
factory so that tests can map its events to throwaway topics.
"""

from __future__ import annotations

from dataclasses import dataclass

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.adapters.tables import processed_events
from result_aggregator_service.config import Settings
from result_aggregator_service.handlers import subscribe_handlers


@dataclass(frozen=True)
class ConsumerRunners:
    """Builds the read-model consumer afresh for each (re)start, since a ConsumerRunner runs only once."""

    settings: Settings
    registry: EventRegistry
    publisher: EventPublisher
    sessions: async_sessionmaker[AsyncSession]

    def __call__(self) -> ConsumerRunner:
        """Every event handled in one transaction with its idempotency claim."""
        runner = ConsumerRunner(
            self.settings.kafka_bootstrap_servers,
            self.settings.service_name,
            self.settings.consumer_group,
            self.publisher,  # dead letters go out through it
            self.registry,
            session_factory=self.sessions,
            processed_events=processed_events,
        )
        subscribe_handlers(runner)
        return runner


class ResultAggregatorProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    registry = from_context(provides=EventRegistry, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def queries(self, engine: AsyncEngine) -> ReadModelQueries:
        return ReadModelQueries(engine)

    @provide(scope=Scope.APP)
    def consumers(
        self,
        settings: Settings,
        registry: EventRegistry,
        publisher: EventPublisher,
        sessions: async_sessionmaker[AsyncSession],
    ) -> ConsumerRunners:
        return ConsumerRunners(settings, registry, publisher, sessions)
