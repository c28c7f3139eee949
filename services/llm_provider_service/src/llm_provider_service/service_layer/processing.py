"""Process claimed comparisons: one call per item, or one call per serial bundle.

Every claimed item ends in exactly one of: a terminal outcome (verdict or error) written with
its callback, or a retry scheduled in the queue. An unexpected error leaves the item leased, so
its lease runs out and another attempt picks it up: nothing is dropped.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from common_core.events.registry import EventRegistry
from common_core.llm import BatchingMode
from llm_provider_service import metrics
from llm_provider_service.adapters.outcome_store import OutcomeStore
from llm_provider_service.adapters.providers.base import ProviderCall, ProviderReply, Usage
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.domain.backoff import retry_delay_s
from llm_provider_service.domain.failures import PROVIDER_HEALTH_CODES, FailureCode, ProviderError
from llm_provider_service.domain.model_table import ModelSpec, ModelTable
from llm_provider_service.domain.prompts import Prompt, render_bundle, render_pair
from llm_provider_service.domain.tokens import estimate_tokens
from llm_provider_service.domain.verdicts import Verdict, parse_bundle, parse_verdict
from llm_provider_service.domain.work import CallSettings, ClaimedComparison, SharedContext
from llm_provider_service.service_layer.callbacks import CallbackWriter, CallReport, build_outcome, count_callback
from llm_provider_service.service_layer.guards import ProviderGuards

log = structlog.get_logger(__name__)

# Output budget per verdict, and extra room for models that reason before answering.
OUTPUT_TOKENS_PER_VERDICT = 400
REASONING_OUTPUT_TOKENS = 4000
_jitter = random.SystemRandom()


def now_ms() -> int:
    return int(time.time() * 1000)


def fits_context(call: ProviderCall) -> bool:
    """Whether the prompt and the output budget fit the model's context window (estimated)."""
    return estimate_tokens(call.prompt.full_text()) + call.max_output_tokens <= call.spec.context_window


def output_budget(settings: CallSettings, pairs: int) -> int:
    """The output tokens one call of ``pairs`` comparisons may spend (its max_tokens); the estimates use it too."""
    if settings.max_tokens is not None:
        return settings.max_tokens * pairs
    extra = REASONING_OUTPUT_TOKENS if settings.reasoning_effort not in (None, "none") else 0
    return OUTPUT_TOKENS_PER_VERDICT * pairs + extra


@dataclass(frozen=True)
class ProcessingPolicy:
    max_attempts: int
    retry_base_s: float
    retry_cap_s: float
    justification_max_chars: int
    service_name: str


