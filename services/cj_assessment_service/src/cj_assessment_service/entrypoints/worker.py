"""The background work of one process: two consumers, the outbox relay, the submitter, the monitor.

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test client and the
real server run the same code. Each loop is supervised (huleedu_service_libs.supervision): one that
dies is restarted from a fresh instance after a capped, jittered backoff, and ``/healthz`` reports
``workers`` failing while it is down.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from cj_assessment_service.adapters.tables import outbox, processed_events
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
from huleedu_service_libs.supervision import RestartPolicy, SupervisedWorker, SyncStopWorker, WorkerGroup

REQUESTS = "requests_consumer"
CALLBACKS = "callbacks_consumer"
RELAY = "outbox_relay"
SUBMITTER = "submitter"
MONITOR = "stuck_job_monitor"


class Worker:
    def __init__(
        self, deps: ServiceDeps, engine: AsyncEngine, publisher: EventPublisher, policy: RestartPolicy
    ) -> None:
        self.deps = deps
        self._publisher = publisher
        service = deps.settings.service_name

        # A fresh instance for every (re)start: a ConsumerRunner runs only once.
        def new_relay() -> SyncStopWorker:
            return SyncStopWorker(OutboxRelay(engine, outbox, publisher, service))

        def new_submitter() -> SyncStopWorker:
            return SyncStopWorker(Submitter(deps))

        def new_monitor() -> SyncStopWorker:
            return SyncStopWorker(StuckJobMonitor(deps))

        self.group = WorkerGroup(
            [
                SupervisedWorker(service, REQUESTS, self._requests_consumer, policy),
                SupervisedWorker(service, CALLBACKS, self._callbacks_consumer, policy),
                SupervisedWorker(service, RELAY, new_relay, policy),
                SupervisedWorker(service, SUBMITTER, new_submitter, policy),
                SupervisedWorker(service, MONITOR, new_monitor, policy),
            ],
            stop_timeout_s=deps.settings.shutdown_grace_seconds,
        )

    def _requests_consumer(self) -> ConsumerRunner:
        deps = self.deps

        # Deadlocks and lock timeouts are retried by the runner (huleedu_service_libs.errors.is_retryable).
        async def on_request(envelope: EventEnvelope[CJAssessmentRequestedV1], ctx: HandlerContext) -> None:
            await handle_assessment_requested(deps, envelope, ctx)

        runner = self._runner(f"{deps.settings.consumer_group_prefix}.requests")
        runner.subscribe(CJAssessmentRequestedV1, on_request)
        return runner

    def _callbacks_consumer(self) -> ConsumerRunner:
        deps = self.deps

        async def on_result(envelope: EventEnvelope[LLMComparisonResultV1], ctx: HandlerContext) -> None:
            await handle_comparison_result(deps, envelope, ctx)

        runner = self._runner(f"{deps.settings.consumer_group_prefix}.callbacks")
        runner.subscribe(LLMComparisonResultV1, on_result)
        return runner

    def _runner(self, consumer_name: str) -> ConsumerRunner:
        # The service's own EventRegistry: tests point the consumers at fresh topics.
        return ConsumerRunner(
            self.deps.settings.kafka_bootstrap_servers,
            self.deps.settings.service_name,
            consumer_name,
            self._publisher,
            self.deps.registry,
            session_factory=self.deps.sessions,
            processed_events=processed_events,
        )

    async def start(self) -> None:
        self.group.start()

    async def stop(self) -> None:
        await self.group.stop()
