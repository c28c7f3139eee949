"""Content service's batch and essay events folded into the read model.

A rename carries the batch's ``updated_at``, so the newest wins in any order; a registration that
arrives after a rename keeps the renamed title. A deleted batch ignores every later event, and an
erased or purged essay is not uploaded again.
"""

from __future__ import annotations

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from result_aggregator_service.domain.folding import rename_is_newer
from result_aggregator_service.service_layer.messages import ConsumedEvent
from result_aggregator_service.service_layer.open_batch import count_folded, open_batch
from result_aggregator_service.service_layer.ports import UnitOfWork


async def on_batch_registered(event: ConsumedEvent[BatchRegisteredV1], uow: UnitOfWork) -> None:
    if await open_batch(uow, "batch.registered", event.data.batch_id, event.at) is None:
        return
    await uow.read_model.register_batch(event.data, event.at)
    count_folded("batch.registered", registered=True)


async def on_batch_updated(event: ConsumedEvent[BatchUpdatedV1], uow: UnitOfWork) -> None:
    batch = await open_batch(uow, "batch.updated", event.data.batch_id, event.at)
    if batch is None:
        return
    newer = rename_is_newer(batch.title_updated_at, event.data.updated_at)
    if newer:
        await uow.read_model.rename_batch(event.data, event.at)
    count_folded("batch.updated", batch.registered, changed=newer)


async def on_batch_deleted(event: ConsumedEvent[BatchDeletedV1], uow: UnitOfWork) -> None:
    batch = await open_batch(uow, "batch.deleted", event.data.batch_id, event.at)
    if batch is None:
        return
    await uow.read_model.delete_batch(event.data.batch_id, event.data.deleted_at, event.at)
    count_folded("batch.deleted", batch.registered)


async def on_essay_uploaded(event: ConsumedEvent[EssayUploadedV1], uow: UnitOfWork) -> None:
    batch = await open_batch(uow, "essay.uploaded", event.data.batch_id, event.at)
    if batch is None:
        return
    # A student's erased essay, or any essay of a batch whose essays the retention policy purged, stays gone.
    if batch.essays_purged or event.data.essay_id in await uow.read_model.erased_essays(event.data.batch_id):
        count_folded("essay.uploaded", batch.registered, changed=False)
        return
    await uow.read_model.add_essay(event.data, event.at)
    count_folded("essay.uploaded", batch.registered)
