"""CJ assessment service's HTTP API: assignments and anchors (teachers, via the gateway) and the
job read API (BFF). Identity comes from ``X-User-ID``; anything not the caller's is a 404."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
)
from pydantic.json_schema import SkipJsonSchema

from common_core.events.cj_assessment import AssessmentBudget, FailureReason, JobUsage, LLMSettings
from common_core.fields import ComparisonConfidence, NonEmptyStr, Probability
from common_core.status import CJJobState

MAX_COMPARISON_PAGE = 1000


class _Strict(BaseModel):
    # Requests are validated strictly: an unknown field is a caller's typo, answered 400.
    model_config = ConfigDict(frozen=True, extra="forbid")


class _View(BaseModel):
    # Responses tolerate fields added later (additive evolution).
    model_config = ConfigDict(frozen=True, extra="ignore")


class AssignmentCreateRequest(_Strict):
    """``POST /v1/assignments``."""

    title: NonEmptyStr = Field(max_length=300)
    course_code: NonEmptyStr = Field(max_length=50)
    grade_scale: NonEmptyStr = Field(description="A registered grade scale, e.g. 'eng5_np' or 'swedish_f_a'.")
    instructions: NonEmptyStr = Field(max_length=50_000, description="How the judge should compare two essays.")
    student_prompt: str | None = Field(default=None, max_length=50_000, description="The task the students answered.")
    rubric: str | None = Field(default=None, max_length=50_000)
    shared: bool | None = Field(default=None, description="Usable by every teacher; None takes the service default.")
    redact_names: bool = Field(
        default=True,
        description="Replace the names the platform knows for an essay's author (the matched student's name, "
        "the author hint) with a placeholder before the text goes to an LLM provider.",
    )


# What an assignment always has: a PATCH may change these but not null them.
_NOT_NULL_ON_UPDATE = ("title", "course_code", "grade_scale", "instructions", "shared", "redact_names")


class AssignmentUpdateRequest(_Strict):
    """``PATCH /v1/assignments/{id}``: only the fields given change (owner or admin only).

    ``None`` here means "not given". Only ``student_prompt`` and ``rubric`` may be cleared with
    an explicit null; a null for any other field is a 400 naming it, since the assignment cannot
    be without it (the schema shows those fields as non-nullable).
    """

    title: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=300)
    course_code: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=50)
    grade_scale: NonEmptyStr | SkipJsonSchema[None] = None
    instructions: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=50_000)
    student_prompt: str | None = Field(default=None, max_length=50_000, description="null removes it.")
    rubric: str | None = Field(default=None, max_length=50_000, description="null removes it.")
    shared: bool | SkipJsonSchema[None] = None
    redact_names: bool | SkipJsonSchema[None] = None

    @field_validator(*_NOT_NULL_ON_UPDATE, mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        # Runs only for fields the caller sent (defaults are not validated).
        if value is None:
            raise ValueError(f"{info.field_name} cannot be null; leave it out to keep it")
        return value

    @model_serializer(mode="wrap")
    def _leave_out_unchanged(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A dumped request must be one this model accepts: "not given" is written as absent, not null.
        dumped: dict[str, object] = handler(self)
        return {k: v for k, v in dumped.items() if not (v is None and k in _NOT_NULL_ON_UPDATE)}


class AssignmentSummary(_View):
    assignment_id: UUID
    owner_user_id: str
    title: str
    course_code: str
    grade_scale: str
    shared: bool
    redact_names: bool = True
    anchor_count: int = Field(ge=0)
    created_at: AwareDatetime
    updated_at: AwareDatetime


class AssignmentView(AssignmentSummary):
    """One assignment with its texts (stored in content service)."""

    instructions: str
    student_prompt: str | None = None
    rubric: str | None = None


class AssignmentList(_View):
    assignments: list[AssignmentSummary]


class AnchorCreateRequest(_Strict):
    """``POST /v1/assignments/{id}/anchors``: one anchor essay with its known grade."""

    label: NonEmptyStr = Field(max_length=200, description="Unique within the assignment.")
    grade: NonEmptyStr = Field(description="A grade on the assignment's scale.")
    text: NonEmptyStr = Field(max_length=200_000)


class AnchorView(_View):
    anchor_id: UUID
    assignment_id: UUID
    label: str
    grade: str
    text_ref: str = Field(description="The text's id in content service's store.")
    word_count: int = Field(ge=0)
    created_at: AwareDatetime


class AnchorList(_View):
    anchors: list[AnchorView]


class WaveView(_View):
    wave: int = Field(ge=0)
    pairs_planned: int = Field(ge=0)
    completed: bool
    reliability: Probability | None = Field(
        default=None,
        description="Marginal-likelihood reliability after the wave: the one the stopping rule reads; "
        "null before every essay has the minimum comparisons.",
    )
    ssr: Probability | None = Field(
        default=None,
        description="Scale separation reliability after the wave; reported only (adaptive pairing inflates it).",
    )


class JobView(_View):
    """``GET /internal/v1/jobs/{id}``."""

    job_id: UUID
    batch_id: UUID
    request_id: UUID
    assignment_id: UUID | None = None
    state: CJJobState
    progress_percentage: float = Field(ge=0.0, le=100.0)
    essays_assessed: int = Field(ge=0)
    anchors_used: int = Field(ge=0)
    comparisons_planned: int = Field(ge=0, description="Pairs sent or to be sent, retries included.")
    comparisons_completed: int = Field(ge=0, description="Verdicts recorded (actual, not estimated).")
    comparisons_failed: int = Field(ge=0, description="Pairs that ended in an error callback.")
    waves: list[WaveView]
    reliability_ssr: Probability | None = Field(
        default=None,
        description="Scale separation reliability of the job; reported only (adaptive pairing inflates it).",
    )
    reliability: Probability | None = Field(
        default=None,
        description="The latest completed wave's marginal-likelihood reliability: the one the stopping rule reads.",
    )
    stop_reason: str | None = None
    stop_detail: str | None = None
    position_bias: float | None = Field(default=None, description="Log-odds that the essay shown first wins.")
    forced_recovery: bool = False
    failure: FailureReason | None = None
    grade_scale: str
    llm: LLMSettings
    budget: AssessmentBudget
    created_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    usage: JobUsage | None = Field(default=None, description="Calls, tokens and cost so far.")


class EssayComparison(_View):
    """One comparison of the essay, seen from the essay's side."""

    pair_id: UUID
    wave: int = Field(ge=0)
    opponent_essay_id: UUID
    opponent_is_anchor: bool
    side: Literal["A", "B"] = Field(description="Where this essay was shown: A first, B second.")
    status: Literal["planned", "done", "failed", "abandoned"]
    won: bool | None = Field(default=None, description="None until there is a verdict.")
    winner_essay_id: UUID | None = None
    confidence: ComparisonConfidence | None = None
    justification: str | None = None
    provider: str | None = None
    model: str | None = None
    error_code: str | None = None
    answered_at: AwareDatetime | None = None


