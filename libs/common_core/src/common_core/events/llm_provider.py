"""The one terminal callback LPS publishes per comparison."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from common_core.fields import ComparisonConfidence, Contract, FiniteFloat, NonEmptyStr
from common_core.llm import BatchingMode, LLMProvider


class ComparisonError(Contract):
    code: NonEmptyStr = Field(description='e.g. "EXPIRED", "RATE_LIMITED", "UNPARSEABLE", "PROVIDER_ERROR".')
    message: NonEmptyStr
    retryable: bool


class TokenUsage(Contract):
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    cached_input_tokens: int = Field(default=0, ge=0)


class ComparisonTimings(Contract):
    queued_ms: int = Field(default=0, ge=0)
    provider_ms: int = Field(default=0, ge=0)
    total_ms: int = Field(default=0, ge=0)


class LLMComparisonResultV1(Contract):
    """A verdict (``winner`` with ``confidence``) or an ``error``; exactly one of the two."""

    request_id: NonEmptyStr = Field(max_length=200)
    correlation_id: UUID
    request_metadata: dict[str, Any] = Field(
        default_factory=dict, description="Echoed verbatim from the request (job_id, pair_id, essay ids)."
    )
    winner: Literal["A", "B"] | None = None
    confidence: ComparisonConfidence | None = None
    justification: str | None = Field(default=None, max_length=4000)
    error: ComparisonError | None = None
    provider: LLMProvider
    model: NonEmptyStr
    usage: TokenUsage | None = Field(
        default=None,
        description="Tokens of the answering call (a bundle's split evenly over its comparisons); None when "
        "unknown: no provider answered, or the answer reported no usage. Never 0 for unknown.",
    )
    cost_usd: FiniteFloat | None = Field(default=None, ge=0.0, description="None when unknown (see usage).")
    timings: ComparisonTimings = Field(default_factory=ComparisonTimings)
    completed_at: AwareDatetime
    # Added after v1 shipped: optional, so older producers and consumers stay compatible.
    prompt_version: str | None = Field(default=None, description="Version of the prompt template used.")
    attempts: int | None = Field(default=None, ge=1, description="Provider attempts spent on this comparison.")
    batching_mode: BatchingMode | None = Field(default=None, description="How the comparison was processed.")
    provider_request_id: str | None = Field(default=None, description="The provider's id of the final call.")

    @model_validator(mode="after")
    def _verdict_xor_error(self) -> LLMComparisonResultV1:
        if (self.winner is None) == (self.error is None):
            raise ValueError("exactly one of winner and error must be set")
        if self.winner is not None and self.confidence is None:
            raise ValueError("a verdict needs a confidence (1-5)")
        if self.error is not None and self.confidence is not None:
            raise ValueError("an error has no confidence")
        return self
