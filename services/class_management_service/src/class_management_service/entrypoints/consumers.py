"""The Kafka consumer: batch.registered and essay.uploaded, each handled once in the runner's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from structlog.contextvars import bound_contextvars

from class_management_service.adapters.tables import processed_events
from class_management_service.service_layer import associations
from class_management_service.service_layer.context import ServiceContext
from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1
from huleedu_service_libs.kafka.consumer import ConsumerRunner, HandlerContext
from huleedu_service_libs.kafka.producer import EventPublisher


def _transaction(handler: HandlerContext) -> AsyncSession:
    # The runner always passes its per-record transaction when it has a session factory.
    if handler.session is None:
        raise RuntimeError("the consumer runner was built without its idempotency transaction")
    return handler.session


def build_consumer(ctx: ServiceContext, publisher: EventPublisher) -> ConsumerRunner:
    """A runner on the context's registry (not the shared ConsumerFactory, which fixes the real topics)."""
    runner = ConsumerRunner(
        ctx.settings.kafka_bootstrap_servers,
        ctx.settings.service_name,
        ctx.settings.consumer_group,
        publisher,
        ctx.registry,
        session_factory=ctx.sessions,
        processed_events=processed_events,
    )

    async def on_batch_registered(envelope: EventEnvelope[BatchRegisteredV1], handler: HandlerContext) -> None:
        with bound_contextvars(batch_id=str(envelope.data.batch_id)):
            await associations.on_batch_registered(_transaction(handler), ctx, envelope.data)

    async def on_essay_uploaded(envelope: EventEnvelope[EssayUploadedV1], handler: HandlerContext) -> None:
        with bound_contextvars(batch_id=str(envelope.data.batch_id), essay_id=str(envelope.data.essay_id)):
            await associations.on_essay_uploaded(_transaction(handler), ctx, envelope.data)

    runner.subscribe(BatchRegisteredV1, on_batch_registered)
    runner.subscribe(EssayUploadedV1, on_essay_uploaded)
    return runner
