"""The LPS comparison API (ARCHITECTURE §2 step 5): one wave per request, answered 202."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common_core.fields import NonEmptyStr
from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort


class _Strict(BaseModel):
    # Requests are validated strictly: an unknown field is a caller's typo, answered 400.
    model_config = ConfigDict(frozen=True, extra="forbid")


class ComparisonContext(_Strict):
    instructions: NonEmptyStr = Field(description="How to judge: the assignment's judging instructions.")
    rubric: str | None = None
    student_prompt: str | None = Field(default=None, description="The task the students answered.")
    language: NonEmptyStr = Field(default="en", max_length=16)


class ComparisonOverrides(_Strict):
    provider: LLMProvider | None = None
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0, allow_inf_nan=False)
    reasoning_effort: ReasoningEffort | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=64_000)
    batching_mode: BatchingMode | None = None


class ComparisonItem(_Strict):
    request_id: NonEmptyStr = Field(max_length=200, description="The caller's idempotency key.")
    a: NonEmptyStr = Field(description="Text id (a key of `texts`) shown first, as 'Essay A'.")
    b: NonEmptyStr = Field(description="Text id shown second, as 'Essay B'.")
    request_metadata: dict[str, Any] = Field(default_factory=dict, description="Echoed back verbatim in the callback.")
    overrides: ComparisonOverrides | None = None
    priority: int = Field(
        default=0, ge=0, le=9, description="Queue priority: higher is served first; equal priorities by age."
    )


class ComparisonBatchRequest(_Strict):
    """``POST /internal/v1/comparisons``: a shared context, each text once, and the comparisons."""

    context: ComparisonContext
    texts: dict[str, NonEmptyStr] = Field(min_length=2, description="Text id -> text, each essay once per wave.")
    comparisons: list[ComparisonItem] = Field(min_length=1, max_length=5000)
    callback_topic: NonEmptyStr
    batch_id: UUID | None = Field(
        default=None,
        description="The batch the texts belong to: LPS erases them, its queued work and its stored outcomes "
        "when the batch is deleted (huleedu.batch.deleted.v1).",
    )

    @model_validator(mode="after")
    def _references(self) -> ComparisonBatchRequest:
        missing = sorted({t for c in self.comparisons for t in (c.a, c.b)} - set(self.texts))
        if missing:
            raise ValueError(f"comparisons refer to unknown text ids: {', '.join(missing[:10])}")
        if any(c.a == c.b for c in self.comparisons):
            raise ValueError("a comparison needs two different texts")
        ids = [c.request_id for c in self.comparisons]
        if len(set(ids)) != len(ids):
            raise ValueError("request_id repeats within the request")
        return self


class ComparisonState(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class AcceptedComparison(_Strict):
    request_id: str
    queue_id: str
    state: ComparisonState = Field(description="Current state; a resubmitted request_id reports its existing state.")


class ComparisonBatchAccepted(_Strict):
    """The 202 answer: one entry per submitted comparison, in request order."""

    accepted: list[AcceptedComparison]


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (ComparisonBatchRequest, ComparisonBatchAccepted)
