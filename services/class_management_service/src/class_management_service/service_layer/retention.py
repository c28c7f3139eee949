"""The retention policy's pass over CMS's essays (``HULEEDU_RETENTION_PERIOD``, docs/data-protection.md).

CMS never learns when a batch's assessment finished, so it counts from when the batch was registered
(``batches.registered_at``): that is never later than the finish, so CMS purges no later than the services
that count from it. Essays whose batch never arrived count from their own arrival. A due batch loses its
essays (file names, author hints, openings, suggestions, confirmations) and the confirmation events naming
them. With aggregates kept, the batch row stays (its owner, class link and date; no student in it);
without, the batch is erased as ``batch.deleted`` would (its row goes and its id stays as the tombstone).
The roster is the teacher's register, not the batch's: retention never touches it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from class_management_service.service_layer.ports import UnitOfWorkFactory

BATCHES_PER_TRANSACTION = 50


async def purge_expired(units: UnitOfWorkFactory, cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
    """Purge every due batch, up to ``BATCHES_PER_TRANSACTION`` per transaction; counts by kind."""
    purged: Counter[str] = Counter()
    while True:
        async with units() as uow:
            due = await uow.associations.due_for_retention(
                cutoff, BATCHES_PER_TRANSACTION, with_batches=not keep_aggregates
            )
            for batch_id in due:
                # Serialised with the batch's events and the teacher's confirmations, as an erasure is.
                await uow.associations.lock_batch(batch_id)
                if keep_aggregates:
                    essays = await uow.associations.delete_essays(
                        [e.essay_id for e in await uow.associations.essays_of(batch_id)]
                    )
                else:
                    # Essays whose batch never arrived are due too; only a known batch counts as one.
                    known = await uow.associations.batch(batch_id) is not None
                    essays = await uow.associations.erase_batch(batch_id)
                    purged.update(batches=int(known))
                await uow.events.forget(key=str(batch_id))
                purged.update(essays=essays)
        if len(due) < BATCHES_PER_TRANSACTION:
            return {"batches": purged["batches"], "essays": purged["essays"]}
