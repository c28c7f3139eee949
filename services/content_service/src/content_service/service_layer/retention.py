"""The retention policy's pass over content's batches (``HULEEDU_RETENTION_PERIOD``, docs/data-protection.md).

A batch that is not being assessed and has not changed for the period loses its essays and their texts.
With aggregates kept, the batch itself stays (its title, course and status; the result aggregator keeps the
grade distribution and reliability); without, it is deleted as a teacher's delete would, and the other
services erase it when they read ``batch.deleted``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from common_core.envelope import deterministic_event_id, utc_now
from common_core.events.batch import BatchDeletedV1
from content_service.service_layer.ports import UnitOfWorkFactory

BATCHES_PER_TRANSACTION = 50


async def purge_expired(uows: UnitOfWorkFactory, cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
    """Purge every due batch, a transaction of up to ``BATCHES_PER_TRANSACTION`` at a time; counts by kind."""
    purged: Counter[str] = Counter()
    while True:
        async with uows() as uow:
            due = await uow.repo.due_for_retention(cutoff, BATCHES_PER_TRANSACTION)
            for batch in due:
                essays, texts = await uow.repo.delete_essays_and_texts(batch.batch_id)
                await uow.events.forget(batch.batch_id)
                purged.update(essays=essays, texts=texts)
                if keep_aggregates:
                    await uow.repo.mark_texts_purged(batch.batch_id)
                    continue
                await uow.repo.delete_batch_and_texts(batch.batch_id)
                event = BatchDeletedV1(batch_id=batch.batch_id, user_id=batch.owner_id, deleted_at=utc_now())
                event_id = deterministic_event_id("batch.deleted", batch.batch_id)
                await uow.events.emit(event, batch_id=batch.batch_id, event_id=event_id)
                purged.update(batches=1)
        if len(due) < BATCHES_PER_TRANSACTION:
            return {"batches": purged["batches"], "essays": purged["essays"], "texts": purged["texts"]}
