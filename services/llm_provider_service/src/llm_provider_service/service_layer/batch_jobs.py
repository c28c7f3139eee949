"""provider_batch_api: claimed comparisons become a persisted provider batch job, polled to its end.

A job lives in the LPS database from the moment it is created, so the queue can let its items go
and a restarted (or another) LPS process resumes polling it. Every item ends in exactly one
callback: its verdict, its own error, or an error for a result the provider never returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import structlog

from common_core.llm import LLMProvider
from llm_provider_service import metrics
from llm_provider_service.adapters.batch_job_store import BatchJob, BatchJobItem, BatchJobStore
from llm_provider_service.adapters.providers.anthropic_messages import AnthropicProvider
from llm_provider_service.adapters.providers.base import BodyRetrier, ProviderCall, ProviderReply
from llm_provider_service.adapters.providers.batch_api import BatchClient
from llm_provider_service.adapters.providers.openai_chat import OpenAIChatProvider
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.domain.backoff import retry_delay_s
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.model_table import ModelSpec, ModelTable
from llm_provider_service.domain.prompts import render_pair
from llm_provider_service.domain.verdicts import parse_verdict
from llm_provider_service.domain.work import CallSettings, ClaimedComparison, QueuedComparison, SharedContext
from llm_provider_service.service_layer.callbacks import CallReport
from llm_provider_service.service_layer.processing import OUTPUT_TOKENS_PER_VERDICT, ComparisonProcessor

log = structlog.get_logger(__name__)

# Both OpenAI Batch and Anthropic Message Batches bill at half the real-time price.
BATCH_PRICE_FACTOR = 0.5
BATCH_PROVIDERS = frozenset({LLMProvider.OPENAI, LLMProvider.ANTHROPIC})
_BODY_BUILDERS: dict[LLMProvider, Callable[[ProviderCall], dict[str, Any]]] = {
    LLMProvider.OPENAI: OpenAIChatProvider.request_body,
    LLMProvider.ANTHROPIC: AnthropicProvider.request_body,
}


@dataclass(frozen=True)
class BatchPolicy:
    poll_interval_s: float
    max_age_s: float
    justification_max_chars: int
    retry_base_s: float
    retry_cap_s: float


class BatchJobManager:
    def __init__(
        self,
        *,
        store: BatchJobStore,
        queue: RedisQueue,
        processor: ComparisonProcessor,
        models: ModelTable,
        clients: Callable[[LLMProvider], BatchClient],
        realtime: Callable[[LLMProvider], BodyRetrier],
        policy: BatchPolicy,
    ) -> None:
        self._store = store
        self._queue = queue
        self._processor = processor
        self._models = models
        self._clients = clients
        self._realtime = realtime
        self._policy = policy
        self._stopping = False
        self._stop_requested = asyncio.Event()

    # --- creating jobs (called by the queue worker with a claimed lane) ------------------------

    async def create_job(self, settings: CallSettings, group: Sequence[ClaimedComparison]) -> None:
        """Persist ``group`` as one job, then let the queue drop its items; the job owns them now.

        Items of an erased batch are dropped (no job item, no callback)."""
        group = await self._processor.without_erased(group)
        in_jobs = await self._store.queue_ids_in_jobs([c.item.request_id for c in group])
        live: list[ClaimedComparison] = []
        for claimed in group:
            if claimed.item.request_id in in_jobs:
                continue  # a process died after creating its job but before dropping the items
            if self._processor.is_expired(claimed):
                await self._processor.expire(claimed)
            else:
                live.append(claimed)
        if live:
            job_id = uuid.uuid4()
            # An erasure that lands meanwhile leaves its batch's items out (the store checks, under its lock).
            items = await self._store.create(
                job_id, settings.provider.value, settings.model, await self._render(settings, live)
            )
            if items:
                metrics.BATCH_JOBS.labels(settings.provider.value, "created").inc()
                metrics.BATCH_ITEMS.labels(settings.provider.value).observe(len(items))
                log.info("batch_job_created", job_id=str(job_id), provider=settings.provider.value, items=len(items))
        for claimed in group:
            if claimed in live or claimed.item.request_id in in_jobs:
                await self._queue.finish(claimed)

    async def _render(self, settings: CallSettings, group: Sequence[ClaimedComparison]) -> list[BatchJobItem]:
        first = group[0].item
        keys = [first.context_key, *{k for c in group for k in (c.item.text_a_key, c.item.text_b_key)}]
        texts = await self._queue.get_texts(keys)
        context = SharedContext.from_json(texts[first.context_key])
        spec = self._models.find(settings.provider, settings.model)
        if spec is None:
            raise ProviderError(FailureCode.BAD_REQUEST, f"unknown model {settings.model}")
        build = _BODY_BUILDERS[settings.provider]
        items = []
        for n, claimed in enumerate(group):
            a, b = texts[claimed.item.text_a_key], texts[claimed.item.text_b_key]
            prompt = render_pair(context, a, b, max_chars=self._policy.justification_max_chars)
            budget = settings.max_tokens if settings.max_tokens is not None else OUTPUT_TOKENS_PER_VERDICT
            call = ProviderCall(settings, spec, prompt, budget, [(a, b)], context.language)
            # custom ids are job-local and neutral (Anthropic allows only [a-zA-Z0-9_-]{1,64}).
            items.append(
                BatchJobItem(
                    f"c{n:06d}",
                    claimed.item.request_id,
                    claimed.item.to_dict(),
                    build(call),
                    prompt.version,
                    claimed.item.batch_id,
                )
            )
        return items

    # --- polling jobs ---------------------------------------------------------------------------

    async def run(self) -> None:
        log.info("batch_job_poller_started")
        while not self._stopping:
            try:
                for job in await self._store.lease_due(limit=10, lease_s=max(60.0, 4 * self._policy.poll_interval_s)):
                    await self.advance(job)
            except Exception as exc:  # the database or a provider is unreachable: try again later
                log.warning("batch_job_poll_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._policy.poll_interval_s):
                    await self._stop_requested.wait()
        log.info("batch_job_poller_stopped")

    def stop(self) -> None:
        self._stopping = True
        self._stop_requested.set()

    async def advance(self, job: BatchJob) -> None:
        client = self._clients(LLMProvider(job.provider))
        try:
            if job.status == "creating":
                await self._submit(job, client)
            else:
                await self._check(job, client)
        except ProviderError as failure:
            if failure.retryable:
                delay = retry_delay_s(
                    job.attempts + 1,
                    base_s=self._policy.retry_base_s,
                    cap_s=max(self._policy.retry_cap_s, self._policy.poll_interval_s),
                    jitter_unit=0.5,
                    retry_after_s=failure.retry_after_s,
                )
                await self._store.check_later(job.id, delay, error=str(failure))
                return
            # The provider refused the job itself: every item gets that error.
            await self._end(job, {}, default=failure)

    async def _submit(self, job: BatchJob, client: BatchClient) -> None:
        items = await self._store.items(job.id)
        if not items:  # every item's batch was erased before the job reached the provider
            await self._store.mark_ended(job.id)
            metrics.BATCH_JOBS.labels(job.provider, "erased").inc()
            log.info("batch_job_erased", job_id=str(job.id), submitted=False)
            return
        batch_id = await client.submit([(i.custom_id, i.request_body) for i in items])
        await self._store.mark_submitted(job.id, batch_id, self._policy.poll_interval_s)
        metrics.BATCH_JOBS.labels(job.provider, "submitted").inc()
        log.info("batch_job_submitted", job_id=str(job.id), provider_batch_id=batch_id)

    async def _check(self, job: BatchJob, client: BatchClient) -> None:
        assert job.provider_batch_id is not None  # noqa: S101 - a submitted job has its provider id
        if not await self._store.has_items(job.id):
            # Every item's batch was erased: stop the provider's work on them. Results that were ready
            # are never fetched; the provider keeps its copy of the input per its own retention.
            await client.cancel(job.provider_batch_id)
            await self._store.mark_ended(job.id)
            metrics.BATCH_JOBS.labels(job.provider, "erased").inc()
            log.info("batch_job_erased", job_id=str(job.id), submitted=True)
            return
        status = await client.status(job.provider_batch_id)
        if not status.ended:
            if job.age_s > self._policy.max_age_s:
                # Too old: stop it; the provider ends it as cancelled and the next check collects.
                await client.cancel(job.provider_batch_id)
            await self._store.check_later(job.id, self._policy.poll_interval_s)
            return
        results = await client.results(job.provider_batch_id)
        missing = ProviderError(
            FailureCode.PROVIDER_UNAVAILABLE, f"the provider's batch ended ({status.detail}) without this item"
        )
        await self._end(job, results, default=missing)

    def _report(
        self,
        claimed: ClaimedComparison,
        spec: ModelSpec | None,
        reply: ProviderReply,
        version: str,
        price_factor: float,
    ) -> CallReport:
        usage = reply.usage
        cost = (
            spec.cost_usd(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens) * price_factor
            if spec is not None and usage is not None
            else None
        )
        self._processor.count_usage(claimed.item.settings, usage, cost)
        return CallReport(usage, cost, reply.latency_ms, version, reply.provider_request_id)

    async def _retry_once(self, claimed: ClaimedComparison, item: BatchJobItem, spec: ModelSpec | None) -> None:
        report = CallReport(prompt_version=item.prompt_version)
        try:
            reply = await self._realtime(claimed.item.settings.provider).complete_body(item.request_body)
            report = self._report(claimed, spec, reply, item.prompt_version, 1.0)
            verdict = parse_verdict(reply.text, self._policy.justification_max_chars)
        except ProviderError as failure:
            await self._processor.settle(claimed, failure=failure, report=report)
            return
        await self._processor.settle(claimed, verdict=verdict, report=report)

    async def _end(
        self, job: BatchJob, results: dict[str, ProviderReply | ProviderError], *, default: ProviderError
    ) -> None:
        items = await self._store.items(job.id)
        spec = self._models.find(LLMProvider(job.provider), job.model)
        for item in items:
            claimed = ClaimedComparison(
                QueuedComparison.from_dict(item.item), token="", attempts=1, invalid_responses=0
            )
            result = results.get(item.custom_id, default)
            if isinstance(result, ProviderError):
                if result.code is FailureCode.EXPIRED or job.age_s > self._policy.max_age_s:
                    result = ProviderError(FailureCode.EXPIRED, result.message)
                await self._processor.settle(
                    claimed, failure=result, report=CallReport(prompt_version=item.prompt_version)
                )
                continue
            report = self._report(claimed, spec, result, item.prompt_version, BATCH_PRICE_FACTOR)
            try:
                verdict = parse_verdict(result.text, self._policy.justification_max_chars)
            except ProviderError:
                # An unparseable verdict is retried once, as in the other modes: the same request,
                # sent in real time. It never defaults to a winner.
                await self._retry_once(replace(claimed, attempts=2), item, spec)
                continue
            await self._processor.settle(claimed, verdict=verdict, report=report)
        await self._store.mark_ended(job.id)
        metrics.BATCH_JOBS.labels(job.provider, "ended").inc()
        metrics.BATCH_DURATION.labels(job.provider).observe(job.age_s)
        log.info("batch_job_ended", job_id=str(job.id), items=len(items), results=len(results))
