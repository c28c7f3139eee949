"""The background loops: the Kafka consumer and the outbox relay, each supervised.

Each is restarted from a fresh instance when it dies (a ``ConsumerRunner`` runs only once), and
``/healthz`` reports ``workers`` failing while either one waits to be restarted.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.adapters.tables import outbox
from class_management_service.entrypoints.consumers import build_consumer
from class_management_service.service_layer.context import ServiceContext
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.supervision import RestartPolicy, SupervisedWorker, SyncStopWorker, WorkerGroup

CONSUMER = "consumer"
RELAY = "outbox_relay"


def background_work(
    ctx: ServiceContext, engine: AsyncEngine, publisher: EventPublisher, policy: RestartPolicy
) -> WorkerGroup:
    service = ctx.settings.service_name

    def new_consumer() -> ConsumerRunner:
        return build_consumer(ctx, publisher)

    def new_relay() -> SyncStopWorker:
        return SyncStopWorker(OutboxRelay(engine, outbox, publisher, service))

    return WorkerGroup(
        [
            SupervisedWorker(service, CONSUMER, new_consumer, policy),
            SupervisedWorker(service, RELAY, new_relay, policy),
        ],
        stop_timeout_s=ctx.settings.shutdown_grace_seconds,
    )
