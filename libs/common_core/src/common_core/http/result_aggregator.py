"""The result aggregator's internal queries (ARCHITECTURE §1): the read model of batches and results.

Callers are the teacher BFF and the API gateway. ``status`` is the client-facing
:class:`~common_core.status.BatchStatus`, mapped once inside RAS; callers pass it through untouched
(PITFALLS: status mapped twice). Every timestamp is timezone-aware. The teacher is ``X-User-ID``: a
``{user_id}`` in the path must be that teacher, and anything not theirs is a 404.

- ``GET /internal/v1/users/{user_id}/batches?limit&offset&status&q`` -> :class:`BatchListResponse`
- ``GET /internal/v1/batches/{batch_id}`` -> :class:`BatchDetailResponse`
- ``GET /internal/v1/batches/{batch_id}/history`` -> :class:`BatchHistoryResponse`
- ``GET /internal/v1/users/{user_id}/summary`` -> :class:`UserSummaryResponse`
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common_core.fields import GradeConfidence, GradeCutSource, Probability
from common_core.llm import LLMProvider
from common_core.status import BatchStatus, CJJobState

MAX_PAGE_SIZE = 100


class _Response(BaseModel):
    # Responses ignore unknown fields, so RAS can add a field without breaking an older caller.
    model_config = ConfigDict(frozen=True, extra="ignore")


class ResultSummary(_Response):
    """A short summary of the current job's results, for list rows."""

    grade_scale: str
    grade_distribution: dict[str, int] = Field(
        description="Grade -> number of student essays (anchors excluded); every grade of the scale, lowest first."
    )
    reliability_ssr: Probability | None = Field(
        default=None, description="Scale separation reliability, 0-1; reported only (adaptive pairing inflates it)."
    )
    reliability: Probability | None = Field(
        default=None,
        description="The results' marginal-likelihood reliability, 0-1: the uninflated one the stopping rule reads. "
        "None if an essay got fewer than the minimum comparisons, or from a publisher that predates the field.",
    )
    partial: bool = Field(
        default=False,
        description="True when the results are partial: the stuck-job monitor finished the job with answers missing.",
    )


class BatchListItem(_Response):
    batch_id: UUID
    title: str
    course_code: str
    class_id: UUID | None
    assignment_id: UUID | None
    status: BatchStatus
    essay_count: int = Field(ge=0, description="Essays uploaded to the batch (anchors are not counted).")
    progress_percentage: float = Field(ge=0.0, le=100.0, description="Of the current assessment; 100 once completed.")
    created_at: AwareDatetime
    updated_at: AwareDatetime = Field(description="When the latest event about this batch happened.")
    completed_at: AwareDatetime | None
    result_summary: ResultSummary | None = Field(description="None until the current assessment has results.")


