"""The background loops of one LPS process, each supervised (huleedu_service_libs.supervision).

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test app and
``python -m llm_provider_service serve`` run the same code. A loop that dies is logged, counted in
``huleedu_background_worker_restarts_total`` and restarted after a capped, jittered backoff, and
``/healthz`` reports ``workers`` failing while it is down.

The batch.deleted consumer erases deleted batches (service_layer/erasure.py); it runs whether or not
the workers do, and a restart builds a new runner, as in every service.

The queue worker, the batch-job poller and the callback writer are restarted on the same
instance: the submission service wakes that worker, the processor writes through that writer,
and the comparisons the worker started carry on while its claim loop is down. A relay is final
once stopped, so each restart builds a new one.
"""

from __future__ import annotations

from datetime import datetime

from huleedu_service_libs.background import BackgroundBuilder, BackgroundWork
from huleedu_service_libs.retention import RETENTION, RetentionLoop
from huleedu_service_libs.supervision import RestartPolicy
from llm_provider_service.config import Settings
from llm_provider_service.di import BatchDeletedConsumer, OutboxRelays
from llm_provider_service.entrypoints.consumers import BATCH_DELETED_CONSUMER
from llm_provider_service.service_layer import retention as retention_pass
from llm_provider_service.service_layer.batch_jobs import BatchJobManager
from llm_provider_service.service_layer.callbacks import CallbackWriter
from llm_provider_service.service_layer.ports import RetentionStore
from llm_provider_service.service_layer.worker import QueueWorker

QUEUE_WORKER = "queue_worker"
BATCH_JOB_POLLER = "batch_job_poller"
CALLBACK_WRITER = "callback_writer"


def relay_name(n: int) -> str:
    return f"outbox_relay_{n}"


def background_work(
    settings: Settings,
    *,
    queue_worker: QueueWorker,
    batch_jobs: BatchJobManager,
    writer: CallbackWriter,
    relays: OutboxRelays,
    consumer: BatchDeletedConsumer,
    retention: RetentionStore,
    policy: RestartPolicy,
) -> BackgroundWork:
    """Two stages, stopped in turn: the consumer and the loops that settle comparisons, then the delivery.

    Comparisons in flight at shutdown finish and write their callbacks while the callback writer
    and the relays still run; then those stop. With ``workers_enabled`` off, only the delivery runs.
    """
    grace_s = settings.shutdown_grace_seconds

    async def drain() -> None:
        # Here rather than in the claim loop's stop: a loop that was down at shutdown is never
        # asked to stop, and the comparisons it started must still finish.
        await queue_worker.drain(grace_s)

    async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
        # LPS keeps no aggregates: both settings purge the same (service_layer/retention.py).
        return await retention_pass.purge_expired(retention, cutoff, comparison_lifetime_s=settings.erasure_tombstone_s)

    builder = BackgroundBuilder(settings.service_name, policy, stop_timeout_s=grace_s)
    builder.consumer(BATCH_DELETED_CONSUMER, consumer.messaging, consumer.group, consumer.subscriptions)
    builder.loop(RETENTION, lambda: RetentionLoop(settings.service_name, settings.retention_policy(), purge))
    if settings.workers_enabled:
        builder.loop(QUEUE_WORKER, lambda: queue_worker).loop(BATCH_JOB_POLLER, lambda: batch_jobs)
    builder.then(drain).loop(CALLBACK_WRITER, lambda: writer)
    for n in range(relays.count):
        builder.loop(relay_name(n), relays.new)
    return builder.build()
