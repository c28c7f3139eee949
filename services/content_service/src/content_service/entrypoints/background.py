"""The background work of the service: the CJ events consumer and the outbox relay, each supervised.

Started in Quart's ``before_serving`` and stopped in ``after_serving``, so the test app and
``python -m content_service serve`` run the same code. Each loop is restarted when it dies
(huleedu_service_libs.supervision), and ``/healthz`` fails while either one is down.
"""

from __future__ import annotations

from collections.abc import Callable

from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.supervision import RestartPolicy, SupervisedWorker, SyncStopWorker, WorkerGroup

STOP_TIMEOUT_S = 30.0
CONSUMER = "cj_events_consumer"
RELAY = "outbox_relay"


def background_work(
    service: str,
    new_consumer: Callable[[], ConsumerRunner],
    new_relay: Callable[[], OutboxRelay],
    policy: RestartPolicy,
) -> WorkerGroup:
    def relay() -> SyncStopWorker:
        return SyncStopWorker(new_relay())

    return WorkerGroup(
        [
            SupervisedWorker(service, CONSUMER, new_consumer, policy),
            SupervisedWorker(service, RELAY, relay, policy),
        ],
        stop_timeout_s=STOP_TIMEOUT_S,
    )
