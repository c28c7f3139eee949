"""Assessment request (content -> CJ) and CJ's progress, completion, failure and results."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from common_core.fields import Contract, FiniteFloat, GradeConfidence, GradeCutSource, NonEmptyStr, Probability
from common_core.grade_scales import GradeScale, get_grade_scale
from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort
from common_core.status import CJJobState

# The reliability the stopping rule reads, carried beside SSR by every CJ outcome event.
MarginalReliability = Annotated[
    Probability | None,
    Field(
        description="Marginal-likelihood reliability, 0-1: the uninflated one the stopping rule reads "
        "(adaptive pairing inflates SSR). None until every essay has the minimum comparisons."
    ),
]


class EssayRef(Contract):
    essay_id: UUID
    text_ref: NonEmptyStr
    names: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=8,
        description="Names the platform knows for the essay's author (the confirmed student's name, the author "
        "hint); CJ replaces them with a placeholder before the text leaves for an LLM provider.",
    )


class LLMSettings(Contract):
    provider: LLMProvider = LLMProvider.MOCK
    model: NonEmptyStr = "mock-judge"
    temperature: float | None = Field(
        default=None, ge=0.0, le=2.0, allow_inf_nan=False, description="None means the provider's default; 0 is 0."
    )
    reasoning_effort: ReasoningEffort | None = None
    batching_mode: BatchingMode = BatchingMode.PER_REQUEST


class AssessmentBudget(Contract):
    max_comparisons_per_essay: int = Field(default=10, ge=1, le=200)
    target_reliability: Probability = Field(
        default=0.8,
        description="Stop when the marginal-likelihood reliability reaches this (on two consecutive waves).",
    )


class CJAssessmentRequestedV1(Contract):
    batch_id: UUID
    request_id: UUID = Field(description="Idempotency key of this request; one CJ job per (batch_id, request_id).")
    user_id: NonEmptyStr
    essays: list[EssayRef] = Field(min_length=1)
    assignment_id: UUID | None = None
    language: NonEmptyStr = Field(default="en", max_length=16)
    course_code: NonEmptyStr
    llm: LLMSettings = Field(default_factory=LLMSettings)
    budget: AssessmentBudget = Field(default_factory=AssessmentBudget)

    @model_validator(mode="after")
    def _unique_essays(self) -> CJAssessmentRequestedV1:
        ids = [e.essay_id for e in self.essays]
        if len(set(ids)) != len(ids):
            raise ValueError("essays repeat an essay_id")
        return self


class CJAssessmentProgressV1(Contract):
    batch_id: UUID
    job_id: UUID
    state: CJJobState
    wave: int = Field(ge=0)
    comparisons_done: int = Field(ge=0, description="Comparisons with a recorded verdict (actual, not estimated).")
    comparisons_planned: int = Field(ge=0)
    progress_percentage: float = Field(ge=0.0, le=100.0, allow_inf_nan=False)
    reliability_ssr: Probability | None = Field(
        default=None,
        description="Scale separation reliability so far, 0-1; reported only (adaptive pairing inflates it).",
    )
    reliability: MarginalReliability = None
    request_id: UUID | None = Field(
        default=None,
        description="The assessment request that started the job; None from publishers that predate the field.",
    )


class JobUsage(Contract):
    """What a job's comparisons cost, summed from LPS's callbacks (the same figures its price table gives)."""

    provider: LLMProvider
    model: NonEmptyStr
    llm_calls: int = Field(
        ge=0, description="Provider calls that answered the job's comparisons (one serial-bundle call answers several)."
    )
    input_tokens: int | None = Field(default=None, ge=0, description="None when no callback reported usage.")
    output_tokens: int | None = Field(default=None, ge=0, description="None when no callback reported usage.")
    cost_usd: FiniteFloat | None = Field(default=None, ge=0.0, description="None when no callback reported a cost.")
    unreported: int = Field(
        default=0,
        ge=0,
        description="Answered comparisons whose callback reported no usage or cost: the totals leave them out.",
    )


class CJAssessmentCompletedV1(Contract):
    batch_id: UUID
    job_id: UUID
    status: Literal[CJJobState.COMPLETED] = CJJobState.COMPLETED
    essays_assessed: int = Field(ge=0)
    anchors_used: int = Field(ge=0)
    comparisons_completed: int = Field(ge=0)
    comparisons_failed: int = Field(ge=0)
    duration_seconds: FiniteFloat = Field(ge=0.0)
    # Optional additions (additive evolution): why and how well the job stopped.
    stop_reason: str | None = Field(
        default=None, description='Why comparing stopped, e.g. "reliability_reached", "budget_exhausted".'
    )
    reliability_ssr: Probability | None = Field(
        default=None, description="Scale separation reliability, 0-1; reported only (adaptive pairing inflates it)."
    )
    reliability: MarginalReliability = None
    position_bias: FiniteFloat | None = Field(
        default=None, description="Estimated log-odds that the essay shown first wins (0 = no bias)."
    )
    forced_recovery: bool = Field(
        default=False, description="True when the stuck-job monitor finished the job with some answers missing."
    )
    request_id: UUID | None = Field(
        default=None,
        description="The assessment request that started the job; None from publishers that predate the field.",
    )
    stop_detail: str | None = Field(
        default=None,
        description="The stop reason in words; with forced_recovery, why the results are partial.",
    )
    position_bias_se: FiniteFloat | None = Field(default=None, gt=0.0, description="Standard error of position_bias.")
    usage: JobUsage | None = Field(default=None, description="Calls, tokens and cost; None from older publishers.")


class FailureReason(Contract):
    code: NonEmptyStr
    message: NonEmptyStr = Field(description="A reason a teacher can read.")


class CJAssessmentFailedV1(Contract):
    batch_id: UUID
    job_id: UUID | None = Field(default=None, description="None when the request failed before a job existed.")
    error: FailureReason
    comparisons_completed: int = Field(default=0, ge=0)
    comparisons_failed: int = Field(default=0, ge=0)
    request_id: UUID | None = Field(
        default=None,
        description="The assessment request that started the job; None from publishers that predate the field.",
    )
    duration_seconds: FiniteFloat | None = Field(
        default=None, ge=0.0, description="From the job's creation to its failure; None without a job."
    )
    usage: JobUsage | None = Field(
        default=None, description="What the comparisons made before the failure cost; None without a job."
    )


class ModelUsed(Contract):
    provider: LLMProvider
    model: NonEmptyStr


class EssayResult(Contract):
    essay_id: UUID
    is_anchor: bool
    rank: int = Field(ge=1, description="1 is the best essay.")
    bt_score: FiniteFloat = Field(description="Bradley-Terry ability (logit scale, centred at 0).")
    standard_error: FiniteFloat = Field(gt=0.0, description="Standard error of bt_score; never 0.")
    normalized_score: float = Field(ge=0.0, le=100.0, allow_inf_nan=False, description="bt_score mapped to 0-100.")
    grade: str | None = Field(default=None, description="Projected grade on the result's grade scale.")
    grade_probabilities: dict[str, Probability] = Field(default_factory=dict, description="Grade -> probability.")
    confidence: GradeConfidence
    confidence_label: Literal["high", "medium", "low"]
    comparison_count: int = Field(ge=0, description="Comparisons this essay actually took part in.")
    known_grade: str | None = Field(default=None, description="Anchors only: the grade the anchor is known to have.")
    anchor_inconsistent: bool | None = Field(
        default=None,
        description="Anchors only: True when the projected grade is more than one step from the known grade.",
    )
    anchor_label: str | None = Field(
        default=None, max_length=200, description="Anchors only: the anchor's label in its assignment."
    )

    @model_validator(mode="after")
    def _anchor_fields(self) -> EssayResult:
        if self.is_anchor and self.known_grade is None:
            raise ValueError("an anchor result needs known_grade")
        if not self.is_anchor and (self.known_grade is not None or self.anchor_label is not None):
            raise ValueError("known_grade and anchor_label are only for anchors")
        if self.grade_probabilities and not math.isclose(sum(self.grade_probabilities.values()), 1.0, abs_tol=1e-6):
            raise ValueError("grade_probabilities must sum to 1")
        return self


class GradeCutPoint(Contract):
    """The boundary between two adjacent grades, on the results' Bradley-Terry scale."""

    lower_grade: NonEmptyStr
    upper_grade: NonEmptyStr = Field(description="The grade one step above lower_grade on the result's scale.")
    bt_score: FiniteFloat = Field(
        description="Where the grade changes, on the same logit scale and centring as EssayResult.bt_score: an "
        "essay scored exactly here is as likely to be at or below lower_grade as at or above upper_grade."
    )
    boundary_sd: FiniteFloat = Field(
        ge=0.0,
        description="How uncertain the boundary's own position is, as an SD in logits: 0 where anchors on both "
        "sides pin it (fitted), growing with the number of grades without anchors between it and the anchored "
        "ones. The grade probabilities already include it; it is not a standard error of the fit.",
    )
    source: GradeCutSource


