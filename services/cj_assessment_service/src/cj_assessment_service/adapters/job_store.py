"""Database access for jobs, their essays, waves and comparisons (SQLAlchemy Core, caller's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import comparisons, job_essays, jobs, waves
from cj_assessment_service.domain.job_state import ACTIVE, transition
from common_core.events.cj_assessment import EssayResult
from common_core.status import CJJobState

PLANNED, DONE, FAILED, ABANDONED = "planned", "done", "failed", "abandoned"


@dataclass(frozen=True)
class PairCounts:
    planned: int  # every pair row, retries included
    open: int  # still waiting for a callback
    unacknowledged: int  # open and never accepted by LPS
    done: int
    failed: int  # error callbacks whose pair was not retried successfully later


async def insert_job(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the job unless its (batch, request) already has one; ``True`` if this call created it."""
    statement = pg_insert(jobs).values(**values).on_conflict_do_nothing().returning(jobs.c.id)
    return (await session.execute(statement)).first() is not None


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(jobs).where(jobs.c.id == job_id))).first()


async def lock_job(session: AsyncSession, job_id: uuid.UUID, *, skip_locked: bool = False) -> Row[Any] | None:
    """The job row, locked for this transaction: one writer per job at a time (callbacks, monitor, cancel)."""
    statement = select(jobs).where(jobs.c.id == job_id).with_for_update(skip_locked=skip_locked)
    return (await session.execute(statement)).first()


async def reload(session: AsyncSession, job: Row[Any]) -> Row[Any]:
    """The job row as this transaction sees it now (after its own updates)."""
    fresh = await get_job(session, job.id)
    if fresh is None:  # the caller holds the row: it cannot vanish
        raise RuntimeError(f"job {job.id} vanished")
    return fresh


