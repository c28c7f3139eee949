"""The background work of one process: two consumers, the outbox relay, the submitter, the monitor.

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test client and the
real server run the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

from cj_assessment_service.adapters.tables import processed_events
from cj_assessment_service.service_layer.callbacks import handle_comparison_result
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.monitor import StuckJobMonitor
from cj_assessment_service.service_layer.requests import handle_assessment_requested
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentRequestedV1
from common_core.events.llm_provider import LLMComparisonResultV1
from huleedu_service_libs.kafka.consumer import ConsumerRunner, HandlerContext
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.outbox import OutboxRelay

log = structlog.get_logger(__name__)


class Worker:
    def __init__(self, deps: ServiceDeps, publisher: EventPublisher, relay: OutboxRelay) -> None:
        self.deps = deps
        settings = deps.settings
        self.submitter = Submitter(deps)
        self.monitor = StuckJobMonitor(deps)
        self.relay = relay
        # The service's own EventRegistry: tests point the consumers at fresh topics.
        self.requests = self._runner(publisher, f"{settings.consumer_group_prefix}.requests")
        self.callbacks = self._runner(publisher, f"{settings.consumer_group_prefix}.callbacks")

        # Deadlocks and lock timeouts are retried by the runner (huleedu_service_libs.errors.is_retryable).
        async def on_request(envelope: EventEnvelope[CJAssessmentRequestedV1], ctx: HandlerContext) -> None:
            await handle_assessment_requested(deps, envelope, ctx)

        async def on_result(envelope: EventEnvelope[LLMComparisonResultV1], ctx: HandlerContext) -> None:
            await handle_comparison_result(deps, envelope, ctx)

        self.requests.subscribe(CJAssessmentRequestedV1, on_request)
        self.callbacks.subscribe(LLMComparisonResultV1, on_result)
        self.tasks: list[asyncio.Task[None]] = []

    def _runner(self, publisher: EventPublisher, consumer_name: str) -> ConsumerRunner:
        return ConsumerRunner(
            self.deps.settings.kafka_bootstrap_servers,
            self.deps.settings.service_name,
            consumer_name,
            publisher,
            self.deps.registry,
            session_factory=self.deps.sessions,
            processed_events=processed_events,
        )

    async def start(self) -> None:
        work: dict[str, Coroutine[Any, Any, None]] = {
            "requests": self.requests.run(),
            "callbacks": self.callbacks.run(),
            "relay": self.relay.run(),
            "submitter": self.submitter.run(),
            "monitor": self.monitor.run(),
        }
        for name, coroutine in work.items():
            task = asyncio.create_task(coroutine, name=f"cj.{name}")
            task.add_done_callback(_log_crash)
            self.tasks.append(task)

    async def stop(self) -> None:
        self.submitter.stop()
        self.monitor.stop()
        self.relay.stop()
        await asyncio.gather(self.requests.stop(), self.callbacks.stop(), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("cj.background_task_crashed", task=task.get_name(), error=repr(task.exception()))
