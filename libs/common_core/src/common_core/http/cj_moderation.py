"""Teacher moderation of a finished CJ job (issue 24): CJ's internal routes, called by the BFF only.

Identity comes from ``X-User-ID``. The job's teacher (the owner) and the colleagues the owner added as
moderators may moderate; anyone else gets a 404, as for any job that is not theirs. Only the owner manages
the moderators. Every human verdict joins the LLM's in one multi-judge Bradley-Terry fit (each teacher is
a judge of their own; the LLM is the reference judge that sets the scale), refitted on every read:

- ``GET  /internal/v1/jobs/{job_id}/moderation/next`` -> :class:`ModerationNext`
- ``POST /internal/v1/jobs/{job_id}/moderation/verdicts`` :class:`ModerationVerdictRequest` -> 201
  :class:`ModerationVerdictView` (the same moderator judging the same pair twice: 409)
- ``DELETE /internal/v1/jobs/{job_id}/moderation/verdicts/last`` -> :class:`ModerationVerdictView`
- ``GET  /internal/v1/jobs/{job_id}/moderation/report`` -> :class:`ModerationReport`
- ``GET  /internal/v1/jobs/{job_id}/moderation/moderators`` -> :class:`ModeratorList`;
  ``PUT .../moderators/{user_id}`` (optional body :class:`AddModeratorRequest`) / ``DELETE`` add or remove a
  colleague (owner only)
- ``GET  /internal/v1/users/{user_id}/moderation/jobs`` -> :class:`ModeratedJobList` (the caller's own id only)
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from common_core.fields import FiniteFloat, Probability

MAX_REASON_LENGTH = 200
# The email the owner typed to invite a colleague: an address is at most 320 characters (RFC 3696).
MAX_MODERATOR_LABEL_LENGTH = 320
ModerationReason = Literal[
    "boundary", "uncertain_order", "llm_residual", "misfit_essay", "anchor_check", "covariate_contrast"
]


def _no_control_characters(value: str) -> bool:
    return not any(ord(ch) < 32 or ch in "\x7f\u2028\u2029" for ch in value)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ModerationEssay(_View):
    """One essay of a moderation pair, anonymised: a label, never a name or a file name."""

    label: Literal["Essay A", "Essay B"]
    essay_id: UUID = Field(description="The id to send back with the verdict.")
    text_ref: str = Field(description="The text's id in content service's store.")
    text: str | None = Field(
        default=None,
        description="The essay's or anchor's text, read by CJ for the moderator it authorised (logged as their "
        "read); None when content service no longer holds it.",
    )


class ModerationPair(_View):
    first: ModerationEssay = Field(description="Shown first (left).")
    second: ModerationEssay = Field(description="Shown second (right).")
    reason: ModerationReason = Field(
        description="Why the plan chose this pair (cj_engine.moderation_plan.ModerationReason)."
    )


class ModerationProgress(_View):
    given_by_you: int = Field(ge=0, description="Verdicts this moderator has given on the job.")
    given_by_all: int = Field(ge=0, description="Verdicts every moderator has given on the job.")
    budget_total: int = Field(ge=0, description="The moderation budget: 10 % of the LLM's comparisons, rounded up.")


class ModerationNext(_View):
    """``GET .../moderation/next``: the next planned pair this moderator has not judged, or ``done``."""

    job_id: UUID
    done: bool = Field(description="True when the budget is used up or no planned pair is left.")
    pair: ModerationPair | None = None
    progress: ModerationProgress


class ModerationVerdictRequest(_Strict):
    """``POST .../moderation/verdicts``: the two essays in the order shown, and the one judged better."""

    first: UUID
    second: UUID
    winner: UUID
    reason: str | None = Field(
        default=None, max_length=MAX_REASON_LENGTH, description="An optional one-line reason (no line breaks)."
    )

    @field_validator("reason")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _no_control_characters(value):
            raise ValueError("the reason must be one line of text without control characters")
        stripped = value.strip()
        return stripped or None


class ModerationVerdictView(_View):
    verdict_id: UUID
    job_id: UUID
    moderator_user_id: str
    first: UUID
    second: UUID
    winner: UUID
    reason: str | None = None
    created_at: AwareDatetime


class AgreementView(_View):
    """AI-teacher agreement on the pairs both judged (Wilson interval at 95 %)."""

    shared_verdicts: int = Field(ge=0)
    agreeing: float = Field(ge=0.0, description="Fractional when the LLM judged a pair more than once.")
    rate: Probability | None = Field(default=None, description="None without shared verdicts.")
    low: Probability
    high: Probability


class TeacherAgreement(_View):
    user_id: str
    agreement: AgreementView


class DisagreementView(_View):
    first_essay_id: UUID
    second_essay_id: UUID
    teacher_user_id: str
    teacher_winner: UUID
    llm_winner: UUID
    distance: float = Field(ge=0.0, description="|score difference| on the moderated scale; largest first.")


class MisfittingEssay(_View):
    essay_id: UUID
    comparisons: int = Field(ge=0)
    infit: float | None = None
    outfit: float | None = None


class JudgeView(_View):
    """One judge's statistics. A teacher's are shown only from 20 decisions on (``enough_decisions``)."""

    kind: Literal["llm", "teacher"]
    user_id: str | None = Field(default=None, description="The teacher; None for the LLM.")
    provider: str | None = None
    model: str | None = None
    decisions: int = Field(ge=0)
    enough_decisions: bool
    discrimination: float | None = None
    discrimination_se: float | None = None
    position_bias: float | None = None
    position_se: float | None = None
    agreement_with_scale: Probability | None = None
    infit: float | None = None
    outfit: float | None = None


class ModeratedResult(_View):
    essay_id: UUID
    is_anchor: bool
    rank: int = Field(ge=1)
    bt_score: float
    standard_error: float = Field(ge=0.0)
    comparison_count: int = Field(ge=0)
    teacher_judgements: int = Field(ge=0, description="Teachers' verdicts this essay took part in.")


class ModerationLlmUsage(_View):
    """What the LLM's checks of moderation pairs cost: the pairs a teacher judged that the LLM had not judged in
    the job, asked after it. Not in the job's published usage (``JobUsage``), which stays as it completed."""

    answered: int = Field(ge=0, description="Requests the LLM answered with a verdict.")
    failed: int = Field(ge=0, description="Requests that ended in an error callback or that LPS refused.")
    pending: int = Field(ge=0, description="Requests still waiting for their answer.")
    tokens: int | None = Field(
        default=None, ge=0, description="Input plus output tokens of the callbacks; None when none reported usage."
    )
    cost_usd: FiniteFloat | None = Field(
        default=None, ge=0.0, description="Summed cost of the callbacks; None when none reported a cost."
    )
    unreported: int = Field(
        default=0,
        ge=0,
        description="Answered requests whose callback reported no usage or cost: left out of the totals.",
    )


