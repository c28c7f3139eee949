"""The erased batches' and essays' tombstones on PostgreSQL (SQLAlchemy Core, the unit of work's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import erased_batches, erased_essays


def _lock_key(batch_id: uuid.UUID) -> int:
    """The batch's transaction-level advisory lock: a signed 64-bit number from the id's first half."""
    return int.from_bytes(batch_id.bytes[:8], "big", signed=True)


class SqlErasedBatches:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, batch_id: uuid.UUID) -> None:
        # Held until the transaction ends; a request and the erasure of one batch take it before anything else.
        await self._session.execute(select(func.pg_advisory_xact_lock(_lock_key(batch_id))))

    async def add(self, batch_id: uuid.UUID, erased_at: datetime) -> bool:
        statement = (
            pg_insert(erased_batches)
            .values(batch_id=batch_id, erased_at=erased_at)
            .on_conflict_do_nothing()
            .returning(erased_batches.c.batch_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def contains(self, batch_id: uuid.UUID) -> bool:
        statement = select(erased_batches.c.batch_id).where(erased_batches.c.batch_id == batch_id)
        return (await self._session.execute(statement)).first() is not None


class SqlErasedEssays:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID], erased_at: datetime) -> int:
        if not essay_ids:
            return 0
        rows = [{"batch_id": batch_id, "essay_id": essay_id, "erased_at": erased_at} for essay_id in essay_ids]
        statement = pg_insert(erased_essays).values(rows).on_conflict_do_nothing().returning(erased_essays.c.essay_id)
        return len((await self._session.execute(statement)).all())

    async def of_batch(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        statement = select(erased_essays.c.essay_id).where(erased_essays.c.batch_id == batch_id)
        return set((await self._session.execute(statement)).scalars())
