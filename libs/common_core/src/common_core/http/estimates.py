"""What an assessment would take, answered before anything is sent (docs/estimates.md).

The teacher asks content service (``POST /v1/batches/{batch_id}/estimate`` with the body of
``POST /v1/batches/{batch_id}/assessments``); content counts the batch's essays, words and
characters and asks CJ (``POST /internal/v1/estimates``, :class:`AssessmentEstimateRequest`). CJ
knows the stopping rule, the budget and the anchors: it bounds the comparisons and simulates the
run at the batch's size, then asks LPS (``POST /internal/v1/estimates``,
:class:`UsageEstimateRequest`) what the simulated waves cost in calls, tokens, money and time,
with LPS's own prompt builder, token counter, price table and rate limits. The answer is an
:class:`AssessmentEstimate`: every figure as a range, minimum, typical and maximum.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common_core.events.cj_assessment import AssessmentBudget, LLMSettings
from common_core.fields import NonEmptyStr
from common_core.http.llm_provider import ComparisonContext
from common_core.http.model_catalogue import ModelPrices
from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort

MAX_ESSAYS_PER_ESTIMATE = 5000  # content service's largest batch
MAX_ITEMS_PER_ESTIMATE = 6000  # essays and anchors
# Every item at the largest per-essay budget (AssessmentBudget: 200), each pair counted once.
MAX_PAIRS_PER_ESTIMATE = MAX_ITEMS_PER_ESTIMATE * 100
MAX_CHARACTERS_PER_ITEM = 200_000  # the text store's largest text
MAX_TOTAL_CHARACTERS = 50_000_000

ItemIndex = Annotated[int, Field(ge=0, lt=MAX_ITEMS_PER_ESTIMATE)]
NonNegativeAmount = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class _Strict(BaseModel):
    # Requests are validated strictly: an unknown field is a caller's typo, answered 400.
    model_config = ConfigDict(frozen=True, extra="forbid")


class _View(BaseModel):
    # Responses tolerate fields added later (additive evolution).
    model_config = ConfigDict(frozen=True, extra="ignore")


class CountRange(_View):
    """A count the run cannot go below (minimum) or above (maximum), and what a run typically takes."""

    minimum: int = Field(ge=0)
    typical: int = Field(ge=0)
    maximum: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if not self.minimum <= self.typical <= self.maximum:
            raise ValueError("a range needs minimum <= typical <= maximum")
        return self


class AmountRange(_View):
    minimum: NonNegativeAmount
    typical: NonNegativeAmount
    maximum: NonNegativeAmount

    @model_validator(mode="after")
    def _ordered(self) -> AmountRange:
        if not self.minimum <= self.typical <= self.maximum:
            raise ValueError("a range needs minimum <= typical <= maximum")
        return self


class UsageEstimateRequest(_Strict):
    """``POST /internal/v1/estimates`` on LPS: what these waves of comparisons would cost.

    Items are the job's essays and anchors by index, each known only by its length; LPS renders
    filler texts of those lengths with its real prompt builder. ``waves`` are the waves in
    submission order (the order LPS bundles them in); ``comparisons`` says where each scenario
    ends: the first ``comparisons.minimum`` pairs of ``waves`` are the minimum run, and so on.
    """

    provider: LLMProvider
    model: NonEmptyStr = Field(max_length=200)
    batching_mode: BatchingMode
    reasoning_effort: ReasoningEffort | None = None
    context: ComparisonContext
    item_characters: list[Annotated[int, Field(ge=1, le=MAX_CHARACTERS_PER_ITEM)]] = Field(
        min_length=2, max_length=MAX_ITEMS_PER_ESTIMATE, description="Characters of each essay and anchor, by index."
    )
    waves: list[list[tuple[ItemIndex, ItemIndex]]] = Field(
        min_length=1, description="Each wave's pairs (first shown, second shown) in submission order."
    )
    comparisons: CountRange = Field(description="How many of the pairs, in order, each scenario runs.")

    @model_validator(mode="after")
    def _pairs(self) -> UsageEstimateRequest:
        total = sum(len(wave) for wave in self.waves)
        if total > MAX_PAIRS_PER_ESTIMATE:
            raise ValueError(f"at most {MAX_PAIRS_PER_ESTIMATE} pairs can be estimated")
        if any(not wave for wave in self.waves):
            raise ValueError("a wave needs at least one pair")
        items = len(self.item_characters)
        if any(a >= items or b >= items for wave in self.waves for a, b in wave):
            raise ValueError("a pair names an item beyond item_characters")
        if any(a == b for wave in self.waves for a, b in wave):
            raise ValueError("a pair needs two different items")
        if sum(self.item_characters) > MAX_TOTAL_CHARACTERS:
            raise ValueError(f"the items may have at most {MAX_TOTAL_CHARACTERS} characters together")
        if self.comparisons.maximum > total:
            raise ValueError(f"comparisons.maximum ({self.comparisons.maximum}) is more than the {total} pairs given")
        return self


class UsageEstimate(_View):
    """LPS's answer: calls, tokens, cost and provider time of each scenario, with how they were derived."""

    provider: LLMProvider
    model: str
    batching_mode: BatchingMode
    configured: bool = Field(description="Whether the provider has a key here; without one a run is refused.")
    serial_bundle_size: int | None = Field(default=None, ge=1, description="serial_bundle only: pairs per call.")
    llm_calls: CountRange
    input_tokens: CountRange
    output_tokens: CountRange
    cost_usd: AmountRange
    duration_seconds: AmountRange = Field(description="Provider time only: waves one after another.")
    price_per_million_usd: ModelPrices
    notes: list[str] = Field(default_factory=list, description="How each figure was derived, in words.")


