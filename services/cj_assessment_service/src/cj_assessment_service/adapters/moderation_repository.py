"""Teacher moderation on PostgreSQL: a job's moderators and human verdicts, and the lean reads a moderation
fit needs (the essays without their texts, the LLM's answered comparisons without their justifications)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import comparisons, job_essays, job_moderators, moderation_verdicts
from cj_assessment_service.domain.moderation import HumanVerdict, LlmVerdict, ModerationItem
from cj_assessment_service.domain.pairs import PairStatus
from cj_assessment_service.service_layer.ports import Moderator

_V = moderation_verdicts.c


def _verdict(row: RowMapping) -> HumanVerdict:
    return HumanVerdict(
        id=row["id"],
        job_id=row["job_id"],
        moderator_user_id=row["moderator_user_id"],
        first=row["first_essay_id"],
        second=row["second_essay_id"],
        winner=row["winner_essay_id"],
        reason=row["reason"],
        created_at=row["created_at"],
    )


class SqlModerationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def moderators(self, job_id: uuid.UUID) -> list[Moderator]:
        m = job_moderators.c
        statement = select(m.user_id, m.added_at).where(m.job_id == job_id).order_by(m.added_at, m.user_id)
        return [Moderator(row.user_id, row.added_at) for row in await self._session.execute(statement)]

    async def add_moderator(self, job_id: uuid.UUID, user_id: str, added_at: datetime) -> bool:
        statement = (
            pg_insert(job_moderators)
            .values(job_id=job_id, user_id=user_id, added_at=added_at)
            .on_conflict_do_nothing()
            .returning(job_moderators.c.user_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def remove_moderator(self, job_id: uuid.UUID, user_id: str) -> bool:
        m = job_moderators.c
        statement = delete(job_moderators).where(m.job_id == job_id, m.user_id == user_id).returning(m.user_id)
        return (await self._session.execute(statement)).first() is not None

    async def moderated_by(self, user_id: str) -> list[tuple[uuid.UUID, datetime]]:
        m = job_moderators.c
        statement = select(m.job_id, m.added_at).where(m.user_id == user_id).order_by(m.added_at.desc(), m.job_id)
        return [(row.job_id, row.added_at) for row in await self._session.execute(statement)]

    async def items(self, job_id: uuid.UUID) -> list[ModerationItem]:
        e = job_essays.c
        statement = (
            select(e.essay_id, e.item_index, e.is_anchor, e.known_grade, e.text_ref)
            .where(e.job_id == job_id)
            .order_by(e.item_index)
        )
        return [
            ModerationItem(row.essay_id, row.item_index, row.is_anchor, row.known_grade, row.text_ref)
            for row in await self._session.execute(statement)
        ]

    async def llm_verdicts(self, job_id: uuid.UUID) -> list[LlmVerdict]:
        c = comparisons.c
        statement = (
            select(c.essay_a_id, c.essay_b_id, c.winner)
            .where(c.job_id == job_id, c.status == PairStatus.DONE.value)
            .order_by(c.wave, c.position, c.attempt)
        )
        return [
            LlmVerdict(row.essay_a_id, row.essay_b_id, row.essay_a_id if row.winner == "A" else row.essay_b_id)
            for row in await self._session.execute(statement)
        ]

    async def verdicts(self, job_id: uuid.UUID) -> list[HumanVerdict]:
        statement = select(moderation_verdicts).where(_V.job_id == job_id).order_by(_V.created_at, _V.id)
        return [_verdict(row) for row in (await self._session.execute(statement)).mappings()]

    async def add_verdict(self, verdict: HumanVerdict) -> None:
        await self._session.execute(
            insert(moderation_verdicts).values(
                id=verdict.id,
                job_id=verdict.job_id,
                moderator_user_id=verdict.moderator_user_id,
                first_essay_id=verdict.first,
                second_essay_id=verdict.second,
                winner_essay_id=verdict.winner,
                reason=verdict.reason,
                created_at=verdict.created_at,
            )
        )

    async def delete_last_verdict(self, job_id: uuid.UUID, user_id: str) -> HumanVerdict | None:
        last = (
            select(_V.id)
            .where(_V.job_id == job_id, _V.moderator_user_id == user_id)
            .order_by(_V.created_at.desc(), _V.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        statement = delete(moderation_verdicts).where(_V.id == last).returning(*moderation_verdicts.c)
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _verdict(row)

    async def forget_user(self, user_id: str) -> tuple[int, int]:
        verdicts = await self._session.execute(
            delete(moderation_verdicts).where(_V.moderator_user_id == user_id).returning(_V.id)
        )
        m = job_moderators.c
        places = await self._session.execute(delete(job_moderators).where(m.user_id == user_id).returning(m.job_id))
        return len(verdicts.all()), len(places.all())
