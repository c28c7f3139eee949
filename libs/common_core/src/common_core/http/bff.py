"""The teacher BFF's views (``/bff/v1/teacher/...``, reached through the gateway): one call per screen.

Each view is composed from the owners' answers in parallel. A part the screen can do without
(class names, the model catalogue) that fails or times out is left empty and named in ``gaps``,
so the page renders with the rest; a core part that fails (RAS for the dashboard) fails the call.

- ``GET /bff/v1/teacher/new-batch/options`` -> :class:`NewBatchOptions`
- ``GET /bff/v1/teacher/dashboard`` -> :class:`TeacherDashboard`
- ``GET /bff/v1/teacher/batches/{batch_id}`` -> :class:`BatchResultsView`
- ``GET /bff/v1/teacher/batches/{batch_id}/essays/{essay_id}`` -> :class:`EssayDetailView`
- ``GET /bff/v1/teacher/batches/{batch_id}/events`` -> Server-Sent Events: ``state`` (:class:`LiveBatchState`),
  then ``progress`` (:class:`LiveBatchProgress`), ``completed`` (:class:`LiveBatchCompleted`) or ``failed``
  (:class:`LiveBatchFailed`), each event's ``data`` the model as JSON
- ``GET /bff/v1/teacher/grade-scales`` -> :class:`GradeScaleList`
- ``GET /bff/v1/teacher/assignments/{assignment_id}`` -> :class:`AssignmentPageView`
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common_core.fields import ComparisonConfidence, GradeConfidence, Probability
from common_core.http.cj_assessment import AnchorView, AssignmentSummary, AssignmentView
from common_core.http.class_management import ClassOut
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import (
    AssessmentJobView,
    BatchListItem,
    GradeCutPointView,
    UserSummaryResponse,
)
from common_core.status import BatchStatus

ViewPart = Literal[
    "classes",
    "assignments",
    "models",
    "class_names",
    "needs_action",
    "class_name",
    "student_names",
    "text",
    "comparisons",
    "anchors",
    "last_batch",
]
# Why an essay deserves a second look, for the teacher's eye rather than a verdict.
EssayFlag = Literal["not_assessed", "low_confidence", "few_comparisons", "no_confirmed_student"]
ActionReason = Literal["failed", "partial", "unconfirmed_matches", "not_started"]
ComparisonOutcome = Literal["won", "lost", "pending", "failed"]


class _View(BaseModel):
    # Responses tolerate fields added later (additive evolution).
    model_config = ConfigDict(frozen=True, extra="ignore")


class ViewGap(_View):
    """A part of the view that is missing because its owner failed or did not answer in time."""

    part: ViewPart
    reason: str = Field(description="Why, in words a teacher can read.")


class NewBatchOptions(_View):
    """What the new-batch wizard offers: the teacher's classes, usable assignments and the models."""

    classes: list[ClassOut] = Field(description="The teacher's classes; empty when `classes` is a gap.")
    assignments: list[AssignmentSummary] = Field(
        description="Assignments the teacher may use (their own and shared); empty when `assignments` is a gap."
    )
    model_catalogue: ModelCatalogue | None = Field(description="Providers, models and prices; None when a gap.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


class DashboardBatch(BatchListItem):
    class_name: str | None = Field(description="The batch's class by name; None without a class or names.")


class BatchNeedingAction(_View):
    """A batch waiting for the teacher: failed, partial results, student matches to confirm, or not started."""

    batch_id: UUID
    title: str | None = Field(description="None when the result aggregator has not listed the batch yet.")
    reason: ActionReason
    detail: str = Field(description='What to do, in English words, e.g. "12 essays uploaded; start the assessment".')
    # The facts ``detail`` is written from, so that a client can say it in the teacher's language.
    essay_count: int | None = Field(default=None, ge=0, description="not_started: essays uploaded.")
    class_name: str | None = Field(
        default=None, description="unconfirmed_matches: the class whose students to confirm."
    )
    suggested: int | None = Field(
        default=None, ge=0, description="unconfirmed_matches: essays with a suggested student."
    )
    unmatched: int | None = Field(default=None, ge=0, description="unconfirmed_matches: essays with no suggestion.")


class TeacherDashboard(_View):
    """The dashboard: the teacher's summary, batches needing action and most recent batches."""

    summary: UserSummaryResponse
    needs_action: list[BatchNeedingAction] = Field(
        default_factory=list,
        description="Failed first, then partial results (among the recent batches), then student names to "
        "confirm, then drafts with essays not started.",
    )
    recent_batches: list[DashboardBatch] = Field(description="Most recently created first.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


class EssayRow(_View):
    """One essay or anchor on the batch's scale, named for the teacher."""

    essay_id: UUID
    is_anchor: bool
    name: str = Field(description="The confirmed student's name, else the file name; an anchor's label for an anchor.")
    student_name: str | None = Field(description="The confirmed student match; None when unconfirmed or unknown.")
    filename: str | None = Field(description="None for anchors, which were not uploaded to the batch.")
    word_count: int | None
    rank: int | None = Field(
        ge=1,
        description="Among the batch's student essays, 1 the best; None until assessed, and for anchors "
        "(an anchor's place is its bt_score on the same scale).",
    )
    grade: str | None = Field(description="The most likely grade; None without results or anchors.")
    grade_probability: Probability | None = Field(description="The probability of `grade`.")
    grade_probabilities: dict[str, Probability] = Field(description="Grade -> probability; empty without grades.")
    bt_score: float | None = Field(description="Bradley-Terry ability (logit scale, centred at 0).")
    standard_error: float | None = Field(description="Standard error of bt_score.")
    normalized_score: float | None = Field(description="bt_score mapped to 0-100.")
    confidence: GradeConfidence | None
    confidence_label: Literal["high", "medium", "low"] | None
    comparison_count: int = Field(ge=0, description="Comparisons this essay took part in; 0 before results.")
    known_grade: str | None = Field(description="Anchors only: the grade the anchor is known to have.")
    anchor_inconsistent: bool | None = Field(
        description="Anchors only: its projected grade is more than one step from its known grade."
    )
    flags: list[EssayFlag] = Field(description="Reasons to look twice; empty when none.")


class BatchResultsView(_View):
    """The batch page: status, the job's outcome, the ranked essays and the anchors on the same scale."""

    batch: DashboardBatch
    job: AssessmentJobView | None = Field(
        description="The current assessment: progress, stop reason, reliability and SSR, position bias, partial "
        "reason, model, duration, tokens and cost; None before the first assessment."
    )
    essays: list[EssayRow] = Field(description="Student essays by rank; essays without a result follow by name.")
    anchors: list[EssayRow] = Field(description="The anchors used, by rank, with labels and known grades.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


class EssayComparisonRow(_View):
    """One comparison of the essay, from its side."""

    pair_id: UUID
    wave: int = Field(ge=0)
    opponent_essay_id: UUID
    opponent_name: str = Field(description="The opponent's student or file name, or the anchor's label.")
    opponent_is_anchor: bool
    opponent_known_grade: str | None = Field(description="The anchor's known grade when the opponent is one.")
    shown_first: bool = Field(description="Whether this essay was shown to the judge first (position A).")
    outcome: ComparisonOutcome
    confidence: ComparisonConfidence | None = Field(description="The judge's confidence in its verdict.")
    justification: str | None = Field(description="The judge's reasons, in its words.")
    provider: str | None
    model: str | None
    answered_at: AwareDatetime | None


class EssayDetailView(_View):
    """One essay: its text, grade distribution and every comparison with the judge's reasons."""

    batch_id: UUID
    batch_title: str
    essay: EssayRow
    text: str | None = Field(
        description="The essay's text; None for an anchor (its text is in the assignment) or when `text` is a gap."
    )
    comparisons: list[EssayComparisonRow] = Field(description="In the order they were planned.")
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


class LiveBatchProgress(_View):
    """Event ``progress``: the batch's assessment moved on (after each wave, at most every 2 s)."""

    batch_id: UUID
    job_id: UUID
    status: BatchStatus
    progress_percentage: float = Field(ge=0.0, le=100.0)
    wave: int = Field(ge=0)
    comparisons_done: int = Field(ge=0, description="Comparisons with a verdict so far (actual, not estimated).")
    comparisons_planned: int = Field(ge=0)
    reliability: Probability | None = Field(
        description="Marginal-likelihood reliability, 0-1 (the one the stopping rule reads); None until every "
        "essay has the minimum comparisons."
    )


class LiveBatchState(_View):
    """Event ``state``: where the batch stands when the stream opens (the result aggregator's view)."""

    batch_id: UUID
    job_id: UUID | None = Field(description="The current assessment; None before the first one.")
    status: BatchStatus
    progress_percentage: float = Field(ge=0.0, le=100.0)
    wave: int | None = Field(ge=0)
    comparisons_done: int | None = Field(ge=0)
    comparisons_planned: int | None = Field(ge=0)
    reliability: Probability | None
    message: str | None = Field(description="Why the assessment failed, in words; None unless status is failed.")


class LiveBatchCompleted(_View):
    """Event ``completed``: the assessment finished; results follow in the batch view. The stream closes."""

    batch_id: UUID
    job_id: UUID
    status: Literal[BatchStatus.COMPLETED] = BatchStatus.COMPLETED
    progress_percentage: float = Field(default=100.0, ge=0.0, le=100.0)
    comparisons_done: int = Field(ge=0, description="Comparisons with a verdict.")
    reliability: Probability | None


class LiveBatchFailed(_View):
    """Event ``failed``: the assessment could not finish. The stream closes."""

    batch_id: UUID
    job_id: UUID | None = Field(description="None when the request failed before an assessment job existed.")
    status: Literal[BatchStatus.FAILED] = BatchStatus.FAILED
    message: str = Field(description="Why, in words a teacher can read.")
    comparisons_done: int = Field(ge=0, description="Comparisons with a verdict before the failure.")


# --- Assignments: the grade scales and the assignment page ------------------------------------------


class GradeScaleView(_View):
    """A registered grade scale: what an assignment's ``grade_scale`` names."""

    name: str = Field(description="The value of an assignment's grade_scale, e.g. 'swedish_f_a'.")
    display_name: str
    grades: list[str] = Field(description="Every grade of the scale, lowest first (a grade below the lowest too).")


class GradeScaleList(_View):
    """The grade scales an assignment can be given, in the order their names sort."""

    scales: list[GradeScaleView]


class AssignmentLastBatch(_View):
    """The newest of the teacher's completed batches that names the assignment, with its anchors' places."""

    batch: BatchListItem
    grade_cut_points: list[GradeCutPointView] = Field(
        description="The grade bands' boundaries on the anchors' bt_score scale, lowest first; empty without grades."
    )
    anchors: list[EssayRow] = Field(
        description="The anchors that batch's assessment used, best first: the label as `name`, `known_grade`, the "
        "projected `grade`, bt_score ± standard_error, and `anchor_inconsistent`. `essay_id` is the anchor's id."
    )


class AssignmentPageView(_View):
    """The assignment page: the assignment, its anchors, its scale, and where the last batch placed the anchors."""

    assignment: AssignmentView
    grade_scale: GradeScaleView | None = Field(description="The assignment's scale; None if it is not registered.")
    anchors: list[AnchorView] = Field(description="The assignment's anchors now; empty when `anchors` is a gap.")
    last_batch: AssignmentLastBatch | None = Field(
        description="None when none of the batches searched used the assignment, or when `last_batch` is a gap."
    )
    batches_searched: int = Field(
        ge=0, description="How many of the teacher's newest completed batches were searched for `last_batch`."
    )
    gaps: list[ViewGap] = Field(description="Parts left out because their owner failed; empty when complete.")


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    NewBatchOptions,
    TeacherDashboard,
    BatchResultsView,
    EssayDetailView,
    LiveBatchState,
    LiveBatchProgress,
    LiveBatchCompleted,
    LiveBatchFailed,
    GradeScaleList,
    AssignmentPageView,
)
