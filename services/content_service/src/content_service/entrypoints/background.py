"""The background work of the service: the CJ events consumer and the outbox relay, each supervised.

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test app and
``python -m content_service serve`` run the same code. Each loop is restarted when it dies
(entrypoints/supervisor.py), and ``/healthz`` fails while either one is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from content_service.entrypoints.supervisor import RestartPolicy, SupervisedWorker, Worker
from content_service.metrics import WORKER_RESTARTS
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.outbox import OutboxRelay

STOP_TIMEOUT_S = 30.0
CONSUMER = "cj_events_consumer"
RELAY = "outbox_relay"


class RelayWorker:
    """The relay's ``stop()`` is synchronous; the supervisor awaits every worker's."""

    def __init__(self, relay: OutboxRelay) -> None:
        self._relay = relay

    async def run(self) -> None:
        await self._relay.run()

    async def stop(self) -> None:
        self._relay.stop()


class BackgroundWork:
    def __init__(
        self,
        new_consumer: Callable[[], ConsumerRunner],
        new_relay: Callable[[], OutboxRelay],
        policy: RestartPolicy,
    ) -> None:
        def relay() -> Worker:
            return RelayWorker(new_relay())

        self.workers = [
            SupervisedWorker(CONSUMER, new_consumer, policy, on_restart=_count_restart),
            SupervisedWorker(RELAY, relay, policy, on_restart=_count_restart),
        ]
        for worker in self.workers:
            # Exported from the start, so a dashboard sees 0 rather than no series before a crash.
            WORKER_RESTARTS.labels(worker.name)

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def running(self) -> bool:
        """For /healthz: both loops are up (a crashed consumer must not look healthy)."""
        return all(worker.alive for worker in self.workers)

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop(STOP_TIMEOUT_S) for worker in self.workers))


def _count_restart(name: str) -> None:
    WORKER_RESTARTS.labels(name).inc()
