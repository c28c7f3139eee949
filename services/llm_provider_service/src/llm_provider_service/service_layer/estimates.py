"""Usage estimates: what given waves of comparisons would cost, computed with the code real calls use.

Each call is built as the worker builds it: the wave split into calls as the queue claims it
(``domain/usage_estimate.call_groups``), the prompt rendered by ``domain/prompts.py`` over stand-in
essays of the given lengths, its tokens counted by ``domain/tokens.py`` (the mock reports exactly
these), its output budget and context check from ``processing.py``, its price from the model
table. Provider time runs the calls through the model's concurrency and its ``RateLimiter`` on a
virtual clock. docs/estimates.md explains the ranges.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from common_core.http.estimates import AmountRange, CountRange, UsageEstimate, UsageEstimateRequest
from common_core.http.model_catalogue import ModelPrices
from common_core.llm import BatchingMode, LLMProvider, ReasoningEffort
from huleedu_service_libs.errors import ValidationFailedError
from llm_provider_service.adapters.providers.base import ProviderCall
from llm_provider_service.adapters.providers.mock import CACHEABLE_PREFIX_TOKENS, MockProvider
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.config import Settings
from llm_provider_service.domain import call_time
from llm_provider_service.domain.model_table import ModelSpec, ModelTable
from llm_provider_service.domain.prompts import (
    BUNDLE_TEMPLATE_VERSION,
    PAIR_TEMPLATE_VERSION,
    render_bundle,
    render_pair,
)
from llm_provider_service.domain.rate_limit import RateLimiter
from llm_provider_service.domain.tokens import estimate_tokens
from llm_provider_service.domain.usage_estimate import Pair, call_groups, filler_text, verdict_answer
from llm_provider_service.domain.work import CallSettings, SharedContext, content_key
from llm_provider_service.service_layer.batch_jobs import BATCH_PRICE_FACTOR
from llm_provider_service.service_layer.catalogue import batching_modes
from llm_provider_service.service_layer.processing import (
    OUTPUT_TOKENS_PER_VERDICT,
    REASONING_OUTPUT_TOKENS,
    fits_context,
    output_budget,
)


@dataclass(frozen=True)
class EstimatePolicy:
    """The service settings an estimate reads."""

    serial_bundle_size: int
    justification_max_chars: int
    batch_poll_interval_s: float
    batch_max_age_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> EstimatePolicy:
        return cls(
            serial_bundle_size=settings.serial_bundle_size,
            justification_max_chars=settings.justification_max_chars,
            batch_poll_interval_s=settings.batch_api_poll_interval_s,
            batch_max_age_s=settings.batch_api_max_age_s,
        )


@dataclass(frozen=True)
class CallFigures:
    """One provider call (or one batch-API request) of an estimate."""

    pairs: int
    input_tokens: int  # the whole prompt, as the provider counts it
    prefix_key: str  # the shared (cacheable) prefix: instructions, rubric, format
    prefix_tokens: int
    output_min: int  # verdicts with empty justifications
    output_typical: int
    output_max: int  # the output budget the call is sent with (max_tokens)
    limiter_tokens: int  # what the rate limiter charges before the call: prompt plus output budget

    def split(self, tokens: int) -> int:
        """``tokens`` as the callbacks report them: split evenly over the call's comparisons, rounded down."""
        return self.pairs * (tokens // self.pairs)


@dataclass(frozen=True)
class _Scenario:
    calls: list[list[CallFigures]]  # per wave

    def flat(self) -> list[CallFigures]:
        return [call for wave in self.calls for call in wave]


class UsageEstimator:
    def __init__(self, *, models: ModelTable, providers: ProviderPool, policy: EstimatePolicy) -> None:
        self._models = models
        self._providers = providers
        self._policy = policy

    def _spec(self, request: UsageEstimateRequest) -> ModelSpec:
        """The model, checked as a submission is (400 naming the field)."""
        spec = self._models.find(request.provider, request.model)
        if spec is None:
            message = f"unknown model {request.model!r} for provider {request.provider.value}"
            raise ValidationFailedError(message, details={"fields": {"model": message}})
        if request.batching_mode not in batching_modes(spec):
            message = f"{request.provider.value}/{request.model} cannot run in {request.batching_mode.value} mode"
            raise ValidationFailedError(message, details={"fields": {"batching_mode": message}})
        return spec

    async def estimate(self, request: UsageEstimateRequest) -> UsageEstimate:
        spec = self._spec(request)
        # Rendering thousands of prompts is CPU work: off the event loop that serves the queue.
        return await asyncio.to_thread(self._estimate, request, spec)

    def _estimate(self, request: UsageEstimateRequest, spec: ModelSpec) -> UsageEstimate:
        builder = _CallBuilder(request, spec, self._policy)
        cuts = request.comparisons
        low, mid = builder.scenario(cuts.minimum), builder.scenario(cuts.typical)
        # The most a bundle can cost is to share no essay between its pairs: the sharing of the waves CJ
        # simulated is what to expect, not what a run is held to.
        high = builder.scenario(cuts.maximum, shared=False)
        price = BATCH_PRICE_FACTOR if request.batching_mode is BatchingMode.PROVIDER_BATCH_API else 1.0
        low_calls, mid_calls, high_calls = low.flat(), mid.flat(), high.flat()
        low_in = sum(c.split(c.input_tokens) for c in low_calls)
        low_out = sum(c.split(c.output_min) for c in low_calls)
        mid_in = sum(c.input_tokens for c in mid_calls)
        mid_out = sum(c.output_typical for c in mid_calls)
        high_in = sum(c.input_tokens for c in high_calls)
        high_out = sum(c.output_max for c in high_calls)
        caches = spec.capabilities.prompt_caching
        return UsageEstimate(
            provider=request.provider,
            model=request.model,
            batching_mode=request.batching_mode,
            configured=self._providers.configured(request.provider),
            serial_bundle_size=builder.bundle_size if request.batching_mode is BatchingMode.SERIAL_BUNDLE else None,
            llm_calls=CountRange(minimum=len(low_calls), typical=len(mid_calls), maximum=len(high_calls)),
            input_tokens=CountRange(minimum=low_in, typical=mid_in, maximum=high_in),
            output_tokens=CountRange(minimum=low_out, typical=mid_out, maximum=high_out),
            cost_usd=AmountRange(
                minimum=price * spec.cost_usd(low_in, low_out, cached_tokens(low_calls) if caches else 0),
                typical=price * spec.cost_usd(mid_in, mid_out, cached_tokens(mid_calls) if caches else 0),
                maximum=price * spec.cost_usd(high_in, high_out, 0),
            ),
            duration_seconds=self._durations(request.batching_mode, spec, (low, mid, high)),
            price_per_million_usd=ModelPrices.model_validate(vars(spec.prices)),
            notes=builder.notes(mid_calls, cuts.typical, price),
        )

    def _durations(
        self, mode: BatchingMode, spec: ModelSpec, scenarios: tuple[_Scenario, _Scenario, _Scenario]
    ) -> AmountRange:
        low, mid, high = scenarios
        if mode is BatchingMode.PROVIDER_BATCH_API:
            turnaround = (self._policy.batch_poll_interval_s, call_time.BATCH_TYPICAL_TURNAROUND_S)
            return AmountRange(
                minimum=len(low.calls) * min(turnaround),
                typical=len(mid.calls) * max(turnaround),
                maximum=len(high.calls) * max(self._policy.batch_max_age_s, *turnaround),
            )
        if spec.provider is LLMProvider.MOCK:
            shortest, mean, longest = self._mock_latency_s()
            seconds = [
                _timed(low, lambda _c: shortest),
                _timed(mid, lambda _c: mean),
                _timed(high, lambda _c: longest),
            ]
        else:
            seconds = [
                _timed(low, lambda c: call_time.FAST.seconds(c.output_min)),
                _timed(mid, lambda c: call_time.TYPICAL.seconds(c.output_typical)),
                _timed(high, lambda c: call_time.SLOW.seconds(c.output_max)),
            ]
        low_s, mid_s, high_s = (asyncio.run(provider_seconds(waves, spec)) for waves in seconds)
        return AmountRange(minimum=low_s, typical=mid_s, maximum=high_s)

    def _mock_latency_s(self) -> tuple[float, float, float]:
        """The mock's shortest, mean and longest answer, as it is set now (dev mode can change it)."""
        adapter = self._providers.get(LLMProvider.MOCK)
        if not isinstance(adapter, MockProvider):
            return 0.0, 0.0, 0.0  # replaced (tests, benchmarks): no latency of its own to read
        mean, jitter = adapter.settings.latency_ms_mean / 1000, adapter.settings.latency_ms_jitter / 1000
        return max(0.0, mean - jitter), mean, mean + jitter


def cached_tokens(calls: Sequence[CallFigures]) -> int:
    """Prompt tokens a caching provider serves from its cache: a long enough prefix seen before (as the
    mock caches). Never split per comparison: more cached tokens only lower a minimum further."""
    seen: set[str] = set()
    cached = 0
    for call in calls:
        if call.prefix_tokens >= CACHEABLE_PREFIX_TOKENS:
            cached += call.prefix_tokens if call.prefix_key in seen else 0
            seen.add(call.prefix_key)
    return cached


def _timed(scenario: _Scenario, seconds: Callable[[CallFigures], float]) -> list[list[tuple[int, float]]]:
    """Each call of each wave as (tokens the rate limiter charges, seconds the provider takes)."""
    return [[(call.limiter_tokens, seconds(call)) for call in wave] for wave in scenario.calls]


class _VirtualClock:
    """Time that passes only when the rate limiter waits: an estimate never really sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def provider_seconds(waves: Sequence[Sequence[tuple[int, float]]], spec: ModelSpec) -> float:
    """Seconds until the last wave is answered: each wave after the previous one (CJ waits for it), its
    calls in order through ``max_concurrency`` slots, each after the model's ``RateLimiter`` lets it go."""
    clock = _VirtualClock()
    limiter = RateLimiter(spec.limits.rpm, spec.limits.tpm, clock=clock, sleep=clock.sleep)
    for wave in waves:
        slots = [clock.now] * spec.limits.max_concurrency
        answered = clock.now
        for tokens, seconds in wave:
            # The limiter serves calls first come, first served: a call never starts before an earlier one.
            clock.now = max(clock.now, heapq.heappop(slots))
            await limiter.acquire(tokens)
            done = clock.now + seconds
            heapq.heappush(slots, done)
            answered = max(answered, done)
        clock.now = answered
    return clock.now


class _CallBuilder:
    """Renders and counts the calls of one request's waves, each distinct call once."""

    def __init__(self, request: UsageEstimateRequest, spec: ModelSpec, policy: EstimatePolicy) -> None:
        self._request = request
        self._spec = spec
        self._policy = policy
        self.bundle_size = policy.serial_bundle_size
        self._mode = request.batching_mode
        self._settings = CallSettings(
            request.provider, request.model, request.batching_mode, reasoning_effort=request.reasoning_effort
        )
        ctx = request.context
        self._context = SharedContext(ctx.instructions, ctx.rubric, ctx.student_prompt, ctx.language)
        self._texts = [filler_text(n, chars) for n, chars in enumerate(request.item_characters)]
        self._memo: dict[object, list[CallFigures]] = {}

    def scenario(self, comparisons: int, *, shared: bool = True) -> _Scenario:
        """The calls of the first ``comparisons`` pairs: whole waves, then what is left of the next one.

        ``shared=False``: every pair of a bundle shows its own two essays, as if no two shared one.
        """
        calls: list[list[CallFigures]] = []
        left = comparisons
        for wave in self._request.waves:
            if left <= 0:
                break
            groups = call_groups(wave[:left], self._mode, self.bundle_size)
            calls.append([call for group in groups for call in self._calls(group, shared)])
            left -= len(wave)
        return _Scenario(calls)

    def _calls(self, group: list[Pair], shared: bool) -> list[CallFigures]:
        lengths = self._request.item_characters
        # A prompt of pairs that share nothing depends only on their lengths; a bundle on what it shares too.
        key: object = (
            ("essays", tuple(group))
            if shared and len(group) > 1
            else ("lengths", tuple((lengths[a], lengths[b]) for a, b in group))
        )
        if key not in self._memo:
            self._memo[key] = self._render(group, shared)
        return self._memo[key]

    def _render(self, group: list[Pair], shared: bool) -> list[CallFigures]:
        max_chars = self._policy.justification_max_chars
        if shared:
            texts = [(self._texts[a], self._texts[b]) for a, b in group]
        else:  # stand-ins numbered past every item, so that no two are the same text
            lengths, after = self._request.item_characters, len(self._request.item_characters)
            texts = [
                (filler_text(after + 2 * n, lengths[a]), filler_text(after + 2 * n + 1, lengths[b]))
                for n, (a, b) in enumerate(group)
            ]
        if len(group) == 1:
            prompt = render_pair(self._context, *texts[0], max_chars=max_chars)
        else:
            prompt = render_bundle(self._context, texts, max_chars=max_chars)
        budget = self._budget(len(group))
        if len(group) > 1 and not fits_context(ProviderCall(self._settings, self._spec, prompt, budget)):
            # Too long together: the worker sends each comparison on its own.
            return [c for pair in group for c in self._render([pair], shared)]
        bundled = len(group) > 1
        prompt_tokens = estimate_tokens(prompt.full_text())
        typical = estimate_tokens(verdict_answer(len(group), max_chars // 2, bundled=bundled)) + self._reasoning()
        return [
            CallFigures(
                pairs=len(group),
                input_tokens=prompt_tokens,
                prefix_key=content_key(prompt.prefix),
                prefix_tokens=estimate_tokens(prompt.prefix),
                output_min=estimate_tokens(verdict_answer(len(group), 0, bundled=bundled)),
                output_typical=min(typical, budget),
                output_max=budget,
                limiter_tokens=prompt_tokens + budget,
            )
        ]

    def _budget(self, pairs: int) -> int:
        if self._mode is BatchingMode.PROVIDER_BATCH_API:
            # A batch item is sent with the per-verdict budget alone (BatchJobManager._render).
            return self._settings.max_tokens or OUTPUT_TOKENS_PER_VERDICT
        return output_budget(self._settings, pairs)

    def _reasoning(self) -> int:
        """Typical reasoning tokens per call: half of what LPS lets a reasoning model spend."""
        effort = self._request.reasoning_effort
        return REASONING_OUTPUT_TOKENS // 2 if effort not in (None, ReasoningEffort.NONE) else 0

    def notes(self, typical_calls: Sequence[CallFigures], comparisons: int, price: float) -> list[str]:
        p = self._spec.prices
        per_comparison = sum(c.input_tokens for c in typical_calls) / max(1, comparisons)
        notes = [
            f"Prompts are LPS's own ({PAIR_TEMPLATE_VERSION}, {BUNDLE_TEMPLATE_VERSION}) over stand-in essays of "
            "the batch's lengths, counted as LPS counts tokens (about 4 characters a token).",
            f"Typical run: {len(typical_calls)} calls for {comparisons} comparisons, {per_comparison:.0f} input "
            "tokens per comparison.",
            "Output: at least empty justifications, typically justifications of "
            f"{self._policy.justification_max_chars // 2} characters"
            + (f" and {self._reasoning()} reasoning tokens a call" if self._reasoning() else "")
            + ", at most the output budget each call is sent with.",
            f"Cost from the price table: ${p.input}/${p.output}/${p.cached_input} per million input/output/cached "
            "tokens; minimum and typical count the shared prefix as cached where the model caches prompts "
            f"(from {CACHEABLE_PREFIX_TOKENS} tokens), the maximum never does.",
        ]
        if self._mode is BatchingMode.SERIAL_BUNDLE:
            notes.append(
                f"serial_bundle: up to {self.bundle_size} consecutive comparisons of a wave per call, each distinct "
                "essay shown once, so pairs that share essays share their tokens; the maximum assumes none do."
            )
        if price != 1.0:
            notes.append(f"provider_batch_api: billed at {price:g} times the real-time price.")
        return notes
