"""Erased batches in PostgreSQL: the check every writer makes, and the erasure itself.

Outcomes and batch-job items are written by workers while the batch.deleted consumer may be erasing
the same batch. Both take a per-batch advisory lock for their transaction (writers shared, the
erasure exclusive), so either the writer commits first and the erasure deletes what it wrote, or the
erasure commits first and the writer sees the tombstone and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import Interval, bindparam, delete, exists, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from llm_provider_service.adapters.tables import (
    batch_job_items,
    batch_jobs,
    comparison_outcomes,
    erased_batches,
    outbox,
)
from llm_provider_service.domain.erasure import StoredErasure

_LOCK_SEED = 23  # any constant: the lock key is hashtextextended(batch id, seed)
_LOCK_SHARED = text(
    "SELECT pg_advisory_xact_lock_shared(hashtextextended(b::text, :seed)) FROM unnest(:ids) AS b"
).bindparams(bindparam("ids", type_=ARRAY(Uuid())), bindparam("seed", _LOCK_SEED))
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(CAST(:id AS text), :seed))").bindparams(
    bindparam("id", type_=Uuid()), bindparam("seed", _LOCK_SEED)
)


async def open_batches(session: AsyncSession, batch_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Of ``batch_ids``, those not erased; an erasure of any of them waits until this transaction ends."""
    wanted = sorted(set(batch_ids))
    if not wanted:
        return set()
    await session.execute(_LOCK_SHARED, {"ids": wanted})
    erased = await session.execute(select(erased_batches.c.batch_id).where(erased_batches.c.batch_id.in_(wanted)))
    return set(wanted) - set(erased.scalars())


class SqlBatchErasure:
    """Erases one batch in the given transaction (the consumer's, which also holds the event's claim)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def erase(self, batch_id: uuid.UUID, *, remember_s: float | None) -> StoredErasure:
        s = self._session
        await s.execute(_LOCK, {"id": batch_id})
        if remember_s is not None:
            await s.execute(insert(erased_batches).values(batch_id=batch_id).on_conflict_do_nothing())
            # Tombstones outlive every comparison of their batch; older ones are no longer needed.
            expired = func.now() - literal(timedelta(seconds=remember_s), Interval())
            await s.execute(delete(erased_batches).where(erased_batches.c.erased_at < expired))

        o = comparison_outcomes
        # The batch's callbacks, sent or not: they carry justifications (CJ drops a late one anyway).
        callbacks = await s.execute(
            delete(outbox)
            .where(outbox.c.event_id.in_(select(o.c.event_id).where(o.c.batch_id == batch_id)))
            .returning(outbox.c.id)
        )
        outcomes = await s.execute(delete(o).where(o.c.batch_id == batch_id).returning(o.c.request_id))

        # The items' request bodies hold the essays. A job left without items is erased whole: an
        # open one is due now, so the poller cancels it at the provider; an ended one goes.
        i = batch_job_items
        item_jobs = list((await s.execute(delete(i).where(i.c.batch_id == batch_id).returning(i.c.job_id))).scalars())
        touched = set(item_jobs)
        emptied: set[uuid.UUID] = set()
        if touched:
            j = batch_jobs
            remaining = exists().where(i.c.job_id == j.c.id)
            emptied = set((await s.execute(select(j.c.id).where(j.c.id.in_(touched), ~remaining))).scalars())
            await s.execute(update(j).where(j.c.id.in_(touched)).values(last_error=None))
            await s.execute(delete(j).where(j.c.id.in_(emptied), j.c.status == "ended"))
            await s.execute(
                update(j).where(j.c.id.in_(emptied), j.c.status != "ended").values(next_check_at=func.now())
            )
        return StoredErasure(
            outcomes=len(outcomes.all()),
            callbacks=len(callbacks.all()),
            batch_job_items=len(item_jobs),
            batch_jobs=len(emptied),
        )
