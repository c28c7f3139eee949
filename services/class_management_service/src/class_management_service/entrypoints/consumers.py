"""The batch events consumer's entrypoints: each translates the envelope and calls the service layer.

The unit of work wraps the runner's per-record transaction (which holds the event's idempotency
claim), so the record's effects and the claim commit together.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession
from structlog.contextvars import bound_contextvars

from class_management_service.service_layer.associations import BatchEventHandlers
from class_management_service.service_layer.ports import UnitOfWork
from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, EssayUploadedV1
from huleedu_service_libs.background import SessionHandler

CONSUMER = "consumer"


def batch_event_subscriptions(
    handlers: BatchEventHandlers, uow_on: Callable[[AsyncSession], UnitOfWork]
) -> dict[type, SessionHandler]:
    """batch.registered, essay.uploaded and batch.deleted; ``uow_on`` wraps the runner's session."""

    async def batch_registered(envelope: EventEnvelope[BatchRegisteredV1], session: AsyncSession) -> None:
        with bound_contextvars(batch_id=str(envelope.data.batch_id)):
            await handlers.on_batch_registered(envelope.data, uow_on(session))

    async def essay_uploaded(envelope: EventEnvelope[EssayUploadedV1], session: AsyncSession) -> None:
        with bound_contextvars(batch_id=str(envelope.data.batch_id), essay_id=str(envelope.data.essay_id)):
            await handlers.on_essay_uploaded(envelope.data, uow_on(session))

    async def batch_deleted(envelope: EventEnvelope[BatchDeletedV1], session: AsyncSession) -> None:
        with bound_contextvars(batch_id=str(envelope.data.batch_id)):
            await handlers.on_batch_deleted(envelope.data, uow_on(session))

    return {BatchRegisteredV1: batch_registered, EssayUploadedV1: essay_uploaded, BatchDeletedV1: batch_deleted}
