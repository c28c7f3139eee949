"""The background loops of one LPS process, each supervised (huleedu_service_libs.supervision).

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test app and
``python -m llm_provider_service serve`` run the same code. A loop that dies is logged, counted in
``huleedu_background_worker_restarts_total`` and restarted after a capped, jittered backoff, and
``/healthz`` reports ``workers`` failing while it is down.

The queue worker, the batch-job poller and the callback writer are restarted on the same
instance: the submission service wakes that worker, the processor writes through that writer,
and the comparisons the worker started carry on while its claim loop is down. A relay is final
once stopped, so each restart builds a new one.
"""

from __future__ import annotations

from huleedu_service_libs.supervision import RestartPolicy, SupervisedWorker, SyncStopWorker, WorkerGroup
from llm_provider_service.config import Settings
from llm_provider_service.di import OutboxRelays
from llm_provider_service.service_layer.batch_jobs import BatchJobManager
from llm_provider_service.service_layer.callbacks import CallbackWriter
from llm_provider_service.service_layer.worker import QueueWorker

QUEUE_WORKER = "queue_worker"
BATCH_JOB_POLLER = "batch_job_poller"
CALLBACK_WRITER = "callback_writer"


def relay_name(n: int) -> str:
    return f"outbox_relay_{n}"


class BackgroundWork:
    """Two supervised groups, stopped in turn: the loops that settle comparisons, then the delivery.

    Comparisons in flight at shutdown finish and write their callbacks while the callback writer
    and the relays still run; then those stop. With ``workers_enabled`` off, only the delivery runs.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        queue_worker: QueueWorker,
        batch_jobs: BatchJobManager,
        writer: CallbackWriter,
        relays: OutboxRelays,
        policy: RestartPolicy,
    ) -> None:
        service = settings.service_name
        self._queue_worker = queue_worker
        self._grace_s = settings.shutdown_grace_seconds
        settling = (
            [
                SupervisedWorker(service, QUEUE_WORKER, lambda: SyncStopWorker(queue_worker), policy),
                SupervisedWorker(service, BATCH_JOB_POLLER, lambda: SyncStopWorker(batch_jobs), policy),
            ]
            if settings.workers_enabled
            else []
        )
        delivery = [
            SupervisedWorker(service, CALLBACK_WRITER, lambda: SyncStopWorker(writer), policy),
            *(
                SupervisedWorker(service, relay_name(n), lambda: SyncStopWorker(relays.new()), policy)
                for n in range(relays.count)
            ),
        ]
        self._settling = WorkerGroup(settling, stop_timeout_s=self._grace_s)
        self._delivery = WorkerGroup(delivery, stop_timeout_s=self._grace_s)

    def start(self) -> None:
        self._delivery.start()
        self._settling.start()

    def down(self) -> list[str]:
        """The loops not running right now (``/healthz``'s ``workers`` check)."""
        return [*self._settling.down(), *self._delivery.down()]

    async def stop(self) -> None:
        await self._settling.stop()
        # Here rather than in the claim loop's stop: a loop that was down at shutdown is never
        # asked to stop, and the comparisons it started must still finish.
        await self._queue_worker.drain(self._grace_s)
        await self._delivery.stop()
