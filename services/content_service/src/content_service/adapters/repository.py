"""PostgreSQL implementation of the repository port; every method runs in the session's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import RowMapping, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from common_core.http.content import TextKind
from common_core.status import BatchStatus
from content_service.adapters.tables import assessment_requests, batches, essays, text_owners, texts
from content_service.domain.batch_states import ACTIVE_STATES
from content_service.domain.model import AssessmentRequest, Batch, Essay, Text


def _batch(row: RowMapping) -> Batch:
    return Batch(**{**row, "status": BatchStatus(row["status"])})


def _essay(row: RowMapping) -> Essay:
    return Essay(**{name: value for name, value in row.items() if name != "seq"})


def _text(row: RowMapping) -> Text:
    return Text(**{**{name: row[name] for name in ("text_id", "content", "word_count")}, "kind": TextKind(row["kind"])})


def _request(row: RowMapping) -> AssessmentRequest:
    return AssessmentRequest(**row)


class SqlContentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_batch(
        self,
        *,
        batch_id: uuid.UUID,
        owner_id: str,
        title: str,
        course_code: str,
        class_id: uuid.UUID | None,
        assignment_id: uuid.UUID | None,
    ) -> Batch:
        query = (
            insert(batches)
            .values(
                batch_id=batch_id,
                owner_id=owner_id,
                title=title,
                course_code=course_code,
                class_id=class_id,
                assignment_id=assignment_id,
                status=BatchStatus.DRAFT.value,
            )
            .returning(*batches.c)
        )
        return _batch((await self._session.execute(query)).mappings().one())

    async def owned_batch(self, owner_id: str, batch_id: uuid.UUID, *, for_update: bool = False) -> Batch | None:
        query = select(batches).where(batches.c.batch_id == batch_id, batches.c.owner_id == owner_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _batch(row)

    async def batch_for_update(self, batch_id: uuid.UUID) -> Batch | None:
        query = select(batches).where(batches.c.batch_id == batch_id).with_for_update()
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _batch(row)

    async def list_batches(self, owner_id: str, limit: int, offset: int) -> tuple[list[Batch], int]:
        total = await self._session.scalar(
            select(func.count()).select_from(batches).where(batches.c.owner_id == owner_id)
        )
        query = (
            select(batches)
            .where(batches.c.owner_id == owner_id)
            .order_by(batches.c.created_at.desc(), batches.c.batch_id)
            .limit(limit)
            .offset(offset)
        )
        return [_batch(row) for row in (await self._session.execute(query)).mappings()], int(total or 0)

    async def essay_counts(self, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not batch_ids:
            return {}
        query = (
            select(essays.c.batch_id, func.count()).where(essays.c.batch_id.in_(batch_ids)).group_by(essays.c.batch_id)
        )
        return {row[0]: int(row[1]) for row in await self._session.execute(query)}

    async def set_status(self, batch_id: uuid.UUID, status: BatchStatus) -> Batch:
        query = (
            update(batches)
            .where(batches.c.batch_id == batch_id)
            .values(status=status.value, updated_at=func.now())
            .returning(*batches.c)
        )
        return _batch((await self._session.execute(query)).mappings().one())

    async def set_title(self, batch_id: uuid.UUID, title: str) -> Batch:
        query = (
            update(batches)
            .where(batches.c.batch_id == batch_id)
            # Read models keep the rename with the newest updated_at, so it must grow with every rename
            # on this (locked) row: now() is the transaction's start, which a rename that waited for the
            # lock could share with or precede the one it waited for.
            .values(
                title=title,
                updated_at=func.greatest(func.clock_timestamp(), batches.c.updated_at + timedelta(microseconds=1)),
            )
            .returning(*batches.c)
        )
        return _batch((await self._session.execute(query)).mappings().one())

    async def delete_batch_and_texts(self, batch_id: uuid.UUID) -> None:
        """Delete the batch (its requests cascade), its essays and the essay texts no one else uses."""
        await self.delete_essays_and_texts(batch_id)
        await self._session.execute(delete(batches).where(batches.c.batch_id == batch_id))

    async def delete_essays_and_texts(
        self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID] | None = None
    ) -> tuple[int, int]:
        """Delete the batch's essays (all, or those of ``essay_ids``) and the essay texts no one else uses;
        (essays, texts) deleted.

        A text is shared when another essay (of this batch or another) holds the same text, or when it was
        stored as an anchor, prompt or rubric (first, or later: then it has an owner); those stay.
        """
        gone = delete(essays).where(essays.c.batch_id == batch_id)
        if essay_ids is not None:
            gone = gone.where(essays.c.essay_id.in_(list(essay_ids)))
        text_ids = list((await self._session.scalars(gone.returning(essays.c.text_id))).all())
        if not text_ids:
            return 0, 0
        still_used = exists().where(essays.c.text_id == texts.c.text_id)
        stored_by_a_teacher = exists().where(text_owners.c.text_id == texts.c.text_id)
        unused = delete(texts).where(
            texts.c.text_id.in_(text_ids), texts.c.kind == TextKind.ESSAY.value, ~still_used, ~stored_by_a_teacher
        )
        deleted = (await self._session.scalars(unused.returning(texts.c.text_id))).all()
        return len(text_ids), len(deleted)

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[Batch]:
        """Batches not being assessed, last changed before ``cutoff``, whose essays are still here; locked."""
        query = (
            select(batches)
            .where(
                batches.c.updated_at < cutoff,
                batches.c.texts_purged_at.is_(None),
                batches.c.status.not_in([s.value for s in ACTIVE_STATES]),
            )
            .order_by(batches.c.updated_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_batch(row) for row in (await self._session.execute(query)).mappings()]

    async def owned_batches_for_update(self, owner_id: str, limit: int) -> list[Batch]:
        """Up to ``limit`` of the owner's batches, locked (waiting for a command in hand on one)."""
        query = (
            select(batches)
            .where(batches.c.owner_id == owner_id)
            .order_by(batches.c.batch_id)
            .limit(limit)
            .with_for_update()
        )
        return [_batch(row) for row in (await self._session.execute(query)).mappings()]

    async def mark_texts_purged(self, batch_id: uuid.UUID) -> None:
        await self._session.execute(
            update(batches).where(batches.c.batch_id == batch_id).values(texts_purged_at=func.now())
        )

    async def essays_of(self, batch_id: uuid.UUID) -> list[Essay]:
        query = select(essays).where(essays.c.batch_id == batch_id).order_by(essays.c.seq)
        return [_essay(row) for row in (await self._session.execute(query)).mappings()]

    async def insert_essay(
        self,
        *,
        essay_id: uuid.UUID,
        batch_id: uuid.UUID,
        filename: str,
        text_id: str,
        word_count: int,
        author_hint: str | None,
    ) -> Essay:
        query = (
            insert(essays)
            .values(
                essay_id=essay_id,
                batch_id=batch_id,
                filename=filename,
                text_id=text_id,
                word_count=word_count,
                author_hint=author_hint,
            )
            .returning(*essays.c)
        )
        return _essay((await self._session.execute(query)).mappings().one())

    async def store_text(self, text_id: str, kind: TextKind, content: str, word_count: int) -> Text:
        await self._session.execute(
            pg_insert(texts)
            .values(text_id=text_id, kind=kind.value, content=content, word_count=word_count)
            .on_conflict_do_nothing(index_elements=[texts.c.text_id])
        )
        return _text((await self._session.execute(select(texts).where(texts.c.text_id == text_id))).mappings().one())

    async def add_text_owner(self, text_id: str, owner_id: str) -> None:
        await self._session.execute(
            pg_insert(text_owners).values(text_id=text_id, owner_id=owner_id).on_conflict_do_nothing()
        )

    async def release_owned_texts(self, owner_id: str) -> int:
        released = delete(text_owners).where(text_owners.c.owner_id == owner_id).returning(text_owners.c.text_id)
        text_ids = list((await self._session.scalars(released)).all())
        if not text_ids:
            return 0
        other_owner = exists().where(text_owners.c.text_id == texts.c.text_id)
        held_by_essay = exists().where(essays.c.text_id == texts.c.text_id)
        unused = delete(texts).where(texts.c.text_id.in_(text_ids), ~other_owner, ~held_by_essay)
        return len((await self._session.scalars(unused.returning(texts.c.text_id))).all())

    async def texts_by_id(self, text_ids: Sequence[str]) -> dict[str, Text]:
        if not text_ids:
            return {}
        rows = await self._session.execute(select(texts).where(texts.c.text_id.in_(list(text_ids))))
        return {row["text_id"]: _text(row) for row in rows.mappings()}

    async def owned_essay_texts(self, owner_id: str, text_ids: Sequence[str]) -> dict[str, Text]:
        if not text_ids:
            return {}
        owned = select(essays.c.text_id).join(batches, batches.c.batch_id == essays.c.batch_id)
        owned = owned.where(batches.c.owner_id == owner_id, essays.c.text_id.in_(list(text_ids)))
        rows = await self._session.execute(select(texts).where(texts.c.text_id.in_(owned)))
        return {row["text_id"]: _text(row) for row in rows.mappings()}

    async def owned_essays_holding(self, owner_id: str, text_ids: Sequence[str]) -> list[uuid.UUID]:
        if not text_ids:
            return []
        query = (
            select(essays.c.essay_id)
            .join(batches, batches.c.batch_id == essays.c.batch_id)
            .where(batches.c.owner_id == owner_id, essays.c.text_id.in_(list(text_ids)))
            .order_by(essays.c.seq)
        )
        return list((await self._session.scalars(query)).all())

    async def request_by_key(self, batch_id: uuid.UUID, key: str) -> AssessmentRequest | None:
        query = select(assessment_requests).where(
            assessment_requests.c.batch_id == batch_id, assessment_requests.c.idempotency_key == key
        )
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _request(row)

    async def latest_request(self, batch_id: uuid.UUID) -> AssessmentRequest | None:
        query = (
            select(assessment_requests)
            .where(assessment_requests.c.batch_id == batch_id)
            .order_by(assessment_requests.c.requested_at.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _request(row)

    async def request_count(self, batch_id: uuid.UUID) -> int:
        query = select(func.count()).select_from(assessment_requests).where(assessment_requests.c.batch_id == batch_id)
        return int(await self._session.scalar(query) or 0)

    async def insert_request(
        self,
        *,
        request_id: uuid.UUID,
        batch_id: uuid.UUID,
        idempotency_key: str | None,
        request_fingerprint: str,
        essay_count: int,
    ) -> AssessmentRequest:
        query = (
            insert(assessment_requests)
            .values(
                request_id=request_id,
                batch_id=batch_id,
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
                essay_count=essay_count,
            )
            .returning(*assessment_requests.c)
        )
        return _request((await self._session.execute(query)).mappings().one())