class AssessmentResultPublishedV1(Contract):
    batch_id: UUID
    job_id: UUID
    grade_scale: NonEmptyStr = Field(description="Name of a registered grade scale (common_core.grade_scales).")
    model_used: ModelUsed
    reliability_ssr: Probability | None = None
    reliability: MarginalReliability = None
    completed_at: AwareDatetime
    results: list[EssayResult] = Field(min_length=1)
    # Optional additions (additive evolution).
    stop_reason: str | None = Field(default=None, description="Why comparing stopped (see the completed event).")
    position_bias: FiniteFloat | None = Field(
        default=None, description="Estimated log-odds that the essay shown first wins (0 = no bias)."
    )
    comparisons_completed: int | None = Field(default=None, ge=0, description="Verdicts actually recorded.")
    comparisons_failed: int | None = Field(default=None, ge=0, description="Comparisons that ended in an error.")
    forced_recovery: bool = Field(
        default=False, description="True when the stuck-job monitor finished the job with some answers missing."
    )
    grade_projection_note: str | None = Field(
        default=None, description="Why grades are missing or what to check about the anchors, in words."
    )
    stop_detail: str | None = Field(default=None, description="The stop reason in words (see the completed event).")
    position_bias_se: FiniteFloat | None = Field(default=None, gt=0.0, description="Standard error of position_bias.")
    grade_cut_points: list[GradeCutPoint] = Field(
        default_factory=list,
        description="Every boundary between adjacent grades of the scale, lowest first, for drawing the grade "
        "bands beside the essays' bt_score; empty when grades could not be projected (or from older publishers).",
    )

    @model_validator(mode="after")
    def _grades_on_scale_and_ranks(self) -> AssessmentResultPublishedV1:
        scale = get_grade_scale(self.grade_scale)
        for result in self.results:
            for grade in [result.grade, result.known_grade, *result.grade_probabilities]:
                if grade is not None:
                    scale.validate_grade(grade)
        self._check_cut_points(scale)
        ranks = sorted(r.rank for r in self.results)
        if ranks != list(range(1, len(self.results) + 1)):
            raise ValueError("ranks must be 1..n without gaps or ties")
        if len({r.essay_id for r in self.results}) != len(self.results):
            raise ValueError("results repeat an essay_id")
        return self

    def _check_cut_points(self, scale: GradeScale) -> None:
        """Cut points, when given, are the scale's boundaries in order and climb the bt_score scale."""
        cuts = self.grade_cut_points
        if not cuts:
            return
        for cut in cuts:
            scale.validate_grade(cut.lower_grade)
            scale.validate_grade(cut.upper_grade)
        grades = scale.all_grades
        if [(c.lower_grade, c.upper_grade) for c in cuts] != list(pairwise(grades)):
            raise ValueError(
                f"grade_cut_points must be every boundary of the {scale.name} scale ({', '.join(grades)}), lowest first"
            )
        if any(upper.bt_score <= lower.bt_score for lower, upper in pairwise(cuts)):
            raise ValueError("grade_cut_points must have strictly increasing bt_score")
