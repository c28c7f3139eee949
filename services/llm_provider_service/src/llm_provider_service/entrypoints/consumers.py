"""The batch.deleted consumer's entrypoint: the envelope becomes a call of the erasure use case.

The runner hands each record's transaction (which holds the event's idempotency claim); the
database side of the erasure is built on it, so the erasure and the claim commit together.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import StudentErasedV1
from huleedu_service_libs.background import SessionHandler
from llm_provider_service.service_layer.erasure import BatchErasure
from llm_provider_service.service_layer.ports import ErasureRecords

BATCH_DELETED_CONSUMER = "batch_deleted_consumer"


def batch_deleted_subscriptions(
    erasure: BatchErasure, records_on: Callable[[AsyncSession], ErasureRecords]
) -> dict[type[BaseModel], SessionHandler]:
    async def deleted(envelope: EventEnvelope[BatchDeletedV1], session: AsyncSession) -> None:
        await erasure.erase(envelope.data.batch_id, records_on(session))

    async def student_erased(envelope: EventEnvelope[StudentErasedV1], session: AsyncSession) -> None:
        batches = [essay.batch_id for essay in envelope.data.essays]
        await erasure.forget_texts_of(batches, records_on(session))

    return {BatchDeletedV1: deleted, StudentErasedV1: student_erased}
