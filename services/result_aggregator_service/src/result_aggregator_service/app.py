"""The app factory: internal queries over HTTP, and the consumer that folds events, in one process."""

from __future__ import annotations

import functools
import gc
from datetime import datetime

from dishka import make_async_container
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundBuilder, Messaging
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.health import HealthCheck, publisher_check, sqlalchemy_check, workers_check
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import serve_with_background, setup_quart_app
from huleedu_service_libs.kafka.dlq_depth import DlqDepthMonitor
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.retention import RETENTION, RetentionLoop
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.supervision import RestartPolicy
from result_aggregator_service.adapters.tables import processed_events
from result_aggregator_service.adapters.unit_of_work import SqlUnitOfWork
from result_aggregator_service.config import Settings
from result_aggregator_service.di import ResultAggregatorProvider
from result_aggregator_service.entrypoints.consumer import envelope_handlers
from result_aggregator_service.entrypoints.http_routes import internal_queries
from result_aggregator_service.service_layer import retention
from result_aggregator_service.service_layer.ports import ReadModelReader

CONSUMER = "consumer"
# The platform's one exporter of huleedu_dlq_depth: RAS already runs beside Kafka in every
# deployment, and one exporter keeps the per-topic series from being reported twice.
DLQ_DEPTH = "dlq_depth"


async def create_app(
    settings: Settings, *, registry: EventRegistry = EVENTS, restart_policy: RestartPolicy | None = None
) -> Quart:
    """The RAS app. ``registry`` maps the consumed payload models to topics (tests pass fresh ones).

    The consumer is supervised: restarted after ``restart_policy``'s backoff when it dies, and
    ``/healthz`` reports ``workers`` failing until it is back.
    """
    container = make_async_container(
        InfrastructureProvider(),
        # RAS publishes nothing but dead letters: no outbox, no relay.
        MessagingProvider(None, processed_events, registry),
        ResultAggregatorProvider(),
        context={ServiceSettings: settings, Settings: settings},
    )
    engine = await container.get(AsyncEngine)
    queries = await container.get(ReadModelReader)
    access_log = await container.get(AccessLog)
    checks: dict[str, HealthCheck] = {"database": sqlalchemy_check(engine)}
    builder = BackgroundBuilder(
        settings.service_name, restart_policy or RestartPolicy(), stop_timeout_s=settings.shutdown_grace_seconds
    )
    if settings.consume_events:
        checks["kafka"] = publisher_check(await container.get(EventPublisher))
        messaging = await container.get(Messaging)
        handlers = envelope_handlers(SqlUnitOfWork)
        builder.consumer(CONSUMER, messaging, settings.consumer_group, handlers)
        builder.loop(DLQ_DEPTH, functools.partial(DlqDepthMonitor, settings.kafka_bootstrap_servers))
        # With the consumer only: a query-only replica writes nothing.
        uows = UnitOfWorkFactory(await container.get(async_sessionmaker[AsyncSession]), SqlUnitOfWork)

        async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
            purged = await retention.purge_expired(uows, cutoff, keep_aggregates)
            # The log's entries expire with the data they are about, aggregates kept or not.
            return {**purged, "access_log": await access_log.prune(cutoff)}

        builder.loop(RETENTION, lambda: RetentionLoop(settings.service_name, settings.retention_policy(), purge))
    background = builder.build()
    if settings.consume_events:
        checks["workers"] = workers_check(background)

    app = Quart(__name__)
    setup_quart_app(app, settings, health_checks=checks, internal_allow_list=TEACHER_CALLERS)
    app.register_blueprint(internal_queries(queries, access_log, settings.term_start_months))

    async def freeze_the_startup_objects() -> None:
        # Everything built so far (modules, the container, compiled statements) lives as long as
        # the process. Freezing it keeps the cyclic GC from walking those ~120k objects in every
        # full collection: measured at ~60 ms per collection, it was the main source of latency
        # spikes under load (see README, Benchmark).
        gc.freeze()

    serve_with_background(app, background, container, before_start=freeze_the_startup_objects)

    return app
