"""Writes to the read model, inside the consumer runner's per-event transaction.

Every handler first locks its batch row (creating a placeholder if no event named the batch yet),
so two replicas folding events of one batch from different topics take turns, and the batch's
derived columns are always recomputed from a consistent set of jobs.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, null, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.events.batch import BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import EssayResult
from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.adapters.tables import assessment_jobs, batches, erased_essays, essay_results, essays
from result_aggregator_service.domain.folding import ACTIVE_STATUSES, client_status
from result_aggregator_service.domain.read_model import BatchLock, JobChanges, JobSnapshot

# What the fold decides from (every JobSnapshot field is a column), read back by the statement that locks the job.
_SNAPSHOT_COLUMNS = [assessment_jobs.c[field.name] for field in dataclasses.fields(JobSnapshot)]


class SqlReadModelWriter:
    """The fold's writes (``service_layer.ports.ReadModelWriter``) on the runner's per-record session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchLock:
        """Lock the batch row for this transaction (creating a placeholder), and say what it holds."""
        await self._session.execute(
            insert(batches)
            .values(batch_id=batch_id, updated_at=event_at, status=BatchStatus.DRAFT.value)
            .on_conflict_do_nothing(index_elements=[batches.c.batch_id])
        )
        row = (
            await self._session.execute(
                select(batches.c.user_id, batches.c.deleted_at, batches.c.title_updated_at, batches.c.essays_purged_at)
                .where(batches.c.batch_id == batch_id)
                .with_for_update()
            )
        ).one()
        return BatchLock(
            row.user_id is not None, row.deleted_at is not None, row.title_updated_at, row.essays_purged_at is not None
        )

    async def register_batch(self, payload: BatchRegisteredV1, event_at: datetime) -> None:
        await self._session.execute(
            update(batches)
            .where(batches.c.batch_id == payload.batch_id)
            .values(
                user_id=payload.user_id,
                # A rename that arrived first is newer than the registration's title: it stays.
                title=case((batches.c.title_updated_at.is_(None), payload.title), else_=batches.c.title),
                course_code=func.coalesce(batches.c.course_code, payload.course_code),
                class_id=payload.class_id,
                assignment_id=payload.assignment_id,
                created_at=payload.created_at,
                updated_at=func.greatest(batches.c.updated_at, event_at),
            )
        )

    async def rename_batch(self, payload: BatchUpdatedV1, event_at: datetime) -> None:
        """Apply a rename the caller found newer than the last one applied (``BatchLock.title_updated_at``)."""
        values: dict[str, Any] = {
            "title": payload.title,
            "title_updated_at": payload.updated_at,
            "updated_at": func.greatest(batches.c.updated_at, event_at),
        }
        if payload.course_code is not None:
            values["course_code"] = payload.course_code
        await self._session.execute(update(batches).where(batches.c.batch_id == payload.batch_id).values(**values))

    async def delete_batch(self, batch_id: uuid.UUID, deleted_at: datetime, event_at: datetime) -> None:
        """Erase everything about the batch (the teacher deleted it) but its tombstone: the id, when it was
        deleted, and the bookkeeping that hides it (no owner, status draft, no essays)."""
        await self._session.execute(delete(essays).where(essays.c.batch_id == batch_id))
        # The batch's tombstone covers its erased essays' too.
        await self._session.execute(delete(erased_essays).where(erased_essays.c.batch_id == batch_id))
        # essay_results go with their jobs (ON DELETE CASCADE).
        await self._session.execute(delete(assessment_jobs).where(assessment_jobs.c.batch_id == batch_id))
        await self._session.execute(
            update(batches)
            .where(batches.c.batch_id == batch_id)
            .values(
                deleted_at=func.coalesce(batches.c.deleted_at, deleted_at),
                user_id=null(),
                title=null(),
                course_code=null(),
                class_id=null(),
                assignment_id=null(),
                created_at=null(),
                status=BatchStatus.DRAFT.value,
                current_job_id=null(),
                essay_count=0,
                completed_at=null(),
                title_updated_at=null(),
                essays_purged_at=null(),
                updated_at=func.greatest(batches.c.updated_at, event_at),
            )
        )

    async def batches_of_user(self, user_id: str) -> list[uuid.UUID]:
        query = select(batches.c.batch_id).where(batches.c.user_id == user_id).order_by(batches.c.batch_id)
        return list((await self._session.scalars(query)).all())

    async def erased_essays(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        query = select(erased_essays.c.essay_id).where(erased_essays.c.batch_id == batch_id)
        return set((await self._session.scalars(query)).all())

    async def erase_essays(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> None:
        """Delete the essays and their results in every job; keep their ids so that none comes back."""
        ids = list(essay_ids)
        await self._session.execute(delete(essays).where(essays.c.batch_id == batch_id, essays.c.essay_id.in_(ids)))
        await self._session.execute(
            delete(essay_results).where(essay_results.c.batch_id == batch_id, essay_results.c.essay_id.in_(ids))
        )
        await self._session.execute(
            insert(erased_essays).on_conflict_do_nothing(), [{"batch_id": batch_id, "essay_id": i} for i in ids]
        )

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        query = (
            select(batches.c.batch_id)
            .where(
                batches.c.deleted_at.is_(None),
                batches.c.essays_purged_at.is_(None),
                batches.c.status.not_in([status.value for status in ACTIVE_STATUSES]),
                batches.c.updated_at < cutoff,
            )
            .order_by(batches.c.updated_at)
            .limit(limit)
            # A batch a fold holds now has an event in hand: it is not due, and the next pass looks again.
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.scalars(query)).all())

    async def purge_essays(self, batch_id: uuid.UUID) -> tuple[int, int]:
        """Delete the essays and every job's results; the jobs keep their figures, not the events as sent."""
        gone_essays = await self._session.execute(
            delete(essays).where(essays.c.batch_id == batch_id).returning(essays.c.essay_id)
        )
        essay_count = len(gone_essays.all())
        gone_results = await self._session.execute(
            delete(essay_results).where(essay_results.c.batch_id == batch_id).returning(essay_results.c.essay_id)
        )
        result_count = len(gone_results.all())
        # No essay is left to come back: the purge mark stops every later per-essay event.
        await self._session.execute(delete(erased_essays).where(erased_essays.c.batch_id == batch_id))
        # The events as published (ids, free texts CJ may add later); the columns keep the aggregates.
        await self._session.execute(
            update(assessment_jobs)
            .where(assessment_jobs.c.batch_id == batch_id)
            .values(completed_payload=null(), result_payload=null())
        )
        await self._session.execute(
            update(batches).where(batches.c.batch_id == batch_id).values(essays_purged_at=func.now())
        )
        return essay_count, result_count

    async def add_essay(self, payload: EssayUploadedV1, event_at: datetime) -> None:
        # The first upload of an essay id is the fact; a redelivery changes nothing.
        await self._session.execute(
            insert(essays)
            .values(
                batch_id=payload.batch_id,
                essay_id=payload.essay_id,
                filename=payload.filename,
                text_ref=payload.text_ref,
                word_count=payload.word_count,
                author_hint=payload.author_hint,
                uploaded_at=event_at,
            )
            .on_conflict_do_nothing(index_elements=[essays.c.batch_id, essays.c.essay_id])
        )
        # Recounted rather than incremented, so a redelivery can never count an essay twice.
        essay_total = (
            select(func.count()).select_from(essays).where(essays.c.batch_id == payload.batch_id).scalar_subquery()
        )
        await self._session.execute(
            update(batches)
            .where(batches.c.batch_id == payload.batch_id)
            .values(essay_count=essay_total, updated_at=func.greatest(batches.c.updated_at, event_at))
        )

    async def lock_job(
        self, batch_id: uuid.UUID, job_id: uuid.UUID, event_at: datetime, *, request_failure: bool = False
    ) -> JobSnapshot:
        """The job row, created on first sight; its start is the earliest event seen for it.

        The batch lock taken before this call already serialises writers of this job.
        """
        statement = (
            insert(assessment_jobs)
            .values(
                batch_id=batch_id,
                job_id=job_id,
                request_failure=request_failure,
                state=CJJobState.CREATED.value,
                started_at=event_at,
            )
            .on_conflict_do_update(
                index_elements=[assessment_jobs.c.batch_id, assessment_jobs.c.job_id],
                set_={"started_at": func.least(assessment_jobs.c.started_at, event_at)},
            )
            .returning(*_SNAPSHOT_COLUMNS)
        )
        row = (await self._session.execute(statement)).one()
        return JobSnapshot(**{**row._asdict(), "state": CJJobState(row.state)})

    async def update_job(self, batch_id: uuid.UUID, job_id: uuid.UUID, changes: JobChanges) -> None:
        values: dict[str, Any] = dict(changes)
        if "state" in changes:
            values["state"] = changes["state"].value
        await self._session.execute(
            update(assessment_jobs)
            .where(assessment_jobs.c.batch_id == batch_id, assessment_jobs.c.job_id == job_id)
            .values(**values)
        )

    async def replace_results(self, batch_id: uuid.UUID, job_id: uuid.UUID, results: Sequence[EssayResult]) -> None:
        """The job's results become exactly ``results``; other jobs' results are untouched."""
        await self._session.execute(
            essay_results.delete().where(essay_results.c.batch_id == batch_id, essay_results.c.job_id == job_id)
        )
        if not results:  # every essay of the event was erased
            return
        await self._session.execute(
            insert(essay_results),
            [
                {
                    "batch_id": batch_id,
                    "job_id": job_id,
                    "essay_id": r.essay_id,
                    "is_anchor": r.is_anchor,
                    "rank": r.rank,
                    "bt_score": r.bt_score,
                    "standard_error": r.standard_error,
                    "normalized_score": r.normalized_score,
                    "grade": r.grade,
                    "grade_probabilities": dict(r.grade_probabilities),
                    "confidence": r.confidence,
                    "confidence_label": r.confidence_label,
                    "comparison_count": r.comparison_count,
                    "known_grade": r.known_grade,
                    "anchor_label": r.anchor_label,
                    "anchor_inconsistent": r.anchor_inconsistent,
                    "published": r.model_dump(mode="json"),
                }
                for r in results
            ],
        )

    async def refresh_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchStatus:
        """Recompute the batch's current job and client status from its jobs."""
        current = (
            await self._session.execute(
                select(assessment_jobs.c.job_id, assessment_jobs.c.state, assessment_jobs.c.completed_at)
                .where(assessment_jobs.c.batch_id == batch_id)
                # The job that started last is current, whatever order its events arrived in.
                .order_by(assessment_jobs.c.started_at.desc(), assessment_jobs.c.job_id.desc())
                .limit(1)
            )
        ).one_or_none()
        status = client_status(CJJobState(current.state) if current is not None else None)
        completed_at = current.completed_at if current is not None and status == BatchStatus.COMPLETED else None
        await self._session.execute(
            update(batches)
            .where(batches.c.batch_id == batch_id)
            .values(
                current_job_id=current.job_id if current is not None else None,
                status=status.value,
                completed_at=completed_at,
                updated_at=func.greatest(batches.c.updated_at, event_at),
            )
        )
        return status
