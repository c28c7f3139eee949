"""Provider batch jobs in the LPS database: created with their items, leased for polling, ended."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Interval, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huleedu_service_libs.db import unit_of_work
from llm_provider_service.adapters.erased_batches import open_batches
from llm_provider_service.adapters.tables import batch_job_items, batch_jobs


@dataclass(frozen=True)
class BatchJob:
    id: uuid.UUID
    provider: str
    model: str
    status: str
    provider_batch_id: str | None
    item_count: int
    attempts: int
    created_at: datetime
    now: datetime

    @property
    def age_s(self) -> float:
        return (self.now - self.created_at).total_seconds()


@dataclass(frozen=True)
class BatchJobItem:
    custom_id: str
    request_id: str
    item: dict[str, Any]  # QueuedComparison.to_dict()
    request_body: dict[str, Any]
    prompt_version: str
    batch_id: str | None = None


def _later(seconds: float) -> ColumnElement[datetime]:
    return func.now() + literal(timedelta(seconds=seconds), Interval())


class BatchJobStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def queue_ids_in_jobs(self, request_ids: Sequence[str]) -> dict[str, str]:
        """Request id -> queue id of the given comparisons that a batch job holds (open or ended)."""
        if not request_ids:
            return {}
        t = batch_job_items
        async with self._sessions() as session:
            rows = await session.execute(
                select(t.c.request_id, t.c.item["queue_id"].astext.label("queue_id")).where(
                    t.c.request_id.in_(list(request_ids))
                )
            )
            return {str(row.request_id): str(row.queue_id) for row in rows}

    async def create(
        self, job_id: uuid.UUID, provider: str, model: str, items: Sequence[BatchJobItem]
    ) -> list[BatchJobItem]:
        """Persist the job with its items, leaving out items of erased batches; returns the items stored
        (none: no job)."""
        async with unit_of_work(self._sessions) as session:
            named = {uuid.UUID(i.batch_id) for i in items if i.batch_id is not None}
            if named:
                writable = {str(b) for b in await open_batches(session, named)}
                items = [i for i in items if i.batch_id is None or i.batch_id in writable]
            if not items:
                return []
            await session.execute(
                batch_jobs.insert().values(
                    id=job_id, provider=provider, model=model, status="creating", item_count=len(items)
                )
            )
            await session.execute(
                batch_job_items.insert().values(
                    [
                        {
                            "job_id": job_id,
                            "custom_id": i.custom_id,
                            "request_id": i.request_id,
                            "item": i.item,
                            "request_body": i.request_body,
                            "prompt_version": i.prompt_version,
                            "batch_id": i.batch_id,
                        }
                        for i in items
                    ]
                )
            )
        return list(items)

    async def lease_due(self, limit: int, lease_s: float) -> list[BatchJob]:
        """Open jobs whose check is due, each pushed ``lease_s`` into the future so that only one
        LPS process works on it (SKIP LOCKED); a process that dies lets the lease run out."""
        t = batch_jobs
        due = (
            select(t.c.id)
            .where(t.c.status != "ended", t.c.next_check_at <= func.now())
            .order_by(t.c.next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with unit_of_work(self._sessions) as session:
            rows = await session.execute(
                update(t)
                .where(t.c.id.in_(due))
                .values(next_check_at=_later(lease_s))
                .returning(
                    t.c.id,
                    t.c.provider,
                    t.c.model,
                    t.c.status,
                    t.c.provider_batch_id,
                    t.c.item_count,
                    t.c.attempts,
                    t.c.created_at,
                    func.now().label("now"),
                )
            )
            return [BatchJob(*row) for row in rows]

    async def items(self, job_id: uuid.UUID) -> list[BatchJobItem]:
        t = batch_job_items
        async with self._sessions() as session:
            rows = await session.execute(
                select(t.c.custom_id, t.c.request_id, t.c.item, t.c.request_body, t.c.prompt_version, t.c.batch_id)
                .where(t.c.job_id == job_id)
                .order_by(t.c.custom_id)
            )
            return [
                BatchJobItem(
                    r.custom_id,
                    r.request_id,
                    r.item,
                    r.request_body,
                    r.prompt_version,
                    str(r.batch_id) if r.batch_id is not None else None,
                )
                for r in rows
            ]

    async def has_items(self, job_id: uuid.UUID) -> bool:
        """False once an erasure took every item of the job (the job must then be cancelled)."""
        async with self._sessions() as session:
            found = await session.execute(select(exists().where(batch_job_items.c.job_id == job_id)))
            return bool(found.scalar())

    async def mark_submitted(self, job_id: uuid.UUID, provider_batch_id: str, check_in_s: float) -> None:
        await self._update(
            job_id, status="submitted", provider_batch_id=provider_batch_id, next_check_at=_later(check_in_s)
        )

    async def check_later(self, job_id: uuid.UUID, check_in_s: float, error: str | None = None) -> None:
        values: dict[str, object] = {"next_check_at": _later(check_in_s)}
        if error is not None:
            values |= {"last_error": error[:1000], "attempts": batch_jobs.c.attempts + 1}
        await self._update(job_id, **values)

    async def mark_ended(self, job_id: uuid.UUID) -> None:
        await self._update(job_id, status="ended", ended_at=func.now())

    async def _update(self, job_id: uuid.UUID, **values: object) -> None:
        async with unit_of_work(self._sessions) as session:
            await session.execute(update(batch_jobs).where(batch_jobs.c.id == job_id).values(**values))