class BatchListResponse(_Response):
    """One page of a teacher's batches, newest first."""

    items: list[BatchListItem]
    total: int = Field(ge=0, description="Batches matching the filters, on every page.")
    limit: int = Field(ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(ge=0)


class FailureView(_Response):
    code: str
    message: str = Field(description="A reason a teacher can read.")


class ModelUsedView(_Response):
    provider: LLMProvider
    model: str


class UsageView(_Response):
    """What a job's comparisons cost; each figure None when unknown (never 0 for unknown)."""

    llm_calls: int | None = Field(ge=0, description="Provider calls; a serial-bundle call answers several pairs.")
    input_tokens: int | None = Field(ge=0)
    output_tokens: int | None = Field(ge=0)
    cost_usd: float | None = Field(ge=0.0, description="0 for the offline mock judge.")
    unreported: int | None = Field(
        ge=0, description="Answered comparisons whose provider reported no usage: the totals leave them out."
    )


class GradeCutPointView(_Response):
    """The boundary between two adjacent grades, on the same scale as the results' bt_score."""

    lower_grade: str
    upper_grade: str = Field(description="The grade one step above lower_grade.")
    bt_score: float = Field(
        description="Where the grade changes (logit scale, centred like EssayResultView.bt_score): an essay scored "
        "exactly here is as likely to be at or below lower_grade as at or above upper_grade."
    )
    boundary_sd: float = Field(
        ge=0.0,
        description="How uncertain the boundary's own position is, as an SD in logits: 0 where anchors on both "
        "sides pin it, larger the further it lies from anchored grades.",
    )
    source: GradeCutSource


class AssessmentJobView(_Response):
    """One CJ assessment of the batch, as far as its events have told."""

    job_id: UUID | None = Field(description="None for a request that failed before CJ created a job.")
    state: CJJobState
    status: BatchStatus = Field(description="The client-facing status this job gives its batch.")
    started_at: AwareDatetime = Field(description="The earliest event seen for this job.")
    wave: int | None
    comparisons_done: int | None = Field(description="Actual comparisons with a verdict, from the latest progress.")
    comparisons_planned: int | None
    progress_percentage: float | None
    reliability_ssr: Probability | None = Field(
        description="The results' SSR, else the latest progress SSR; reported only (adaptive pairing inflates it)."
    )
    reliability: Probability | None = Field(
        default=None,
        description="The results' marginal-likelihood reliability, else the latest progress one: the uninflated "
        "one the stopping rule reads. None until every essay has the minimum comparisons, or from a publisher "
        "that predates the field.",
    )
    completed_at: AwareDatetime | None
    duration_seconds: float | None
    essays_assessed: int | None
    anchors_used: int | None
    comparisons_completed: int | None
    comparisons_failed: int | None
    failure: FailureView | None
    grade_scale: str | None
    model_used: ModelUsedView | None
    stop_reason: str | None = Field(default=None, description='e.g. "reliability_reached", "budget_exhausted".')
    stop_detail: str | None = Field(default=None, description="The stop reason in words.")
    position_bias: float | None = Field(
        default=None, description="Estimated log-odds that the essay shown first wins (0 = no bias)."
    )
    position_bias_se: float | None = Field(default=None, description="Standard error of position_bias.")
    partial: bool = Field(
        default=False,
        description="True when the results are partial: the stuck-job monitor finished the job with answers missing.",
    )
    partial_reason: str | None = Field(default=None, description="Why the results are partial, in words.")
    grade_projection_note: str | None = Field(
        default=None, description="Why grades are missing or which anchors to check, in words; None when all is well."
    )
    usage: UsageView | None = Field(default=None, description="None until the job has ended (or from older events).")
    grade_cut_points: list[GradeCutPointView] = Field(
        default_factory=list,
        description="The grade bands' boundaries, lowest first, for a scale chart beside the essays' bt_score; "
        "empty until the job has results, when grades could not be projected, or from older events.",
    )


class EssayResultView(_Response):
    """Everything CJ published about one essay (or anchor) in one job."""

    essay_id: UUID
    is_anchor: bool
    rank: int = Field(ge=1, description="1 is the best essay.")
    bt_score: float = Field(description="Bradley-Terry ability (logit scale, centred at 0).")
    standard_error: float = Field(gt=0.0)
    normalized_score: float = Field(ge=0.0, le=100.0, description="bt_score mapped to 0-100.")
    grade: str | None
    grade_probabilities: dict[str, Probability] = Field(description="Grade -> probability.")
    confidence: GradeConfidence
    confidence_label: Literal["high", "medium", "low"]
    comparison_count: int = Field(ge=0, description="Comparisons this essay actually took part in.")
    known_grade: str | None = Field(description="Anchors only: the grade the anchor is known to have.")
    anchor_label: str | None = Field(default=None, description="Anchors only: the anchor's label.")
    anchor_inconsistent: bool | None = Field(
        default=None,
        description="Anchors only: True when the projected grade is more than one step from the known grade.",
    )


class BatchEssay(_Response):
    """An uploaded essay with its current result, or an anchor that took part in the current job."""

    essay_id: UUID
    is_anchor: bool
    filename: str | None = Field(description="None for anchors, which were not uploaded to the batch.")
    anchor_label: str | None = Field(default=None, description="Anchors only: the label to show in place of a name.")
    word_count: int | None
    uploaded_at: AwareDatetime | None
    result: EssayResultView | None = Field(description="None until the current job has published results.")


class BatchDetailResponse(_Response):
    batch: BatchListItem
    current_job: AssessmentJobView | None
    essays: list[BatchEssay] = Field(description="Sorted by rank; essays without a result follow, by file name.")


class JobResults(_Response):
    job: AssessmentJobView
    results: list[EssayResultView] = Field(description="Sorted by rank.")


class BatchHistoryResponse(_Response):
    """The batch's earlier assessments (every job but the current one), newest first."""

    batch_id: UUID
    current_job_id: UUID | None
    jobs: list[JobResults]


class SpendTotals(_Response):
    """LLM use of the assessments (completed or failed) that ended in a period."""

    assessments: int = Field(ge=0)
    llm_calls: int = Field(ge=0)
    input_tokens: int = Field(ge=0)
    output_tokens: int = Field(ge=0)
    cost_usd: float = Field(ge=0.0)
    assessments_without_usage: int = Field(
        ge=0, description="Assessments whose usage is unknown (older events): the totals leave them out."
    )


class UserSummaryResponse(_Response):
    """The dashboard header: batches by status, the essays assessed this term, and what the LLM cost."""

    user_id: str
    total_batches: int = Field(ge=0)
    counts_by_status: dict[BatchStatus, int] = Field(description="Every status, zeros included.")
    term_start: AwareDatetime
    essays_assessed_this_term: int = Field(
        ge=0, description="Student essays in current assessments completed since term_start (anchors excluded)."
    )
    month_start: AwareDatetime | None = Field(default=None, description="The first day of this month, UTC.")
    spend_this_month: SpendTotals | None = Field(default=None, description="Assessments that ended since month_start.")
    spend_this_term: SpendTotals | None = Field(default=None, description="Assessments that ended since term_start.")


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    BatchListResponse,
    BatchDetailResponse,
    BatchHistoryResponse,
    UserSummaryResponse,
)