class EssayComparisons(_View):
    """``GET /internal/v1/jobs/{id}/essays/{essay_id}/comparisons``."""

    job_id: UUID
    essay_id: UUID
    is_anchor: bool
    comparisons: list[EssayComparison]


class JobComparison(_View):
    """One comparison of a job, for exports and research reports."""

    pair_id: UUID
    wave: int = Field(ge=0)
    attempt: int = Field(ge=1, description="1, or a retry of the same pair after a retryable error.")
    essay_a_id: UUID = Field(description="The essay shown first.")
    essay_b_id: UUID = Field(description="The essay shown second.")
    status: Literal["planned", "done", "failed", "abandoned"]
    winner_essay_id: UUID | None = Field(default=None, description="None until there is a verdict.")
    confidence: ComparisonConfidence | None = None
    justification: str | None = None
    provider: str | None = None
    model: str | None = None
    input_tokens: int | None = Field(default=None, ge=0, description="None when the provider reported none.")
    output_tokens: int | None = Field(default=None, ge=0, description="None when the provider reported none.")
    cost_usd: float | None = Field(default=None, ge=0.0, description="None when unknown.")
    error_code: str | None = None
    answered_at: AwareDatetime | None = None


class JobComparisonPage(_View):
    """``GET /internal/v1/jobs/{id}/comparisons?limit&offset``: in the order they were planned."""

    job_id: UUID
    comparisons: list[JobComparison]
    total: int = Field(ge=0, description="Comparisons of the job, on every page.")
    limit: int = Field(ge=1, le=MAX_COMPARISON_PAGE)
    offset: int = Field(ge=0)


class CancelJobResponse(_View):
    """``POST /internal/v1/jobs/{id}/cancel``."""

    job_id: UUID
    state: CJJobState
    cancelled_at: AwareDatetime


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    AssignmentCreateRequest,
    AssignmentUpdateRequest,
    AssignmentSummary,
    AssignmentView,
    AssignmentList,
    AnchorCreateRequest,
    AnchorView,
    AnchorList,
    WaveView,
    JobView,
    EssayComparison,
    EssayComparisons,
    JobComparison,
    JobComparisonPage,
    CancelJobResponse,
)