class LengthBias(_View):
    """The LLM's preference for longer essays relative to the teachers, learnt from their verdicts: essay length
    (log words, as a z-score within the job) is declared as a bias the LLM may have, and the moderated results
    are corrected for it. 0 with a standard error near 1 (its prior) before any teacher verdict."""

    logits_per_sd: FiniteFloat = Field(
        description="Logits the LLM adds per SD of length compared with the teachers; positive: favours longer."
    )
    standard_error: FiniteFloat = Field(ge=0.0)


class ModerationReport(_View):
    """``GET .../moderation/report``: the agreement report and the results refitted with every verdict."""

    job_id: UUID
    teacher_judgements: int = Field(ge=0, description="Teachers' verdicts the moderated results include.")
    agreement: AgreementView
    by_teacher: list[TeacherAgreement]
    disagreements: list[DisagreementView]
    misfitting_essays: list[MisfittingEssay]
    judges: list[JudgeView]
    results: list[ModeratedResult] = Field(description="Best first.")
    llm_usage: ModerationLlmUsage | None = Field(
        default=None, description="The LLM's checks of moderation pairs and their cost; None from an older CJ."
    )
    llm_length_bias: LengthBias | None = Field(
        default=None,
        description="The LLM's length bias; None when none was declared (under 3 essays, lengths alike, older CJ).",
    )


class ModeratedJob(_View):
    """A job a colleague added this teacher to as a moderator."""

    job_id: UUID
    batch_id: UUID
    owner_user_id: str
    state: str = Field(description="The job's state; moderation opens once it is completed.")
    added_at: AwareDatetime


class ModeratedJobList(_View):
    """``GET /internal/v1/users/{user_id}/moderation/jobs``: the jobs the teacher moderates for colleagues,
    newest invitation first (their own jobs are not listed: they own them)."""

    jobs: list[ModeratedJob]


class AddModeratorRequest(_Strict):
    """``PUT .../moderation/moderators/{user_id}``: how the owner knows the colleague (the BFF sends the account's
    email as class management's lookup answered it). Optional: an empty body adds the colleague without one."""

    label: str | None = Field(
        default=None,
        max_length=MAX_MODERATOR_LABEL_LENGTH,
        description="Shown to the job's owner only, in place of the user id (one line, no control characters).",
    )

    @field_validator("label")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _no_control_characters(value):
            raise ValueError("the label must be one line of text without control characters")
        return value.strip() or None


class ModeratorView(_View):
    user_id: str
    added_at: AwareDatetime
    label: str | None = Field(
        default=None,
        description="The email the owner invited the colleague by; None for colleagues added without one.",
    )


class ModeratorList(_View):
    """``GET .../moderation/moderators`` (owner only): the colleagues the owner allowed to moderate."""

    job_id: UUID
    owner_user_id: str
    moderators: list[ModeratorView]


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    ModerationNext,
    ModerationVerdictRequest,
    ModerationVerdictView,
    ModerationReport,
    AddModeratorRequest,
    ModeratorList,
    ModeratedJobList,
)
