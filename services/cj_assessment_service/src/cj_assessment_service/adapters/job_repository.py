"""Jobs on PostgreSQL: the aggregate's rows in and out (SQLAlchemy Core, the unit of work's transaction).

``save`` writes what the job recorded in ``job.changes``, never the whole job: a header update names
only the columns that changed, and closing every open comparison is one statement, not one per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, delete, func, insert, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.adapters.tables import (
    comparisons,
    job_essays,
    job_moderators,
    jobs,
    moderation_llm_comparisons,
    moderation_verdicts,
    waves,
)
from cj_assessment_service.domain.aggregates import JobAggregates
from cj_assessment_service.domain.job import Job, JobChanges, JobCounts, JobEssay, Wave
from cj_assessment_service.domain.job_health import ActiveJob
from cj_assessment_service.domain.job_state import ACTIVE
from cj_assessment_service.domain.pairs import Pair, PairStatus
from cj_assessment_service.service_layer.ports import ActiveProgress, ErasedRows
from common_core.events.cj_assessment import AssessmentBudget, LLMSettings
from common_core.status import CJJobState

_PLANNING_ORDER = (comparisons.c.wave, comparisons.c.position, comparisons.c.attempt)
# Every column but the theta history, which only the stopping decision reads.
_WAVE_COLUMNS = (waves.c.wave, waves.c.pairs_planned, waves.c.completed_at, waves.c.reliability, waves.c.ssr)
ESSAY_COLUMNS = (
    "essay_id",
    "item_index",
    "is_anchor",
    "known_grade",
    "anchor_label",
    "text_ref",
    "content",
    "names",
)
_PAIR_FIELDS = (
    "pair_id",
    "request_id",
    "job_id",
    "wave",
    "position",
    "attempt",
    "essay_a_id",
    "essay_b_id",
    "queue_id",
    "winner",
    "confidence",
    "justification",
    "provider",
    "model",
    "error_code",
    "error_message",
    "error_retryable",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_usd",
    "provider_request_id",
    "answered_at",
)
# The result columns of ``job_essays`` (``EssayResult`` fields of the same names).
_RESULT_FIELDS = (
    "rank",
    "bt_score",
    "standard_error",
    "normalized_score",
    "grade",
    "grade_probabilities",
    "confidence",
    "confidence_label",
    "comparison_count",
    "anchor_inconsistent",
)
# What an answer writes on its comparison row.
_ANSWER_FIELDS = [name for name in _PAIR_FIELDS if name not in {"pair_id", "request_id", "job_id", "wave", "position"}]


def _pair(row: RowMapping) -> Pair:
    return Pair(
        **{name: row[name] for name in _PAIR_FIELDS},
        status=PairStatus(row["status"]),
        acknowledged=row["acknowledged_at"] is not None,
    )


def _job(row: RowMapping, open_pairs: int, wave_rows: Iterable[RowMapping]) -> Job:
    return Job(
        id=row["id"],
        batch_id=row["batch_id"],
        request_id=row["request_id"],
        user_id=row["user_id"],
        correlation_id=row["correlation_id"],
        assignment_id=row["assignment_id"],
        course_code=row["course_code"],
        language=row["language"],
        grade_scale=row["grade_scale"],
        state=CJJobState(row["state"]),
        llm=LLMSettings.model_validate(row["llm_settings"]),
        budget=AssessmentBudget.model_validate(row["budget"]),
        seed=row["seed"],
        created_at=row["created_at"],
        last_activity_at=row["last_activity_at"],
        next_submit_at=row["next_submit_at"],
        context=dict(row["context"] or {}),
        redact_names=row["redact_names"],
        current_wave=row["current_wave"],
        stop_reason=row["stop_reason"],
        stop_detail=row["stop_detail"],
        reliability_ssr=row["reliability_ssr"],
        position_bias=row["position_bias"],
        forced_recovery=row["forced_recovery"],
        failure_code=row["failure_code"],
        failure_message=row["failure_message"],
        submit_failures=row["submit_failures"],
        monitor_resubmits=row["monitor_resubmits"],
        progress_published_at=row["progress_published_at"],
        finished_at=row["finished_at"],
        open_pairs=open_pairs,
        waves=[
            Wave(
                wave=w["wave"],
                pairs_planned=w["pairs_planned"],
                completed=w["completed_at"] is not None,
                reliability=w["reliability"],
                ssr=w["ssr"],
            )
            for w in wave_rows
        ],
    )


def _header_value(value: object) -> object:
    # The enums of the aggregate are stored as their text.
    return value.value if isinstance(value, CJJobState) else value


class SqlJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: Job) -> bool:
        values = {
            "id": job.id,
            "batch_id": job.batch_id,
            "request_id": job.request_id,
            "user_id": job.user_id,
            "correlation_id": job.correlation_id,
            "assignment_id": job.assignment_id,
            "course_code": job.course_code,
            "language": job.language,
            "grade_scale": job.grade_scale,
            "state": job.state.value,
            "llm_settings": job.llm.model_dump(mode="json"),
            "budget": job.budget.model_dump(mode="json"),
            "seed": job.seed,
            "redact_names": job.redact_names,
        }
        statement = pg_insert(jobs).values(**values).on_conflict_do_nothing().returning(jobs.c.id)
        return (await self._session.execute(statement)).first() is not None

    async def get(self, job_id: uuid.UUID, *, lock: bool = False, skip_locked: bool = False) -> Job | None:
        statement = select(jobs).where(jobs.c.id == job_id)
        if lock:
            statement = statement.with_for_update(skip_locked=skip_locked)
        row = (await self._session.execute(statement)).mappings().first()
        if row is None:
            return None
        # A count of the open ones, not the rows: every callback asks, and a 2,000-essay wave has 2,000.
        open_pairs = await self._scalar(
            select(func.count()).where(comparisons.c.job_id == job_id, comparisons.c.status == PairStatus.PLANNED)
        )
        wave_rows = (
            (await self._session.execute(select(*_WAVE_COLUMNS).where(waves.c.job_id == job_id).order_by(waves.c.wave)))
            .mappings()
            .all()
        )
        return _job(row, open_pairs, wave_rows)

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        # The job rows first, like every other writer (callbacks, submitter, monitor): no lock-order deadlock.
        job_ids = select(jobs.c.id).where(jobs.c.batch_id == batch_id)
        locked = list((await self._session.execute(job_ids.with_for_update())).scalars())
        if not locked:
            return 0
        # Comparisons reference waves without a cascade; essays and waves go with their job.
        await self._session.execute(delete(comparisons).where(comparisons.c.job_id.in_(locked)))
        await self._session.execute(delete(jobs).where(jobs.c.id.in_(locked)))
        return len(locked)

    async def jobs_of_batch(self, batch_id: uuid.UUID) -> list[uuid.UUID]:
        statement = select(jobs.c.id).where(jobs.c.batch_id == batch_id).order_by(jobs.c.created_at)
        return list((await self._session.execute(statement)).scalars())

    async def erase_essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> ErasedRows:
        c = comparisons.c
        wanted = list(essay_ids)
        pairs = await self._session.execute(
            delete(comparisons)
            .where(c.job_id == job_id, or_(c.essay_a_id.in_(wanted), c.essay_b_id.in_(wanted)))
            .returning(c.pair_id)
        )
        essays = await self._session.execute(
            delete(job_essays)
            .where(job_essays.c.job_id == job_id, job_essays.c.essay_id.in_(wanted))
            .returning(job_essays.c.essay_id)
        )
        # The teachers' verdicts on the essays go with them (a reason may describe the essay), and so do the
        # LLM's asked for moderation (a verdict on the essay, like its comparisons).
        for table in (moderation_verdicts, moderation_llm_comparisons):
            await self._session.execute(
                delete(table).where(
                    table.c.job_id == job_id,
                    or_(table.c.first_essay_id.in_(wanted), table.c.second_essay_id.in_(wanted)),
                )
            )
        await self._session.execute(update(waves).where(waves.c.job_id == job_id).values(theta=null()))
        return ErasedRows(essays=len(essays.all()), comparisons=len(pairs.all()))

    async def finished_before(self, cutoff: datetime, limit: int, *, unpurged_only: bool) -> list[uuid.UUID]:
        statement = (
            select(jobs.c.id)
            .where(
                jobs.c.state.in_([CJJobState.COMPLETED.value, CJJobState.FAILED.value]),
                jobs.c.finished_at < cutoff,
            )
            .order_by(jobs.c.finished_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if unpurged_only:
            statement = statement.where(jobs.c.purged_at.is_(None))
        return list((await self._session.execute(statement)).scalars())

    async def student_grades(self, job_id: uuid.UUID) -> list[str | None]:
        e = job_essays.c
        statement = select(e.grade).where(e.job_id == job_id, e.is_anchor.is_(False))
        return list((await self._session.execute(statement)).scalars())

    async def purge(self, job_id: uuid.UUID, aggregates: JobAggregates, purged_at: datetime) -> ErasedRows:
        pairs = await self._session.execute(
            delete(comparisons).where(comparisons.c.job_id == job_id).returning(comparisons.c.pair_id)
        )
        essays = await self._session.execute(
            delete(job_essays).where(job_essays.c.job_id == job_id).returning(job_essays.c.essay_id)
        )
        # The moderators go too: nothing is left to moderate, and their labels are colleagues' emails.
        for table in (moderation_verdicts, moderation_llm_comparisons, job_moderators):
            await self._session.execute(delete(table).where(table.c.job_id == job_id))
        await self._session.execute(update(waves).where(waves.c.job_id == job_id).values(theta=null()))
        await self._session.execute(
            update(jobs).where(jobs.c.id == job_id).values(purged_at=purged_at, aggregates=aggregates.to_json())
        )
        return ErasedRows(essays=len(essays.all()), comparisons=len(pairs.all()))

    async def delete_jobs(self, job_ids: Sequence[uuid.UUID]) -> ErasedRows:
        wanted = list(job_ids)
        if not wanted:
            return ErasedRows()
        essays = await self._scalar(select(func.count()).where(job_essays.c.job_id.in_(wanted)))
        pairs = await self._session.execute(
            delete(comparisons).where(comparisons.c.job_id.in_(wanted)).returning(comparisons.c.pair_id)
        )
        # Essays and waves go with their job (cascade).
        await self._session.execute(delete(jobs).where(jobs.c.id.in_(wanted)))
        return ErasedRows(essays=essays, comparisons=len(pairs.all()))

    async def aggregates(self, job_id: uuid.UUID) -> JobAggregates | None:
        statement = select(jobs.c.aggregates).where(jobs.c.id == job_id, jobs.c.purged_at.is_not(None))
        data = (await self._session.execute(statement)).scalar_one_or_none()
        return None if data is None else JobAggregates.from_json(data)

    async def job_of_request(self, request_id: str) -> uuid.UUID | None:
        statement = select(comparisons.c.job_id).where(comparisons.c.request_id == request_id)
        found: uuid.UUID | None = (await self._session.execute(statement)).scalar_one_or_none()
        return found

    async def pair(self, job: Job, request_id: str) -> Pair | None:
        await self.save(job)
        statement = select(comparisons).where(comparisons.c.request_id == request_id, comparisons.c.job_id == job.id)
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _pair(row)

    async def load_counts(self, job: Job) -> None:
        await self.save(job)
        c = comparisons.c
        pairs = (
            await self._session.execute(
                select(func.count(), func.count().filter(c.status == PairStatus.DONE)).where(c.job_id == job.id)
            )
        ).one()
        e = job_essays.c
        essays = (
            await self._session.execute(
                select(func.count(), func.count().filter(e.is_anchor)).where(e.job_id == job.id)
            )
        ).one()
        job.counts = JobCounts(items=essays[0], anchors=essays[1], planned=pairs[0], done=pairs[1])

    async def load_essays(self, job: Job) -> None:
        await self.save(job)
        statement = (
            select(*(job_essays.c[name] for name in ESSAY_COLUMNS))
            .where(job_essays.c.job_id == job.id)
            .order_by(job_essays.c.item_index)
        )
        rows = (await self._session.execute(statement)).mappings().all()
        job.essays = [JobEssay(**row) for row in rows]

    async def load_pairs(self, job: Job) -> None:
        await self.save(job)
        statement = select(comparisons).where(comparisons.c.job_id == job.id).order_by(*_PLANNING_ORDER)
        job.pairs = [_pair(row) for row in (await self._session.execute(statement)).mappings()]

    async def load_thetas(self, job: Job) -> None:
        await self.save(job)
        statement = select(waves.c.wave, waves.c.theta).where(waves.c.job_id == job.id, waves.c.theta.is_not(None))
        thetas = {row.wave: row.theta for row in await self._session.execute(statement)}
        for wave in job.waves:
            wave.theta = thetas.get(wave.wave, wave.theta)

    async def unacknowledged_pairs(self, job: Job, limit: int) -> list[Pair]:
        await self.save(job)
        c = comparisons.c
        statement = (
            select(comparisons)
            .where(c.job_id == job.id, c.status == PairStatus.PLANNED, c.acknowledged_at.is_(None))
            .order_by(*_PLANNING_ORDER)
            .limit(limit)
        )
        return [_pair(row) for row in (await self._session.execute(statement)).mappings()]

    async def save(self, job: Job) -> None:
        changes = job.changes
        if changes.header:
            values = {name: _header_value(value) for name, value in changes.header.items()}
            await self._session.execute(update(jobs).where(jobs.c.id == job.id).values(**values))
        if changes.new_essays:
            essay_rows = [
                {"job_id": job.id, **{name: getattr(e, name) for name in ESSAY_COLUMNS}} for e in changes.new_essays
            ]
            await self._session.execute(insert(job_essays), essay_rows)
        await self._save_waves(job.id, changes)
        await self._save_pairs(job.id, changes)
        if changes.results:
            await self._session.execute(
                update(job_essays)
                .where(job_essays.c.job_id == job.id, job_essays.c.essay_id == bindparam("result_essay_id"))
                .values({name: bindparam(f"result_{name}") for name in _RESULT_FIELDS}),
                [
                    {"result_essay_id": r.essay_id, **{f"result_{name}": getattr(r, name) for name in _RESULT_FIELDS}}
                    for r in changes.results
                ],
            )
        # The events stay: the service layer sends them through the outbox.
        job.changes = JobChanges(events=changes.events)

    async def _save_waves(self, job_id: uuid.UUID, changes: JobChanges) -> None:
        for wave in changes.new_waves:
            await self._session.execute(
                insert(waves).values(job_id=job_id, wave=wave.wave, pairs_planned=wave.pairs_planned)
            )
        for wave in changes.closed_waves:
            await self._session.execute(
                update(waves)
                .where(and_(waves.c.job_id == job_id, waves.c.wave == wave.wave))
                .values(completed_at=func.now(), reliability=wave.reliability, ssr=wave.ssr, theta=wave.theta)
            )

    async def _save_pairs(self, job_id: uuid.UUID, changes: JobChanges) -> None:
        session = self._session
        if changes.new_pairs:
            rows = [
                {name: getattr(p, name) for name in _PAIR_FIELDS} | {"status": p.status.value, "acknowledged_at": None}
                for p in changes.new_pairs
            ]
            await session.execute(insert(comparisons), rows)
        for pair in changes.answered_pairs:
            values = {name: getattr(pair, name) for name in _ANSWER_FIELDS} | {"status": pair.status.value}
            await session.execute(update(comparisons).where(comparisons.c.pair_id == pair.pair_id).values(**values))
        for request_id, queue_id in changes.acknowledged.items():
            await session.execute(
                update(comparisons)
                .where(comparisons.c.request_id == request_id, comparisons.c.acknowledged_at.is_(None))
                .values(acknowledged_at=func.now(), queue_id=queue_id)
            )
        if changes.abandon_open_pairs:
            await session.execute(
                update(comparisons)
                .where(comparisons.c.job_id == job_id, comparisons.c.status == PairStatus.PLANNED)
                .values(status=PairStatus.ABANDONED.value)
            )

    async def jobs_with_unsubmitted_pairs(self, now: datetime, limit: int) -> list[uuid.UUID]:
        c = comparisons.c
        statement = (
            select(jobs.c.id)
            .where(
                jobs.c.state == CJJobState.COMPARING.value,
                jobs.c.next_submit_at <= now,
                select(c.pair_id)
                .where(c.job_id == jobs.c.id, c.status == PairStatus.PLANNED, c.acknowledged_at.is_(None))
                .exists(),
            )
            .order_by(jobs.c.next_submit_at)
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())

    async def idle_comparing_jobs(self, idle_before: datetime, limit: int) -> list[uuid.UUID]:
        statement = (
            select(jobs.c.id)
            .where(jobs.c.state == CJJobState.COMPARING.value, jobs.c.last_activity_at < idle_before)
            .order_by(jobs.c.last_activity_at)
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())

    async def count_by_state(self) -> dict[str, int]:
        statement = select(jobs.c.state, func.count()).group_by(jobs.c.state)
        return {state: int(count) for state, count in (await self._session.execute(statement)).all()}

    async def active_progress(self) -> list[ActiveProgress]:
        done = (
            select(func.count())
            .where(comparisons.c.job_id == jobs.c.id, comparisons.c.status == PairStatus.DONE)
            .scalar_subquery()
        )
        items = select(func.count()).where(job_essays.c.job_id == jobs.c.id).scalar_subquery()
        statement = select(jobs.c.id, jobs.c.budget, done.label("done"), items.label("items")).where(
            jobs.c.state == CJJobState.COMPARING.value
        )
        return [
            ActiveProgress(row.id, AssessmentBudget.model_validate(row.budget), int(row.done), int(row.items))
            for row in await self._session.execute(statement)
        ]

    async def active_ages(self) -> list[ActiveJob]:
        statement = select(jobs.c.state, jobs.c.created_at, jobs.c.last_activity_at).where(
            jobs.c.state.in_([state.value for state in ACTIVE])
        )
        return [
            ActiveJob(row.state, row.created_at, row.last_activity_at) for row in await self._session.execute(statement)
        ]

    async def anchor_flags(self, job_id: uuid.UUID) -> dict[uuid.UUID, bool]:
        statement = select(job_essays.c.essay_id, job_essays.c.is_anchor).where(job_essays.c.job_id == job_id)
        return {row.essay_id: row.is_anchor for row in await self._session.execute(statement)}

    async def pairs_of_essay(self, job_id: uuid.UUID, essay_id: uuid.UUID) -> list[Pair]:
        c = comparisons.c
        statement = (
            select(comparisons)
            .where(c.job_id == job_id, or_(c.essay_a_id == essay_id, c.essay_b_id == essay_id))
            .order_by(*_PLANNING_ORDER)
        )
        return [_pair(row) for row in (await self._session.execute(statement)).mappings()]

    async def page_pairs(self, job_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Pair]]:
        total = await self._scalar(select(func.count()).where(comparisons.c.job_id == job_id))
        statement = (
            select(comparisons)
            .where(comparisons.c.job_id == job_id)
            .order_by(*_PLANNING_ORDER)
            .limit(limit)
            .offset(offset)
        )
        return total, [_pair(row) for row in (await self._session.execute(statement)).mappings()]

    async def _scalar(self, statement: Any) -> int:
        return int((await self._session.execute(statement)).scalar_one())
