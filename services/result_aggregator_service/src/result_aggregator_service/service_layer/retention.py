"""The retention policy's pass over the read model (``HULEEDU_RETENTION_PERIOD``, docs/data-protection.md).

A batch that is not being assessed and whose last event happened before the cutoff is due. With aggregates
kept, its essays (file names, author hints) and every job's per-essay results go, and the jobs' stored
events are emptied; the batch row, its status, essay count, grade distribution, reliability and the jobs'
figures stay, so the dashboard still shows them. Without, the batch is erased as ``batch.deleted`` erases
it (a tombstone); content deletes it too and its ``batch.deleted`` then changes nothing here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from common_core.envelope import utc_now
from result_aggregator_service.service_layer.ports import UnitOfWorkFactory

BATCHES_PER_TRANSACTION = 50


async def purge_expired(uows: UnitOfWorkFactory, cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
    """Purge every due batch, a transaction of up to ``BATCHES_PER_TRANSACTION`` at a time; counts by kind."""
    purged: Counter[str] = Counter()
    while True:
        async with uows() as uow:
            due = await uow.read_model.due_for_retention(cutoff, BATCHES_PER_TRANSACTION)
            for batch_id in due:
                essays, results = await uow.read_model.purge_essays(batch_id)
                purged.update(essays=essays, results=results)
                if not keep_aggregates:
                    now = utc_now()
                    await uow.read_model.delete_batch(batch_id, now, now)
                    purged.update(batches=1)
        if len(due) < BATCHES_PER_TRANSACTION:
            return {"batches": purged["batches"], "essays": purged["essays"], "results": purged["results"]}