class ComparisonProcessor:
    def __init__(
        self,
        *,
        queue: RedisQueue,
        writer: CallbackWriter,
        store: OutcomeStore,
        providers: ProviderPool,
        guards: ProviderGuards,
        models: ModelTable,
        registry: EventRegistry,
        policy: ProcessingPolicy,
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self._queue = queue
        self._writer = writer
        self._store = store
        self._providers = providers
        self._guards = guards
        self._models = models
        self._registry = registry
        self._policy = policy
        self._clock_ms = clock_ms

    # --- outcomes -------------------------------------------------------------------------------

    async def finish(
        self,
        claimed: ClaimedComparison,
        *,
        verdict: Verdict | None = None,
        failure: ProviderError | None = None,
        report: CallReport | None = None,
    ) -> None:
        """Write the terminal outcome and its callback durably, then drop the item from the queue."""
        await self.settle(claimed, verdict=verdict, failure=failure, report=report)
        await self._queue.finish(claimed)

    async def settle(
        self,
        claimed: ClaimedComparison,
        *,
        verdict: Verdict | None = None,
        failure: ProviderError | None = None,
        report: CallReport | None = None,
    ) -> None:
        """Write the terminal outcome and its callback durably (a second outcome of a request is dropped)."""
        now = self._clock_ms()
        outcome = build_outcome(
            claimed,
            verdict=verdict,
            failure=failure,
            report=report or CallReport(),
            registry=self._registry,
            service_name=self._policy.service_name,
            now_ms=now,
        )
        # Not new: the request already had its outcome, or its batch was erased meanwhile (nothing written).
        if await self._writer.write(outcome):
            count_callback(outcome, now, claimed.item.enqueued_ms)

    async def fail_or_retry(self, claimed: ClaimedComparison, failure: ProviderError, report: CallReport) -> None:
        metrics.PROVIDER_ERRORS.labels(claimed.item.settings.provider.value, failure.code.value).inc()
        invalid = failure.code is FailureCode.INVALID_RESPONSE
        # An unparseable verdict is retried once (never defaulted to "A"); other retryable
        # failures until the attempts run out or the item expires.
        may_retry = failure.retryable and claimed.attempts < self._policy.max_attempts
        if invalid and claimed.invalid_responses >= 1:
            may_retry = False
        now = self._clock_ms()
        delay_s = retry_delay_s(
            claimed.attempts,
            base_s=self._policy.retry_base_s,
            cap_s=self._policy.retry_cap_s,
            jitter_unit=_jitter.random(),
            retry_after_s=failure.retry_after_s,
        )
        due = now + int(delay_s * 1000)
        if may_retry and due < claimed.item.expires_ms:
            await self._queue.retry_later(claimed, due_ms=due, invalid_response=invalid, error=str(failure))
            return
        await self.finish(claimed, failure=failure, report=report)

    # --- processing -----------------------------------------------------------------------------

    async def process(self, group: Sequence[ClaimedComparison]) -> None:
        """Process comparisons claimed together from one lane (same settings and context)."""
        live: list[ClaimedComparison] = []
        for claimed in await self.without_erased(group):
            if self.is_expired(claimed):
                await self.expire(claimed)
            else:
                live.append(claimed)
        # A reclaimed item may have been finished by a worker that died before dropping it.
        seen_before = [c.item.request_id for c in live if c.attempts > 1]
        if seen_before:
            done = await self._store.find(seen_before)
            for claimed in [c for c in live if c.item.request_id in done]:
                await self._queue.finish(claimed)
            live = [c for c in live if c.item.request_id not in done]
        if not live:
            return
        first = live[0].item
        texts = await self._queue.get_texts(
            [first.context_key, *{k for c in live for k in (c.item.text_a_key, c.item.text_b_key)}]
        )
        if first.context_key not in texts:
            for claimed in live:
                await self.finish(claimed, failure=ProviderError(FailureCode.BAD_REQUEST, "the context was lost"))
            return
        context = SharedContext.from_json(texts[first.context_key])
        # Items that already had an invalid answer inside a bundle are retried alone.
        bundle = (
            [c for c in live if c.invalid_responses == 0] if first.settings.mode is BatchingMode.SERIAL_BUNDLE else []
        )
        solo = [c for c in live if c not in bundle]
        if len(bundle) == 1:
            solo.insert(0, bundle.pop())
        if bundle:
            await self._process_bundle(bundle, context, texts)
        await asyncio.gather(*(self._process_one(claimed, context, texts) for claimed in solo))

    async def without_erased(self, group: Sequence[ClaimedComparison]) -> list[ClaimedComparison]:
        """``group`` less the comparisons of erased batches, which leave the queue with no outcome and no
        callback (their caller deleted the batch and cancelled its work)."""
        erased = await self._queue.erased([c.item.batch_id for c in group if c.item.batch_id is not None])
        if not erased:
            return list(group)
        for claimed in group:
            if claimed.item.batch_id in erased:
                await self._queue.finish(claimed)
                log.info("erased_comparison_dropped", request_id=claimed.item.request_id)
        return [c for c in group if c.item.batch_id not in erased]

    def is_expired(self, claimed: ClaimedComparison) -> bool:
        return self._clock_ms() >= claimed.item.expires_ms

    async def expire(self, claimed: ClaimedComparison) -> None:
        failure = ProviderError(FailureCode.EXPIRED, "the comparison expired in the queue before it was judged")
        await self.finish(claimed, failure=failure)

    def _pair_texts(self, claimed: ClaimedComparison, texts: dict[str, str]) -> tuple[str, str] | None:
        a, b = texts.get(claimed.item.text_a_key), texts.get(claimed.item.text_b_key)
        return (a, b) if a is not None and b is not None else None

    def _spec(self, settings: CallSettings) -> ModelSpec:
        spec = self._models.find(settings.provider, settings.model)
        if spec is None:
            raise ProviderError(FailureCode.BAD_REQUEST, f"unknown model {settings.provider}/{settings.model}")
        return spec

    async def _invoke(self, call: ProviderCall) -> ProviderReply:
        """One provider call behind the breaker and the rate limiter, with its metrics."""
        provider, model = call.settings.provider, call.settings.model
        if not fits_context(call):
            raise ProviderError(FailureCode.BAD_REQUEST, f"the prompt does not fit the context window of {model}")
        breaker = self._guards.breaker(provider)
        if not breaker.allow():
            raise ProviderError(FailureCode.CIRCUIT_OPEN, f"the {provider} circuit breaker is open")
        await self._guards.limiter(call.spec).acquire(estimate_tokens(call.prompt.full_text()) + call.max_output_tokens)
        started = time.perf_counter()
        try:
            reply = await self._providers.get(provider).complete(call)
        except ProviderError as failure:
            if failure.code in PROVIDER_HEALTH_CODES:
                breaker.record_failure()
            else:
                breaker.record_success()  # it answered: the provider is up, the request was the problem
            raise
        except asyncio.CancelledError:
            breaker.abandon()  # shutting down: a half-open probe that never finished tells nothing
            raise
        finally:
            metrics.PROVIDER_LATENCY.labels(provider.value, model).observe(time.perf_counter() - started)
            self._guards.publish_breaker_states()
        breaker.record_success()
        self._guards.publish_breaker_states()
        self.count_usage(call.settings, reply.usage, _cost(call.spec, reply.usage))
        return reply

    @staticmethod
    def count_usage(settings: CallSettings, usage: Usage | None, cost_usd: float | None) -> None:
        if usage is None or cost_usd is None:
            return  # unknown: counting it as 0 would understate spend without a trace
        provider, model = settings.provider.value, settings.model
        metrics.TOKENS.labels(provider, model, "input").inc(usage.input_tokens)
        metrics.TOKENS.labels(provider, model, "output").inc(usage.output_tokens)
        metrics.TOKENS.labels(provider, model, "cached_input").inc(usage.cached_input_tokens)
        metrics.COST.labels(provider, model).inc(cost_usd)

    def _report(self, spec: ModelSpec, prompt: Prompt, reply: ProviderReply, share: int = 1) -> CallReport:
        """The call's usage and cost, split evenly over the ``share`` comparisons it answered."""
        u = reply.usage
        usage = Usage(u.input_tokens // share, u.output_tokens // share, u.cached_input_tokens // share) if u else None
        return CallReport(
            usage=usage,
            cost_usd=_cost(spec, usage),
            provider_ms=reply.latency_ms,
            prompt_version=prompt.version,
            provider_request_id=reply.provider_request_id,
        )

    async def _process_one(self, claimed: ClaimedComparison, context: SharedContext, texts: dict[str, str]) -> None:
        settings = claimed.item.settings
        pair = self._pair_texts(claimed, texts)
        if pair is None:
            await self.finish(claimed, failure=ProviderError(FailureCode.BAD_REQUEST, "an essay text was lost"))
            return
        prompt = render_pair(context, *pair, max_chars=self._policy.justification_max_chars)
        report = CallReport(prompt_version=prompt.version)
        try:
            spec = self._spec(settings)
            call = ProviderCall(
                settings, spec, prompt, output_budget(settings, 1), [pair], context.language, claimed.attempts
            )
            reply = await self._invoke(call)
            report = self._report(spec, prompt, reply)
            verdict = parse_verdict(reply.text, self._policy.justification_max_chars)
        except ProviderError as failure:
            await self.fail_or_retry(claimed, failure, report)
            return
        await self.finish(claimed, verdict=verdict, report=report)

    async def _process_bundle(
        self, group: list[ClaimedComparison], context: SharedContext, texts: dict[str, str]
    ) -> None:
        settings = group[0].item.settings
        usable: list[tuple[ClaimedComparison, tuple[str, str]]] = []
        for claimed in group:
            pair = self._pair_texts(claimed, texts)
            if pair is None:
                await self.finish(claimed, failure=ProviderError(FailureCode.BAD_REQUEST, "an essay text was lost"))
            else:
                usable.append((claimed, pair))
        if not usable:
            return
        pairs = [pair for _, pair in usable]
        prompt = render_bundle(context, pairs, max_chars=self._policy.justification_max_chars)
        try:
            spec = self._spec(settings)
            call = ProviderCall(
                settings,
                spec,
                prompt,
                output_budget(settings, len(pairs)),
                pairs,
                context.language,
                max(c.attempts for c, _ in usable),
            )
            if not fits_context(call):  # too long together: each comparison goes on its own
                await asyncio.gather(*(self._process_one(claimed, context, texts) for claimed, _ in usable))
                return
            reply = await self._invoke(call)
        except ProviderError as failure:  # the call itself failed: every item retries (or fails) on its own
            for claimed, _ in usable:
                await self.fail_or_retry(claimed, failure, CallReport(prompt_version=prompt.version))
            return
        metrics.SERIAL_BUNDLE_CALLS.labels(settings.provider.value, settings.model).inc()
        metrics.SERIAL_BUNDLE_ITEMS.labels(settings.provider.value, settings.model).observe(len(usable))
        report = self._report(spec, prompt, reply, share=len(usable))
        results = parse_bundle(reply.text, len(usable), self._policy.justification_max_chars)
        # Each item is settled on its own (concurrently, so their commits share one group commit):
        # a bad item is retried alone and never fails the items that succeeded.
        await asyncio.gather(
            *(
                self.finish(claimed, verdict=result, report=report)
                if isinstance(result, Verdict)
                else self.fail_or_retry(claimed, result, report)
                for (claimed, _), result in zip(usable, (results[n] for n in range(1, len(usable) + 1)), strict=True)
            )
        )


def _cost(spec: ModelSpec, usage: Usage | None) -> float | None:
    return spec.cost_usd(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) if usage else None
