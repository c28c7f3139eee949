"""Batches, essays and essay-to-student links on PostgreSQL (service_layer.ports.AssociationRepository)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import batches, classes, erased_batches, essays, students
from class_management_service.domain.model import Batch, ConfirmedAuthor, Essay, MatchOutcome, PendingBatch

# The first key of the two-key advisory lock, so batch locks never collide with other locks.
_BATCH_LOCK_SPACE = 0x434D53  # "CMS"
# A batch's class counts only when that class belongs to the batch's owner, so a batch can
# never expose or match against another teacher's class.
_OWNED_CLASS = and_(classes.c.id == batches.c.class_id, classes.c.owner_id == batches.c.owner_id)
_BATCH_WITH_CLASS = select(
    batches.c.id, batches.c.owner_id, classes.c.id.label("class_id"), classes.c.name.label("class_name")
).select_from(batches.outerjoin(classes, _OWNED_CLASS))
_UNCONFIRMED = and_(essays.c.batch_id == batches.c.id, essays.c.confirmed_student_id.is_(None))


def _batch(row: Any) -> Batch:
    return Batch(batch_id=row.id, owner_id=row.owner_id, class_id=row.class_id, class_name=row.class_name)


def _essay(row: Any) -> Essay:
    return Essay(
        essay_id=row.id,
        batch_id=row.batch_id,
        filename=row.filename,
        text_ref=row.text_ref,
        author_hint=row.author_hint,
        opening_text=row.opening_text,
        received_at=row.received_at,
        suggested_student_id=row.suggested_student_id,
        suggestion_confidence=row.suggestion_confidence,
        suggestion_evidence=row.suggestion_evidence,
        confirmed_student_id=row.confirmed_student_id,
        confirmed_at=row.confirmed_at,
    )


def _pending(owner_id: str) -> Select[tuple[object, ...]]:
    """Per batch with an owned class: its unconfirmed essays with and without a suggestion."""
    has_suggestion = essays.c.suggested_student_id.is_not(None)
    return (
        select(
            batches.c.id,
            batches.c.registered_at,
            classes.c.id.label("class_id"),
            classes.c.name.label("class_name"),
            func.count().filter(has_suggestion).label("suggested"),
            func.count().filter(~has_suggestion).label("unmatched"),
        )
        .select_from(batches.join(classes, _OWNED_CLASS).join(essays, _UNCONFIRMED))
        .where(batches.c.owner_id == owner_id)
        .group_by(batches.c.id, classes.c.id)
    )


class SqlAssociationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_batch(self, batch_id: uuid.UUID) -> None:
        await self._session.execute(select(func.pg_advisory_xact_lock(_BATCH_LOCK_SPACE, func.hashtext(str(batch_id)))))

    async def record_batch(self, batch_id: uuid.UUID, owner_id: str, class_id: uuid.UUID | None) -> bool:
        inserted = await self._session.execute(
            pg_insert(batches)
            .values(id=batch_id, owner_id=owner_id, class_id=class_id)
            .on_conflict_do_nothing(index_elements=[batches.c.id])
            .returning(batches.c.id)
        )
        return inserted.first() is not None

    async def batch(self, batch_id: uuid.UUID) -> Batch | None:
        row = (await self._session.execute(_BATCH_WITH_CLASS.where(batches.c.id == batch_id))).one_or_none()
        return None if row is None else _batch(row)

    async def owned_batches(self, owner_id: str, batch_ids: Sequence[uuid.UUID]) -> list[Batch]:
        rows = await self._session.execute(
            _BATCH_WITH_CLASS.where(batches.c.id.in_(batch_ids), batches.c.owner_id == owner_id)
        )
        return [_batch(row) for row in rows]

    async def insert_essay(
        self, essay_id: uuid.UUID, batch_id: uuid.UUID, *, filename: str, text_ref: str, author_hint: str | None
    ) -> Essay | None:
        inserted = await self._session.execute(
            pg_insert(essays)
            .values(id=essay_id, batch_id=batch_id, filename=filename, text_ref=text_ref, author_hint=author_hint)
            .on_conflict_do_nothing(index_elements=[essays.c.id])
            .returning(essays)
        )
        row = inserted.one_or_none()
        return None if row is None else _essay(row)

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        rows = await self._session.execute(
            select(essays).where(essays.c.batch_id == batch_id).order_by(essays.c.received_at, essays.c.id)
        )
        return [_essay(row) for row in rows]

    async def essay_ids_in(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        query = select(essays.c.id).where(essays.c.batch_id == batch_id, essays.c.id.in_(essay_ids))
        return set((await self._session.execute(query)).scalars().all())

    async def unconfirmed_essays(self, batch_id: uuid.UUID) -> list[Essay]:
        rows = await self._session.execute(
            select(essays).where(essays.c.batch_id == batch_id, essays.c.confirmed_student_id.is_(None))
        )
        return [_essay(row) for row in rows]

    async def save_match(self, essay_id: uuid.UUID, outcome: MatchOutcome) -> None:
        # The guard on confirmed_student_id keeps a teacher's decision even if one lands meanwhile.
        await self._session.execute(
            update(essays)
            .where(essays.c.id == essay_id, essays.c.confirmed_student_id.is_(None))
            .values(**outcome.essay_fields(), suggested_at=outcome.suggested_at)
        )

    async def confirm(
        self, choices: Mapping[uuid.UUID, uuid.UUID], *, confirmed_by: str, confirmed_at: datetime
    ) -> None:
        for essay_id, student_id in choices.items():
            await self._session.execute(
                update(essays)
                .where(essays.c.id == essay_id)
                .values(confirmed_student_id=student_id, confirmed_by=confirmed_by, confirmed_at=confirmed_at)
            )

    async def confirmed_authors(self, batch_id: uuid.UUID) -> list[ConfirmedAuthor]:
        rows = await self._session.execute(
            select(essays.c.id, students.c.id.label("student_id"), students.c.first_name, students.c.last_name)
            .join(students, students.c.id == essays.c.confirmed_student_id)
            .where(essays.c.batch_id == batch_id)
            .order_by(students.c.last_name, students.c.first_name, essays.c.id)
        )
        return [ConfirmedAuthor(row.id, row.student_id, row.first_name, row.last_name) for row in rows]

    async def pending_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[PendingBatch], int]:
        pending = _pending(owner_id).subquery()
        total = (await self._session.execute(select(func.count()).select_from(pending))).scalar_one()
        # Newest first (when CMS recorded the batch), the id breaking ties so that pages never overlap.
        rows = await self._session.execute(
            select(pending).order_by(pending.c.registered_at.desc(), pending.c.id.desc()).limit(limit).offset(offset)
        )
        page = [PendingBatch(row.id, row.class_id, row.class_name, row.suggested, row.unmatched) for row in rows]
        return page, total

    async def is_erased(self, batch_id: uuid.UUID) -> bool:
        erased = await self._session.execute(select(exists().where(erased_batches.c.batch_id == batch_id)))
        return bool(erased.scalar_one())

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        await self._session.execute(
            pg_insert(erased_batches)
            .values(batch_id=batch_id)
            .on_conflict_do_nothing(index_elements=[erased_batches.c.batch_id])
        )
        erased = await self._session.execute(delete(essays).where(essays.c.batch_id == batch_id).returning(essays.c.id))
        await self._session.execute(delete(batches).where(batches.c.id == batch_id))
        return len(erased.all())

    async def essays_confirmed_as(self, student_id: uuid.UUID) -> list[Essay]:
        rows = await self._session.execute(
            select(essays)
            .where(essays.c.confirmed_student_id == student_id)
            .order_by(essays.c.batch_id, essays.c.received_at, essays.c.id)
        )
        return [_essay(row) for row in rows]

    async def delete_essays(self, essay_ids: Sequence[uuid.UUID]) -> int:
        if not essay_ids:
            return 0
        gone = await self._session.execute(delete(essays).where(essays.c.id.in_(essay_ids)).returning(essays.c.id))
        return len(gone.all())

    async def batch_ids_of(self, owner_id: str) -> list[uuid.UUID]:
        rows = await self._session.execute(
            select(batches.c.id).where(batches.c.owner_id == owner_id).order_by(batches.c.id)
        )
        return list(rows.scalars().all())

    async def due_for_retention(self, cutoff: datetime, limit: int, *, with_batches: bool) -> list[uuid.UUID]:
        registered = select(batches.c.id.label("batch_id")).where(batches.c.registered_at < cutoff)
        if not with_batches:
            registered = registered.where(exists().where(essays.c.batch_id == batches.c.id))
        never_registered = (
            select(essays.c.batch_id)
            .where(~exists().where(batches.c.id == essays.c.batch_id))
            .group_by(essays.c.batch_id)
            .having(func.max(essays.c.received_at) < cutoff)
        )
        due = registered.union(never_registered).subquery()
        rows = await self._session.execute(select(due.c.batch_id).order_by(due.c.batch_id).limit(limit))
        return list(rows.scalars().all())
