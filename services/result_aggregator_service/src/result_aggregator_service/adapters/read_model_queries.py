"""The internal queries, answered from RAS's own tables as common_core response models.

Every query filters by the owning user in SQL, so another teacher's batch is simply not found
(ARCHITECTURE §4: the owner of the data enforces ownership). The status stored on the batch row
was mapped once by the fold; it is passed through here untouched.

Reads run on an autocommit connection (no BEGIN/COMMIT round trips) with as few statements as
each answer needs: one for a page with its total, one for a batch with its current job, essays
and results. The history's statements may straddle a fold; each still shows complete results of
a job, because a job's results are replaced in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Join, Select, Text, and_, bindparam, cast, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from common_core.http.result_aggregator import (
    AssessmentJobView,
    BatchDetailResponse,
    BatchEssay,
    BatchHistoryResponse,
    BatchListItem,
    BatchListResponse,
    EssayResultView,
    FailureView,
    GradeCutPointView,
    JobResults,
    ModelUsedView,
    ResultSummary,
    SpendTotals,
    UsageView,
    UserSummaryResponse,
)
from common_core.llm import LLMProvider
from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.adapters.tables import assessment_jobs, batches, essay_results, essays
from result_aggregator_service.domain.folding import client_status, displayed_progress, in_scale_order

_LIKE_ESCAPE = "\\"

_current_job = assessment_jobs.alias("current_job")
# The payload blobs are kept for completeness, never read by a query: decoding them costs time.
_UNREAD = {"completed_payload", "result_payload", "published"}
_JOB_COLUMNS = [c for c in assessment_jobs.c if c.name not in _UNREAD]
_RESULT_COLUMNS = [c for c in essay_results.c if c.name not in _UNREAD]
# Read as JSON text and decoded only into a job view: the detail statement repeats the job's columns on
# every essay's row and the list shows no job at all, so decoding them per row would be wasted.
_DECODED_BY_THE_VIEW = {"grade_cut_points"}
_CUT_POINTS = TypeAdapter(list[GradeCutPointView])


def _job_column(column: ColumnElement[Any], label: str) -> ColumnElement[Any]:
    if column.name in _DECODED_BY_THE_VIEW:
        return cast(column, Text).label(label)  # a SQL cast: the driver would decode JSONB itself
    return column.label(label)


_list_columns: tuple[Any, ...] = (
    batches,
    *(_job_column(_current_job.c[c.name], f"job_{c.name}") for c in _JOB_COLUMNS),
)


def _escape_like(text: str) -> str:
    return text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def _batch_with_current_job() -> Join:
    return batches.outerjoin(
        _current_job,
        and_(_current_job.c.batch_id == batches.c.batch_id, _current_job.c.job_id == batches.c.current_job_id),
    )


def _batch_select() -> Select[Any]:
    return select(*_list_columns).select_from(_batch_with_current_job())


def _list_item(row: Mapping[Any, Any]) -> BatchListItem:
    status = BatchStatus(row["status"])
    summary = None
    if row["job_grade_distribution"] is not None and row["job_grade_scale"] is not None:
        summary = ResultSummary(
            grade_scale=row["job_grade_scale"],
            grade_distribution=in_scale_order(row["job_grade_scale"], row["job_grade_distribution"]),
            reliability_ssr=row["job_result_reliability_ssr"],
            reliability=row["job_result_reliability"],
            partial=row["job_forced_recovery"],
        )
    return BatchListItem(
        batch_id=row["batch_id"],
        title=row["title"],
        course_code=row["course_code"],
        class_id=row["class_id"],
        assignment_id=row["assignment_id"],
        status=status,
        essay_count=row["essay_count"],
        progress_percentage=displayed_progress(status, row["job_progress_percentage"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
        result_summary=summary,
    )


def _job_view(job: Mapping[Any, Any]) -> AssessmentJobView:
    state = CJJobState(job["state"])
    failure = None
    if job["failure_code"] is not None:
        failure = FailureView(code=job["failure_code"], message=job["failure_message"])
    model_used = None
    if job["model_provider"] is not None:
        model_used = ModelUsedView(provider=LLMProvider(job["model_provider"]), model=job["model_name"])
    ssr, reliability = job["result_reliability_ssr"], job["result_reliability"]
    return AssessmentJobView(
        job_id=None if job["request_failure"] else job["job_id"],
        state=state,
        status=client_status(state),
        started_at=job["started_at"],
        wave=job["wave"],
        comparisons_done=job["comparisons_done"],
        comparisons_planned=job["comparisons_planned"],
        progress_percentage=job["progress_percentage"],
        reliability_ssr=ssr if ssr is not None else job["progress_reliability_ssr"],
        reliability=reliability if reliability is not None else job["progress_reliability"],
        completed_at=job["completed_at"],
        duration_seconds=job["duration_seconds"],
        essays_assessed=job["essays_assessed"],
        anchors_used=job["anchors_used"],
        comparisons_completed=job["comparisons_completed"],
        comparisons_failed=job["comparisons_failed"],
        failure=failure,
        grade_scale=job["grade_scale"],
        model_used=model_used,
        stop_reason=job["stop_reason"],
        stop_detail=job["stop_detail"],
        position_bias=job["position_bias"],
        position_bias_se=job["position_bias_se"],
        partial=job["forced_recovery"],
        partial_reason=job["stop_detail"] if job["forced_recovery"] else None,
        grade_projection_note=job["grade_projection_note"],
        usage=_usage_view(job),
        grade_cut_points=_CUT_POINTS.validate_json(job["grade_cut_points"]),
    )


def _usage_view(job: Mapping[Any, Any]) -> UsageView | None:
    if job["llm_calls"] is None:
        return None  # the job has not ended, or its events predate usage
    return UsageView(
        llm_calls=job["llm_calls"],
        input_tokens=job["input_tokens"],
        output_tokens=job["output_tokens"],
        cost_usd=job["cost_usd"],
        unreported=job["usage_unreported"],
    )


def _current_job_of(row: Mapping[Any, Any]) -> AssessmentJobView | None:
    job = {c.name: row[f"job_{c.name}"] for c in _JOB_COLUMNS}
    return _job_view(job) if job["job_id"] is not None else None


def _result_view(row: Mapping[Any, Any], prefix: str = "") -> EssayResultView:
    return EssayResultView(
        essay_id=row[prefix + "essay_id"],
        is_anchor=row[prefix + "is_anchor"],
        rank=row[prefix + "rank"],
        bt_score=row[prefix + "bt_score"],
        standard_error=row[prefix + "standard_error"],
        normalized_score=row[prefix + "normalized_score"],
        grade=row[prefix + "grade"],
        grade_probabilities=row[prefix + "grade_probabilities"],
        confidence=row[prefix + "confidence"],
        confidence_label=row[prefix + "confidence_label"],
        comparison_count=row[prefix + "comparison_count"],
        known_grade=row[prefix + "known_grade"],
        anchor_label=row[prefix + "anchor_label"],
        anchor_inconsistent=row[prefix + "anchor_inconsistent"],
    )


def _batch_detail_select() -> Select[Any]:
    """The owned batch, its current job, and one row per essay with its current result, in one statement.

    The essays come from a LATERAL full outer join of the uploaded essays and the current job's
    results, so anchors (never uploaded here) are included. Sorted by rank; essays without a result
    follow, by file name. No row at all: not this user's batch. Parameters: batch_id, user_id.
    """
    uploaded = (
        select(essays.c.essay_id, essays.c.filename, essays.c.word_count, essays.c.uploaded_at)
        .where(essays.c.batch_id == batches.c.batch_id)
        .correlate(batches)
        .subquery("uploaded")
    )
    results = (
        select(*_RESULT_COLUMNS)
        .where(essay_results.c.batch_id == batches.c.batch_id, essay_results.c.job_id == batches.c.current_job_id)
        .correlate(batches)
        .subquery("results")
    )
    per_essay = (
        select(
            uploaded.c.essay_id.label("uploaded_id"),
            uploaded.c.filename,
            uploaded.c.word_count,
            uploaded.c.uploaded_at,
            *(results.c[c.name].label(f"r_{c.name}") for c in _RESULT_COLUMNS),
        )
        .select_from(uploaded.outerjoin(results, results.c.essay_id == uploaded.c.essay_id, full=True))
        .correlate(batches)
        .lateral("per_essay")
    )
    return (
        select(*_list_columns, *per_essay.c)
        .select_from(_batch_with_current_job().outerjoin(per_essay, true()))
        .where(batches.c.batch_id == bindparam("batch_id"), batches.c.user_id == bindparam("user_id"))
        .order_by(per_essay.c.r_rank.asc().nulls_last(), per_essay.c.filename, per_essay.c.uploaded_id)
    )


def _list_statements(by_status: bool, by_title: bool) -> tuple[Select[Any], Select[Any]]:
    """A page (with its total in every row) and a bare count, for one combination of filters.

    Parameters: user_id, limit, offset, and statuses / title_pattern when filtered by them.
    """
    conditions = [batches.c.user_id == bindparam("user_id")]
    if by_status:
        conditions.append(batches.c.status.in_(bindparam("statuses", expanding=True)))
    if by_title:
        conditions.append(batches.c.title.ilike(bindparam("title_pattern"), escape=_LIKE_ESCAPE))
    page = (
        _batch_select()
        .add_columns(func.count().over().label("total_count"))
        .where(*conditions)
        .order_by(batches.c.created_at.desc(), batches.c.batch_id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return page, select(func.count()).select_from(batches).where(*conditions)


# Built once: SQLAlchemy then reuses their cache keys and compiled forms on every request (building
# the statements per request was the largest CPU cost of a query before).
_LIST_STATEMENTS = {(s, t): _list_statements(s, t) for s in (False, True) for t in (False, True)}
_BATCH_DETAIL = _batch_detail_select()


def _spend_select() -> Select[Any]:
    """Every assessment of the teacher's batches that ended since ``since``: completed and failed both cost.

    Parameters: user_id, since.
    """
    jobs = assessment_jobs.c
    return (
        select(
            func.count().label("assessments"),
            func.coalesce(func.sum(jobs.llm_calls), 0).label("llm_calls"),
            func.coalesce(func.sum(jobs.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(jobs.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(jobs.cost_usd), 0.0).label("cost_usd"),
            func.count().filter(jobs.llm_calls.is_(None)).label("without_usage"),
        )
        .select_from(batches.join(assessment_jobs, jobs.batch_id == batches.c.batch_id))
        .where(batches.c.user_id == bindparam("user_id"), jobs.finished_at >= bindparam("since"))
    )


_SPEND = _spend_select()


def _spend(row: Any) -> SpendTotals:
    return SpendTotals(
        assessments=int(row.assessments),
        llm_calls=int(row.llm_calls),
        input_tokens=int(row.input_tokens),
        output_tokens=int(row.output_tokens),
        cost_usd=float(row.cost_usd),
        assessments_without_usage=int(row.without_usage),
    )


def _batch_essay(row: Mapping[Any, Any]) -> BatchEssay:
    result = _result_view(row, "r_") if row["r_essay_id"] is not None else None
    return BatchEssay(
        essay_id=row["uploaded_id"] if row["uploaded_id"] is not None else row["r_essay_id"],
        is_anchor=result.is_anchor if result is not None else False,
        filename=row["filename"],
        anchor_label=result.anchor_label if result is not None else None,
        word_count=row["word_count"],
        uploaded_at=row["uploaded_at"],
        result=result,
    )


class ReadModelQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    async def list_batches(
        self, user_id: str, *, statuses: Sequence[BatchStatus], title_query: str | None, limit: int, offset: int
    ) -> BatchListResponse:
        params: dict[str, Any] = {"user_id": user_id, "limit": limit, "offset": offset}
        if statuses:
            params["statuses"] = [s.value for s in statuses]
        if title_query:
            params["title_pattern"] = f"%{_escape_like(title_query)}%"
        page, count = _LIST_STATEMENTS[(bool(statuses), bool(title_query))]
        async with self._read() as connection:
            rows = (await connection.execute(page, params)).all()
            if rows:
                total = int(rows[0].total_count)
            elif offset == 0:
                total = 0
            else:  # a page past the end still reports how many there are
                total = int(await connection.scalar(count, params) or 0)
        return BatchListResponse(
            items=[_list_item(row._mapping) for row in rows], total=total, limit=limit, offset=offset
        )

    async def batch_detail(self, batch_id: uuid.UUID, user_id: str) -> BatchDetailResponse | None:
        async with self._read() as connection:
            rows = (
                (await connection.execute(_BATCH_DETAIL, {"batch_id": batch_id, "user_id": user_id})).mappings().all()
            )
        if not rows:
            return None
        essays_view = [_batch_essay(row) for row in rows if row["uploaded_id"] is not None or row["r_essay_id"]]
        return BatchDetailResponse(batch=_list_item(rows[0]), current_job=_current_job_of(rows[0]), essays=essays_view)

    async def batch_history(self, batch_id: uuid.UUID, user_id: str) -> BatchHistoryResponse | None:
        async with self._read() as connection:
            owned = select(batches.c.current_job_id).where(batches.c.batch_id == batch_id, batches.c.user_id == user_id)
            batch = (await connection.execute(owned)).one_or_none()
            if batch is None:
                return None
            earlier = (
                select(*(_job_column(c, c.name) for c in _JOB_COLUMNS))
                .where(
                    assessment_jobs.c.batch_id == batch_id,
                    assessment_jobs.c.job_id != batch.current_job_id if batch.current_job_id is not None else true(),
                )
                .order_by(assessment_jobs.c.started_at.desc(), assessment_jobs.c.job_id.desc())
            )
            job_rows = (await connection.execute(earlier)).all()
            result_rows = (
                await connection.execute(
                    select(*_RESULT_COLUMNS)
                    .where(
                        essay_results.c.batch_id == batch_id,
                        essay_results.c.job_id.in_([row.job_id for row in job_rows]),
                    )
                    .order_by(essay_results.c.rank)
                )
            ).all()
        by_job: dict[uuid.UUID, list[EssayResultView]] = {row.job_id: [] for row in job_rows}
        for row in result_rows:
            by_job[row.job_id].append(_result_view(row._mapping))
        return BatchHistoryResponse(
            batch_id=batch_id,
            current_job_id=batch.current_job_id,
            jobs=[JobResults(job=_job_view(row._mapping), results=by_job[row.job_id]) for row in job_rows],
        )

    async def user_summary(self, user_id: str, term_start: datetime, month_start: datetime) -> UserSummaryResponse:
        by_status = (
            select(batches.c.status, func.count()).where(batches.c.user_id == user_id).group_by(batches.c.status)
        )
        assessed = (
            select(func.coalesce(func.sum(assessment_jobs.c.essays_assessed), 0))
            .select_from(
                batches.join(
                    assessment_jobs,
                    and_(
                        assessment_jobs.c.batch_id == batches.c.batch_id,
                        assessment_jobs.c.job_id == batches.c.current_job_id,
                    ),
                )
            )
            .where(
                batches.c.user_id == user_id,
                batches.c.status == BatchStatus.COMPLETED.value,
                batches.c.completed_at >= term_start,
            )
        )
        async with self._read() as connection:
            counted = {BatchStatus(status): n for status, n in (await connection.execute(by_status)).all()}
            essays_assessed = await connection.scalar(assessed)
            spend_month = (await connection.execute(_SPEND, {"user_id": user_id, "since": month_start})).one()
            spend_term = (await connection.execute(_SPEND, {"user_id": user_id, "since": term_start})).one()
        counts = {status: counted.get(status, 0) for status in BatchStatus}
        return UserSummaryResponse(
            user_id=user_id,
            total_batches=sum(counts.values()),
            counts_by_status=counts,
            term_start=term_start,
            essays_assessed_this_term=int(essays_assessed or 0),
            month_start=month_start,
            spend_this_month=_spend(spend_month),
            spend_this_term=_spend(spend_term),
        )
