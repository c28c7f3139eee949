"""Terminal callbacks: build the result event and write it (with its outcome row) in group commits."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from common_core.envelope import deterministic_event_id
from common_core.events.llm_provider import ComparisonError, ComparisonTimings, LLMComparisonResultV1, TokenUsage
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.envelopes import make_envelope
from llm_provider_service import metrics
from llm_provider_service.adapters.outcome_store import OutcomeStore, TerminalOutcome
from llm_provider_service.adapters.providers.base import Usage
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.verdicts import Verdict
from llm_provider_service.domain.work import ClaimedComparison

log = structlog.get_logger(__name__)

# The maximum number of outcomes committed in one transaction.
GROUP_COMMIT_MAX = 500


@dataclass(frozen=True)
class CallReport:
    """What one comparison's final provider call cost and took."""

    usage: Usage | None = None  # None: no provider answer, or one without usage

    cost_usd: float | None = None
    provider_ms: int = 0
    prompt_version: str | None = None
    provider_request_id: str | None = None


def _terminal_state(verdict: Verdict | None, failure: ProviderError | None) -> str:
    if verdict is not None:
        return "done"
    return "expired" if failure is not None and failure.code is FailureCode.EXPIRED else "failed"


def build_outcome(
    claimed: ClaimedComparison,
    *,
    verdict: Verdict | None,
    failure: ProviderError | None,
    report: CallReport,
    registry: EventRegistry,
    service_name: str,
    now_ms: int,
) -> TerminalOutcome:
    item = claimed.item
    state = _terminal_state(verdict, failure)
    payload = LLMComparisonResultV1(
        request_id=item.request_id,
        correlation_id=uuid.UUID(item.correlation_id),
        request_metadata=item.request_metadata,
        winner=verdict.winner if verdict else None,
        confidence=verdict.confidence if verdict else None,
        justification=verdict.justification if verdict else None,
        error=(
            ComparisonError(
                code=failure.code.value,
                message=failure.message[:1000] or "failed",
                # Whether submitting the comparison again may succeed (LPS itself has given up).
                retryable=failure.retryable or failure.code is FailureCode.EXPIRED,
            )
            if failure is not None and verdict is None
            else None
        ),
        provider=item.settings.provider,
        model=item.settings.model,
        usage=(
            TokenUsage(
                input_tokens=report.usage.input_tokens,
                output_tokens=report.usage.output_tokens,
                cached_input_tokens=report.usage.cached_input_tokens,
            )
            if report.usage is not None
            else None
        ),
        cost_usd=report.cost_usd,
        timings=ComparisonTimings(
            queued_ms=max(0, now_ms - item.enqueued_ms - report.provider_ms),
            provider_ms=report.provider_ms,
            total_ms=max(0, now_ms - item.enqueued_ms),
        ),
        completed_at=datetime.fromtimestamp(now_ms / 1000, UTC),
        prompt_version=report.prompt_version,
        attempts=max(1, claimed.attempts),
        batching_mode=item.settings.mode,
        provider_request_id=report.provider_request_id,
    )
    with correlation_scope(payload.correlation_id):
        envelope = make_envelope(
            payload,
            source_service=service_name,
            # The same request always yields the same event id, so consumers see one fact.
            event_id=deterministic_event_id("llm_provider.comparison_result", item.request_id),
            registry=registry,
        )
    return TerminalOutcome(
        request_id=item.request_id,
        queue_id=item.queue_id,
        state=state,
        attempts=max(1, claimed.attempts),
        error_code=failure.code.value if failure is not None and verdict is None else None,
        batching_mode=item.settings.mode.value,
        callback_topic=item.callback_topic,
        envelope=envelope,
        batch_id=item.batch_id,
    )


class CallbackWriter:
    """Batches terminal outcomes from many workers into few transactions (group commit).

    ``await write(outcome)`` returns once the outcome is durable (True: it was new and its
    callback is in the outbox; False: the request already had its terminal callback). A failed
    commit raises in every waiting writer, so no worker acknowledges an item that was not saved.

    :meth:`run` is one of the supervised background loops. While it is not running (not started,
    stopped, or waiting to be restarted) each outcome is written on its own, so a dead loop never
    holds a callback back.
    """

    def __init__(self, store: OutcomeStore) -> None:
        self._store = store
        # ``None`` is the stop marker: the loop returns once the outcomes queued before it are committed.
        self._pending: asyncio.Queue[tuple[TerminalOutcome, asyncio.Future[bool]] | None] = asyncio.Queue()
        self._running = False

    async def run(self) -> None:
        self._running = True
        try:
            while True:
                taken = [await self._pending.get()]
                while len(taken) < GROUP_COMMIT_MAX and not self._pending.empty():
                    taken.append(self._pending.get_nowait())
                batch = [entry for entry in taken if entry is not None]
                if batch:
                    await self._commit(batch)
                if len(batch) < len(taken):  # the stop marker, always the last entry queued
                    return
        finally:
            self._running = False

    def stop(self) -> None:
        """Ask :meth:`run` to return once what is queued is committed; later outcomes are written directly."""
        if self._running:
            self._running = False
            self._pending.put_nowait(None)

    async def write(self, outcome: TerminalOutcome) -> bool:
        if not self._running:
            return outcome.request_id in await self._store.record([outcome])
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.put_nowait((outcome, future))
        return await future

    async def _commit(self, batch: list[tuple[TerminalOutcome, asyncio.Future[bool]]]) -> None:
        try:
            new = await self._store.record([outcome for outcome, _ in batch])
        except Exception as exc:  # the database is down: every writer in the batch learns it
            log.warning("callback_commit_failed", error=str(exc), outcomes=len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for outcome, future in batch:
            if not future.done():
                future.set_result(outcome.request_id in new)


def count_callback(outcome: TerminalOutcome, now_ms: int, enqueued_ms: int) -> None:
    result = {"done": "success", "expired": "expired"}.get(outcome.state, "error")
    metrics.CALLBACKS.labels(outcome.batching_mode, result).inc()
    metrics.QUEUE_WAIT.labels(outcome.batching_mode, result).observe(max(0, now_ms - enqueued_ms) / 1000)
    if outcome.state == "expired":
        metrics.EXPIRIES.inc()