class AssessmentEstimateRequest(_Strict):
    """``POST /internal/v1/estimates`` on CJ, for the ``X-User-ID`` teacher (the assignment must be usable)."""

    essay_count: int = Field(ge=2, le=MAX_ESSAYS_PER_ESTIMATE, description="Student essays (anchors come on top).")
    total_words: int = Field(ge=0, le=MAX_ESSAYS_PER_ESTIMATE * 100_000)
    total_characters: int = Field(
        ge=2,
        le=MAX_TOTAL_CHARACTERS,
        description="Characters of all essays: what prompt tokens are counted from.",
    )
    assignment_id: UUID | None = Field(default=None, description="Its anchors, instructions and rubric count too.")
    language: NonEmptyStr = Field(default="en", max_length=16)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    budget: AssessmentBudget = Field(default_factory=AssessmentBudget)

    @model_validator(mode="after")
    def _characters_per_essay(self) -> AssessmentEstimateRequest:
        if self.total_characters < self.essay_count:
            raise ValueError("total_characters must be at least one per essay")
        if self.total_characters > self.essay_count * MAX_CHARACTERS_PER_ITEM:
            raise ValueError(f"an essay has at most {MAX_CHARACTERS_PER_ITEM} characters")
        return self


class AssessmentEstimate(_View):
    """What starting this assessment would take. ``minimum`` and ``maximum`` bound a run without
    failures; ``typical`` is what a simulated run of this size took (``notes`` say how)."""

    batch_id: UUID | None = Field(default=None, description="Set when the estimate is for a stored batch.")
    essay_count: int = Field(ge=2)
    anchor_count: int = Field(ge=0)
    total_words: int = Field(ge=0)
    provider: LLMProvider
    model: str
    batching_mode: BatchingMode
    provider_configured: bool = Field(description="False: this provider has no key here, so a run would be refused.")
    comparisons: CountRange = Field(description="Comparisons judged (each pair of essays once).")
    waves: CountRange = Field(description="Rounds of comparisons CJ sends one after another.")
    llm_calls: CountRange = Field(description="Provider calls (a serial bundle answers several comparisons).")
    input_tokens: CountRange
    output_tokens: CountRange
    cost_usd: AmountRange
    duration_seconds: AmountRange
    notes: list[str] = Field(default_factory=list, description="How each figure was derived, in words.")


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    UsageEstimateRequest,
    UsageEstimate,
    AssessmentEstimateRequest,
    AssessmentEstimate,
)
