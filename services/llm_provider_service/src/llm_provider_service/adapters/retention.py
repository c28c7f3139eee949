"""The retention policy's deletions in the LPS database, a bounded number of rows per transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_provider_service.adapters.tables import batch_job_items, batch_jobs, comparison_outcomes, erased_batches

ROWS_PER_TRANSACTION = 5_000
JOBS_PER_TRANSACTION = 50


class SqlRetention:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def purge_outcomes(self, before: datetime) -> int:
        o = comparison_outcomes
        purged = 0
        while True:
            due = select(o.c.request_id).where(o.c.completed_at < before).limit(ROWS_PER_TRANSACTION)
            async with self._sessions() as session, session.begin():
                deleted = len(
                    (await session.execute(delete(o).where(o.c.request_id.in_(due)).returning(o.c.request_id))).all()
                )
            purged += deleted
            if deleted < ROWS_PER_TRANSACTION:
                return purged

    async def purge_ended_batch_jobs(self, before: datetime) -> tuple[int, int]:
        j, i = batch_jobs, batch_job_items
        jobs = items = 0
        while True:
            due = select(j.c.id).where(j.c.status == "ended", j.c.ended_at < before).limit(JOBS_PER_TRANSACTION)
            async with self._sessions() as session, session.begin():
                ids = list((await session.execute(due.with_for_update(skip_locked=True))).scalars())
                if ids:
                    items += int((await session.execute(select(func.count()).where(i.c.job_id.in_(ids)))).scalar_one())
                    # The items (their request bodies are the prompts, with the essays) go with their job.
                    await session.execute(delete(j).where(j.c.id.in_(ids)))
            jobs += len(ids)
            if len(ids) < JOBS_PER_TRANSACTION:
                return jobs, items

    async def purge_tombstones(self, before: datetime) -> int:
        async with self._sessions() as session, session.begin():
            statement = (
                delete(erased_batches).where(erased_batches.c.erased_at < before).returning(erased_batches.c.batch_id)
            )
            return len((await session.execute(statement)).all())
