"""Accept one wave of comparisons: validate, resolve settings, enqueue all or nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from common_core.events.catalog import EVENTS
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from common_core.http.llm_provider import (
    AcceptedComparison,
    ComparisonBatchAccepted,
    ComparisonBatchRequest,
    ComparisonItem,
    ComparisonState,
)
from common_core.llm import LLMProvider
from huleedu_service_libs.correlation import correlation_id_or_new
from huleedu_service_libs.errors import ConflictError, RateLimitedError, ValidationFailedError
from llm_provider_service.adapters.batch_job_store import BatchJobStore
from llm_provider_service.adapters.outcome_store import OutcomeStore
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.adapters.redis_queue import BatchErasedError, QueueFullError, RedisQueue
from llm_provider_service.config import Settings
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.work import CallSettings, QueuedComparison, SharedContext, content_key
from llm_provider_service.service_layer.catalogue import batching_modes
from llm_provider_service.service_layer.processing import now_ms

_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
_STATE_BY_QUEUE_STATE = {"queued": ComparisonState.QUEUED, "processing": ComparisonState.PROCESSING}


def comparison_state(raw: str) -> ComparisonState:
    """The API state of a queue or outcome state (mapped here only, passed through everywhere else)."""
    return _STATE_BY_QUEUE_STATE.get(raw) or ComparisonState(raw)


class SubmissionService:
    def __init__(
        self,
        *,
        queue: RedisQueue,
        store: OutcomeStore,
        batch_jobs: BatchJobStore,
        models: ModelTable,
        providers: ProviderPool,
        settings: Settings,
        registry: EventRegistry,
        on_submitted: Callable[[], None] = lambda: None,
    ) -> None:
        self._queue = queue
        self._store = store
        self._batch_jobs = batch_jobs
        self._models = models
        self._providers = providers
        self._settings = settings
        self._registry = registry
        self._on_submitted = on_submitted

    def callback_topic_problem(self, topic: str) -> str | None:
        """Why ``topic`` cannot take callbacks, if it cannot: not a Kafka topic name, or the topic of
        another event (a callback there would poison that event's consumers)."""
        if not _TOPIC_NAME.fullmatch(topic):
            return "not a valid Kafka topic name"
        for registry in (self._registry, EVENTS):
            for name, model in registry:
                if name == topic and model is not LLMComparisonResultV1:
                    return f"{topic} carries {model.__name__} events, not comparison results"
        return None

    def resolve(self, item: ComparisonItem, errors: dict[str, str], index: int) -> CallSettings | None:
        """The call settings of ``item``: its overrides over the service defaults, checked against the model table."""
        o = item.overrides
        field = f"comparisons[{index}].overrides"
        provider = o.provider if o is not None and o.provider is not None else self._settings.default_provider
        if o is not None and o.model is not None:
            model: str | None = o.model
        elif provider == self._settings.default_provider:
            model = self._settings.default_model
        else:
            model = self._models.default_model(provider)
        mode = (
            o.batching_mode if o is not None and o.batching_mode is not None else self._settings.default_batching_mode
        )
        if model is None or self._models.find(provider, model) is None:
            errors[f"{field}.model"] = f"unknown model {model!r} for provider {provider.value}"
            return None
        if not self._providers.configured(provider):
            errors[f"{field}.provider"] = f"provider {provider.value} has no API key configured"
            return None
        spec = self._models.find(provider, model)
        if spec is None or mode not in batching_modes(spec):
            # Never silently downgraded to another mode: the caller chose the batch price.
            errors[f"{field}.batching_mode"] = f"{provider.value}/{model} has no provider batch API"
            return None
        return CallSettings(
            provider=LLMProvider(provider),
            model=model,
            mode=mode,
            # ``is None`` checks throughout: a temperature of 0 is a real choice (PITFALLS).
            temperature=o.temperature if o is not None else None,
            reasoning_effort=o.reasoning_effort if o is not None else None,
            max_tokens=o.max_tokens if o is not None else None,
        )

    async def submit(self, request: ComparisonBatchRequest) -> ComparisonBatchAccepted:
        errors: dict[str, str] = {}
        topic_problem = self.callback_topic_problem(request.callback_topic)
        if topic_problem:
            errors["callback_topic"] = topic_problem
        resolved = [self.resolve(item, errors, i) for i, item in enumerate(request.comparisons)]
        if errors:
            raise ValidationFailedError("the comparisons cannot be queued", details={"fields": errors})

        request_ids = [c.request_id for c in request.comparisons]
        known = await self._store.find(request_ids)
        in_jobs = await self._batch_jobs.queue_ids_in_jobs([r for r in request_ids if r not in known])
        context = SharedContext(
            instructions=request.context.instructions,
            rubric=request.context.rubric,
            student_prompt=request.context.student_prompt,
            language=request.context.language,
        )
        context_key = context.key()
        now = now_ms()
        expires = now + int(self._settings.item_ttl_s * 1000)
        correlation_id = str(correlation_id_or_new())
        batch_id = str(request.batch_id) if request.batch_id is not None else None
        blobs: dict[str, str] = {context_key: context.to_json()}
        items: list[QueuedComparison] = []
        for comparison, settings in zip(request.comparisons, resolved, strict=True):
            if comparison.request_id in known or comparison.request_id in in_jobs or settings is None:
                continue
            a, b = request.texts[comparison.a], request.texts[comparison.b]
            blobs[content_key(a)] = a
            blobs[content_key(b)] = b
            items.append(
                QueuedComparison(
                    request_id=comparison.request_id,
                    queue_id=uuid.uuid4().hex,
                    settings=settings,
                    context_key=context_key,
                    text_a_key=content_key(a),
                    text_b_key=content_key(b),
                    callback_topic=request.callback_topic,
                    correlation_id=correlation_id,
                    enqueued_ms=now,
                    expires_ms=expires,
                    priority=comparison.priority,
                    request_metadata=comparison.request_metadata,
                    batch_id=batch_id,
                )
            )
        queued: dict[str, tuple[str, str]] = {}
        if items:
            try:
                await self._queue.put_texts(blobs, batch_id=batch_id, shared=frozenset({context_key}))
                outcomes = await self._queue.submit(items, self._settings.queue_capacity, batch_id=batch_id)
            except QueueFullError:
                raise RateLimitedError(
                    "the comparison queue is full; nothing of this request was queued",
                    retry_after_s=self._settings.queue_full_retry_after_s,
                ) from None
            except BatchErasedError:
                # The batch was deleted (huleedu.batch.deleted.v1): nothing of it is stored again. If
                # the texts went in just before the erasure, the erasure took them.
                raise ConflictError(
                    "the batch was deleted; its comparisons are not accepted", details={"batch_id": batch_id}
                ) from None
            queued = {o.request_id: (o.state, o.queue_id) for o in outcomes}
            self._on_submitted()
        accepted: list[AcceptedComparison] = []
        for comparison in request.comparisons:
            if comparison.request_id in known:
                stored = known[comparison.request_id]
                accepted.append(
                    AcceptedComparison(
                        request_id=comparison.request_id,
                        queue_id=stored.queue_id,
                        state=comparison_state(stored.state),
                    )
                )
            elif comparison.request_id in in_jobs:
                accepted.append(
                    AcceptedComparison(
                        request_id=comparison.request_id,
                        queue_id=in_jobs[comparison.request_id],
                        state=ComparisonState.PROCESSING,
                    )
                )
            else:
                state, queue_id = queued[comparison.request_id]
                accepted.append(
                    AcceptedComparison(
                        request_id=comparison.request_id, queue_id=queue_id, state=comparison_state(state)
                    )
                )
        return ComparisonBatchAccepted(accepted=accepted)

    async def describe(self, request_id: str) -> dict[str, object] | None:
        """The state and attempts of one comparison, from its outcome or from the queue."""
        stored = (await self._store.find([request_id])).get(request_id)
        if stored is not None:
            return {
                "request_id": request_id,
                "queue_id": stored.queue_id,
                "state": comparison_state(stored.state).value,
                "attempts": stored.attempts,
                "error_code": stored.error_code,
            }
        queued = await self._queue.state(request_id)
        if queued is None:
            in_job = (await self._batch_jobs.queue_ids_in_jobs([request_id])).get(request_id)
            if in_job is None:
                return None
            return {
                "request_id": request_id,
                "queue_id": in_job,
                "state": ComparisonState.PROCESSING.value,
                "attempts": 1,
            }
        return {
            "request_id": request_id,
            "queue_id": queued.queue_id,
            "state": comparison_state(queued.state).value,
            "attempts": queued.attempts,
            "last_error": queued.last_error,
        }
