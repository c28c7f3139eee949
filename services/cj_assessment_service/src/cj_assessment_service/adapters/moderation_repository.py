"""Teacher moderation on PostgreSQL: a job's moderators and human verdicts, the lean reads a moderation
fit needs (the essays with their lengths but without their texts, the LLM's answered comparisons without their
justifications), and the LLM requests for moderation pairs it had not judged (``domain/moderation_llm.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.job_repository import ESSAY_COLUMNS
from cj_assessment_service.adapters.tables import (
    comparisons,
    job_essays,
    job_moderators,
    moderation_llm_comparisons,
    moderation_verdicts,
)
from cj_assessment_service.domain.essay_length import WORD_PATTERN
from cj_assessment_service.domain.job import JobEssay
from cj_assessment_service.domain.moderation import HumanVerdict, LlmVerdict, ModerationItem
from cj_assessment_service.domain.moderation_llm import LlmRequestStatus, ModerationLlmRequest
from cj_assessment_service.domain.pairs import PairStatus
from cj_assessment_service.service_layer.ports import Moderator

_V = moderation_verdicts.c
_L = moderation_llm_comparisons.c


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


def _llm_request(row: RowMapping) -> ModerationLlmRequest:
    return ModerationLlmRequest(
        request_id=row["request_id"],
        job_id=row["job_id"],
        first=row["first_essay_id"],
        second=row["second_essay_id"],
        requested_at=row["requested_at"],
        next_submit_at=row["next_submit_at"],
        status=LlmRequestStatus(row["status"]),
        acknowledged=row["acknowledged_at"] is not None,
        submit_failures=row["submit_failures"],
        winner=row["winner_essay_id"],
        error_code=row["error_code"],
        answered_at=row["answered_at"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_input_tokens=row["cached_input_tokens"],
        cost_usd=row["cost_usd"],
    )


class SqlModerationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def moderators(self, job_id: uuid.UUID) -> list[Moderator]:
        m = job_moderators.c
        statement = select(m.user_id, m.added_at, m.label).where(m.job_id == job_id).order_by(m.added_at, m.user_id)
        return [Moderator(row.user_id, row.added_at, row.label) for row in await self._session.execute(statement)]

    async def add_moderator(self, job_id: uuid.UUID, user_id: str, added_at: datetime, label: str | None) -> bool:
        statement = (
            pg_insert(job_moderators)
            .values(job_id=job_id, user_id=user_id, added_at=added_at, label=label)
            .on_conflict_do_nothing()
            .returning(job_moderators.c.user_id)
        )
        if (await self._session.execute(statement)).first() is not None:
            return True
        if label is not None:
            # Invited again by email: the owner now sees the address they typed (rows from before 0009 had none).
            m = job_moderators.c
            await self._session.execute(
                update(job_moderators).where(m.job_id == job_id, m.user_id == user_id).values(label=label)
            )
        return False

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
        # The length is counted in the database: a read needs the count, not the text.
        words = func.regexp_count(e.content, WORD_PATTERN).label("words")
        statement = (
            select(e.essay_id, e.item_index, e.is_anchor, e.known_grade, e.text_ref, words)
            .where(e.job_id == job_id)
            .order_by(e.item_index)
        )
        return [
            ModerationItem(row.essay_id, row.item_index, row.is_anchor, row.known_grade, row.text_ref, row.words)
            for row in await self._session.execute(statement)
        ]

    async def llm_verdicts(self, job_id: uuid.UUID) -> list[LlmVerdict]:
        c = comparisons.c
        statement = (
            select(c.essay_a_id, c.essay_b_id, c.winner)
            .where(c.job_id == job_id, c.status == PairStatus.DONE.value)
            .order_by(c.wave, c.position, c.attempt)
        )
        verdicts = [
            LlmVerdict(row.essay_a_id, row.essay_b_id, row.essay_a_id if row.winner == "A" else row.essay_b_id)
            for row in await self._session.execute(statement)
        ]
        asked = (
            select(moderation_llm_comparisons)
            .where(_L.job_id == job_id, _L.status == LlmRequestStatus.DONE.value)
            .order_by(_L.requested_at, _L.request_id)
        )
        for row in (await self._session.execute(asked)).mappings():
            verdict = _llm_request(row).verdict
            if verdict is not None:
                verdicts.append(verdict)
        return verdicts

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

    async def llm_judged(self, job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID) -> bool:
        c = comparisons.c
        answered = select(c.pair_id).where(
            c.job_id == job_id,
            c.status == PairStatus.DONE.value,
            or_(
                and_(c.essay_a_id == first, c.essay_b_id == second),
                and_(c.essay_a_id == second, c.essay_b_id == first),
            ),
        )
        asked = select(_L.request_id).where(
            _L.job_id == job_id,
            or_(
                and_(_L.first_essay_id == first, _L.second_essay_id == second),
                and_(_L.first_essay_id == second, _L.second_essay_id == first),
            ),
        )
        statement = select(or_(answered.exists(), asked.exists()))
        return bool((await self._session.execute(statement)).scalar_one())

    async def add_llm_request(self, request: ModerationLlmRequest) -> bool:
        statement = (
            pg_insert(moderation_llm_comparisons)
            .values(
                request_id=request.request_id,
                job_id=request.job_id,
                first_essay_id=request.first,
                second_essay_id=request.second,
                status=request.status.value,
                requested_at=request.requested_at,
                next_submit_at=request.next_submit_at,
            )
            .on_conflict_do_nothing()
            .returning(_L.request_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def unsent_llm_requests(self, now: datetime, limit: int) -> list[ModerationLlmRequest]:
        statement = (
            select(moderation_llm_comparisons)
            .where(
                _L.status == LlmRequestStatus.PLANNED.value,
                _L.acknowledged_at.is_(None),
                _L.next_submit_at <= now,
            )
            .order_by(_L.requested_at, _L.request_id)
            .limit(limit)
        )
        return [_llm_request(row) for row in (await self._session.execute(statement)).mappings()]

    async def llm_request(self, request_id: str) -> ModerationLlmRequest | None:
        statement = select(moderation_llm_comparisons).where(_L.request_id == request_id).with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _llm_request(row)

    async def llm_requests(self, job_id: uuid.UUID) -> list[ModerationLlmRequest]:
        statement = (
            select(moderation_llm_comparisons).where(_L.job_id == job_id).order_by(_L.requested_at, _L.request_id)
        )
        return [_llm_request(row) for row in (await self._session.execute(statement)).mappings()]

    async def save_llm_request(self, request: ModerationLlmRequest) -> None:
        values: dict[str, object] = {
            "status": request.status.value,
            "next_submit_at": request.next_submit_at,
            "submit_failures": request.submit_failures,
            "winner_essay_id": request.winner,
            "error_code": request.error_code,
            "answered_at": request.answered_at,
            "input_tokens": request.input_tokens,
            "output_tokens": request.output_tokens,
            "cached_input_tokens": request.cached_input_tokens,
            "cost_usd": request.cost_usd,
            # The first acknowledgement's time stays.
            "acknowledged_at": func.coalesce(_L.acknowledged_at, func.now()) if request.acknowledged else None,
        }
        await self._session.execute(
            update(moderation_llm_comparisons).where(_L.request_id == request.request_id).values(**values)
        )

    async def essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> list[JobEssay]:
        e = job_essays.c
        statement = (
            select(*(e[name] for name in ESSAY_COLUMNS))
            .where(e.job_id == job_id, e.essay_id.in_(list(essay_ids)))
            .order_by(e.item_index)
        )
        return [JobEssay(**row) for row in (await self._session.execute(statement)).mappings()]