async def update_job(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


async def move_job(session: AsyncSession, job: Row[Any], target: CJJobState, **values: Any) -> CJJobState:
    """Persist a legal state change (the domain state machine refuses illegal ones)."""
    state = transition(CJJobState(job.state), target)
    await update_job(session, job.id, state=state.value, last_activity_at=func.now(), **values)
    return state


async def insert_essays(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(job_essays), list(rows))


async def load_essays(session: AsyncSession, job_id: uuid.UUID) -> list[Row[Any]]:
    statement = select(job_essays).where(job_essays.c.job_id == job_id).order_by(job_essays.c.item_index)
    return list((await session.execute(statement)).all())


async def insert_wave(session: AsyncSession, job_id: uuid.UUID, wave: int, pair_rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(waves).values(job_id=job_id, wave=wave, pairs_planned=len(pair_rows)))
    await insert_pairs(session, pair_rows)


async def insert_pairs(session: AsyncSession, pair_rows: Sequence[dict[str, Any]]) -> None:
    if pair_rows:
        await session.execute(insert(comparisons), list(pair_rows))


async def load_waves(session: AsyncSession, job_id: uuid.UUID) -> list[Row[Any]]:
    statement = select(waves).where(waves.c.job_id == job_id).order_by(waves.c.wave)
    return list((await session.execute(statement)).all())


async def latest_reliability(session: AsyncSession, job_id: uuid.UUID) -> float | None:
    """The marginal reliability the last closed wave stored.

    None if no wave has closed yet, or the last one closed before every essay had the minimum comparisons.
    """
    return await _last_closed_wave_value(session, job_id, waves.c.reliability)


async def latest_ssr(session: AsyncSession, job_id: uuid.UUID) -> float | None:
    """The SSR the last closed wave stored (reported only); None before the first wave closes."""
    return await _last_closed_wave_value(session, job_id, waves.c.ssr)


async def _last_closed_wave_value(session: AsyncSession, job_id: uuid.UUID, column: Any) -> float | None:
    statement = (
        select(column)
        .where(and_(waves.c.job_id == job_id, waves.c.completed_at.is_not(None)))
        .order_by(waves.c.wave.desc())
        .limit(1)
    )
    value: float | None = (await session.execute(statement)).scalar_one_or_none()
    return value


async def count_essays(session: AsyncSession, job_id: uuid.UUID) -> int:
    """The job's items, anchors included (without loading their texts)."""
    statement = select(func.count()).select_from(job_essays).where(job_essays.c.job_id == job_id)
    return int((await session.execute(statement)).scalar_one())


async def complete_wave(session: AsyncSession, job_id: uuid.UUID, wave: int, **values: Any) -> None:
    await session.execute(
        update(waves)
        .where(and_(waves.c.job_id == job_id, waves.c.wave == wave))
        .values(completed_at=func.now(), **values)
    )


async def pair_by_request_id(session: AsyncSession, request_id: str) -> Row[Any] | None:
    return (await session.execute(select(comparisons).where(comparisons.c.request_id == request_id))).first()


async def load_pairs(session: AsyncSession, job_id: uuid.UUID, *, status: str | None = None) -> list[Row[Any]]:
    statement = select(comparisons).where(comparisons.c.job_id == job_id)
    if status is not None:
        statement = statement.where(comparisons.c.status == status)
    statement = statement.order_by(comparisons.c.wave, comparisons.c.position, comparisons.c.attempt)
    return list((await session.execute(statement)).all())


async def count_open_pairs(session: AsyncSession, job_id: uuid.UUID) -> int:
    """Comparisons of the job still waiting for an answer; a count, not the rows: every callback asks,
    and a 2,000-essay wave has 2,000 of them."""
    statement = (
        select(func.count())
        .select_from(comparisons)
        .where(comparisons.c.job_id == job_id, comparisons.c.status == PLANNED)
    )
    return int((await session.execute(statement)).scalar_one())


async def load_pairs_of_essay(session: AsyncSession, job_id: uuid.UUID, essay_id: uuid.UUID) -> list[Row[Any]]:
    """The comparisons one essay took part in, in planning order: the essay page's, without the rest."""
    statement = (
        select(comparisons)
        .where(
            comparisons.c.job_id == job_id,
            or_(comparisons.c.essay_a_id == essay_id, comparisons.c.essay_b_id == essay_id),
        )
        .order_by(comparisons.c.wave, comparisons.c.position, comparisons.c.attempt)
    )
    return list((await session.execute(statement)).all())


async def anchor_flags(session: AsyncSession, job_id: uuid.UUID) -> dict[uuid.UUID, bool]:
    """Each essay of the job, and whether it is an anchor."""
    statement = select(job_essays.c.essay_id, job_essays.c.is_anchor).where(job_essays.c.job_id == job_id)
    return {row.essay_id: row.is_anchor for row in await session.execute(statement)}


async def page_pairs(
    session: AsyncSession, job_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[int, list[Row[Any]]]:
    """One page of the job's comparisons in planning order, and how many there are in all."""
    total = (await session.execute(select(func.count()).where(comparisons.c.job_id == job_id))).scalar_one()
    statement = (
        select(comparisons)
        .where(comparisons.c.job_id == job_id)
        .order_by(comparisons.c.wave, comparisons.c.position, comparisons.c.attempt)
        .limit(limit)
        .offset(offset)
    )
    return int(total), list((await session.execute(statement)).all())


async def unacknowledged_pairs(session: AsyncSession, job_id: uuid.UUID, limit: int) -> list[Row[Any]]:
    statement = (
        select(comparisons)
        .where(
            comparisons.c.job_id == job_id,
            comparisons.c.status == PLANNED,
            comparisons.c.acknowledged_at.is_(None),
        )
        .order_by(comparisons.c.wave, comparisons.c.position, comparisons.c.attempt)
        .limit(limit)
    )
    return list((await session.execute(statement)).all())


async def jobs_with_unsubmitted_pairs(session: AsyncSession, limit: int) -> list[uuid.UUID]:
    """Comparing jobs whose backoff has passed and that have pairs LPS never acknowledged."""
    statement = (
        select(jobs.c.id)
        .where(
            jobs.c.state == CJJobState.COMPARING.value,
            jobs.c.next_submit_at <= func.now(),
            select(comparisons.c.pair_id)
            .where(
                comparisons.c.job_id == jobs.c.id,
                comparisons.c.status == PLANNED,
                comparisons.c.acknowledged_at.is_(None),
            )
            .exists(),
        )
        .order_by(jobs.c.next_submit_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def acknowledge(session: AsyncSession, queue_ids: dict[str, str]) -> None:
    """Record LPS's acceptance; the status is left alone, since a callback may already have arrived."""
    for request_id, queue_id in queue_ids.items():
        await session.execute(
            update(comparisons)
            .where(comparisons.c.request_id == request_id, comparisons.c.acknowledged_at.is_(None))
            .values(acknowledged_at=func.now(), queue_id=queue_id)
        )


async def record_pair(session: AsyncSession, pair_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(comparisons).where(comparisons.c.pair_id == pair_id).values(**values))


async def abandon_open_pairs(session: AsyncSession, job_id: uuid.UUID) -> None:
    await session.execute(
        update(comparisons)
        .where(comparisons.c.job_id == job_id, comparisons.c.status == PLANNED)
        .values(status=ABANDONED)
    )


async def stuck_job_ids(session: AsyncSession, idle_before: datetime, limit: int) -> list[uuid.UUID]:
    statement = (
        select(jobs.c.id)
        .where(jobs.c.state == CJJobState.COMPARING.value, jobs.c.last_activity_at < idle_before)
        .order_by(jobs.c.last_activity_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def count_jobs_by_state(session: AsyncSession) -> dict[str, int]:
    statement = select(jobs.c.state, func.count()).group_by(jobs.c.state)
    return {state: int(count) for state, count in (await session.execute(statement)).all()}


async def active_job_progress_inputs(session: AsyncSession) -> Sequence[Any]:
    """(job id, verdicts so far, items, budget) of every job still comparing."""
    done = select(func.count()).where(comparisons.c.job_id == jobs.c.id, comparisons.c.status == DONE).scalar_subquery()
    items = select(func.count()).where(job_essays.c.job_id == jobs.c.id).scalar_subquery()
    statement = select(jobs.c.id, jobs.c.budget, done.label("done"), items.label("items")).where(
        jobs.c.state == CJJobState.COMPARING.value
    )
    return list((await session.execute(statement)).all())


async def active_job_ages(session: AsyncSession) -> Sequence[Any]:
    """(state, created_at, last_activity_at) of every job not yet completed or failed."""
    statement = select(jobs.c.state, jobs.c.created_at, jobs.c.last_activity_at).where(
        jobs.c.state.in_([state.value for state in ACTIVE])
    )
    return list((await session.execute(statement)).all())


def count_pairs(pairs: Iterable[Row[Any]]) -> PairCounts:
    rows = list(pairs)
    # A failed attempt that a later attempt of the same slot answered is a retry, not a failure.
    answered_slots = {(p.wave, p.position) for p in rows if p.status == DONE}
    retried = {(p.wave, p.position, p.attempt) for p in rows if p.attempt > 1}
    failed = sum(
        1
        for p in rows
        if p.status == FAILED
        and (p.wave, p.position) not in answered_slots
        and (p.wave, p.position, p.attempt + 1) not in retried
    )
    return PairCounts(
        planned=len(rows),
        open=sum(1 for p in rows if p.status == PLANNED),
        unacknowledged=sum(1 for p in rows if p.status == PLANNED and p.acknowledged_at is None),
        done=sum(1 for p in rows if p.status == DONE),
        failed=failed,
    )


async def update_essay_result(
    session: AsyncSession, job_id: uuid.UUID, essay_id: uuid.UUID, result: EssayResult
) -> None:
    """Store one ``EssayResult`` on its (job, essay) row."""
    await session.execute(
        update(job_essays)
        .where(job_essays.c.job_id == job_id, job_essays.c.essay_id == essay_id)
        .values(
            rank=result.rank,
            bt_score=result.bt_score,
            standard_error=result.standard_error,
            normalized_score=result.normalized_score,
            grade=result.grade,
            grade_probabilities=result.grade_probabilities,
            confidence=result.confidence,
            confidence_label=result.confidence_label,
            comparison_count=result.comparison_count,
            anchor_inconsistent=result.anchor_inconsistent,
        )
    )


@dataclass(frozen=True)
class UsageTotals:
    llm_calls: int
    input_tokens: int | None  # None: no comparison reported usage
    output_tokens: int | None
    cost_usd: float | None
    unreported: int  # answered comparisons without usage or cost


async def usage_totals(session: AsyncSession, job_id: uuid.UUID) -> UsageTotals:
    """The job's calls, tokens and cost, summed over every comparison that got a callback."""
    c = comparisons.c
    no_id = and_(c.provider_request_id.is_(None), c.input_tokens.is_not(None))
    statement = select(
        # One call that answered a serial bundle carries one provider id on each of its comparisons.
        (func.count(func.distinct(c.provider_request_id)) + func.count().filter(no_id)).label("calls"),
        func.sum(c.input_tokens).label("input_tokens"),
        func.sum(c.output_tokens).label("output_tokens"),
        func.sum(c.cost_usd).label("cost_usd"),
        func.count().filter(and_(c.status == DONE, (c.input_tokens.is_(None)) | (c.cost_usd.is_(None)))).label("unrep"),
    ).where(c.job_id == job_id, c.status.in_((DONE, FAILED)))
    row = (await session.execute(statement)).one()
    return UsageTotals(
        llm_calls=int(row.calls),
        input_tokens=None if row.input_tokens is None else int(row.input_tokens),
        output_tokens=None if row.output_tokens is None else int(row.output_tokens),
        cost_usd=None if row.cost_usd is None else float(row.cost_usd),
        unreported=int(row.unrep),
    )
