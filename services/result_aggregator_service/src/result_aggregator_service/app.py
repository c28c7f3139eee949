"""The app factory: internal queries over HTTP, and the consumer that folds events, in one process."""

from __future__ import annotations

import gc

from dishka import make_async_container
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.di import InfrastructureProvider
from huleedu_service_libs.http.health import HealthCheck, publisher_check, sqlalchemy_check
from huleedu_service_libs.http.quart_support import setup_quart_app
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.settings import ServiceSettings
from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.config import Settings
from result_aggregator_service.di import ResultAggregatorProvider
from result_aggregator_service.entrypoints.consumer_task import ConsumerTask
from result_aggregator_service.entrypoints.http_routes import internal_queries

INTERNAL_CALLERS = frozenset({"bff_teacher_service", "api_gateway_service"})


async def create_app(settings: Settings, *, registry: EventRegistry = EVENTS) -> Quart:
    """The RAS app. ``registry`` maps the consumed payload models to topics (tests pass fresh ones)."""
    container = make_async_container(
        InfrastructureProvider(),
        ResultAggregatorProvider(),
        context={ServiceSettings: settings, Settings: settings, EventRegistry: registry},
    )
    engine = await container.get(AsyncEngine)
    queries = await container.get(ReadModelQueries)
    checks: dict[str, HealthCheck] = {"database": sqlalchemy_check(engine)}
    consumer: ConsumerTask | None = None
    if settings.consume_events:
        checks["kafka"] = publisher_check(await container.get(EventPublisher))
        consumer = ConsumerTask(await container.get(ConsumerRunner))
        checks["consumer"] = consumer.running

    app = Quart(__name__)
    setup_quart_app(app, settings, health_checks=checks, internal_allow_list=INTERNAL_CALLERS)
    app.register_blueprint(internal_queries(queries, settings.term_start_months))

    @app.before_serving
    async def start_background_work() -> None:
        # Everything built so far (modules, the container, compiled statements) lives as long as
        # the process. Freezing it keeps the cyclic GC from walking those ~120k objects in every
        # full collection: measured at ~60 ms per collection, it was the main source of latency
        # spikes under load (see README, Benchmark).
        gc.freeze()
        if consumer is not None:
            consumer.start()

    @app.after_serving
    async def stop_background_work() -> None:
        if consumer is not None:
            await consumer.stop(settings.shutdown_grace_seconds)
        await container.close()

    return app
