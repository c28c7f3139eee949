"""Every background loop that dies is restarted, /healthz fails meanwhile, and no comparison is lost."""

import pytest

from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.testing.worker_restarts import (
    SLOW_ENOUGH_TO_SEE,
    HealthWatch,
    crash_once,
    quart_healthz,
    worker_restarts,
)
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.app import create_app
from llm_provider_service.entrypoints.background import BATCH_JOB_POLLER, CALLBACK_WRITER, QUEUE_WORKER, relay_name
from llm_provider_service.service_layer.batch_jobs import BatchJobManager
from llm_provider_service.service_layer.callbacks import CallbackWriter
from services.llm_provider_service.tests.integration.conftest import HEADERS, Harness, wave

PAIRS = [("strong", "weak"), ("weak", "middling"), ("middling", "strong")]


async def test_crashed_loops_come_back_healthz_fails_meanwhile_and_comparisons_still_get_callbacks(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed: list[str] = []
    # The queue worker meets Redis failing as it starts, before the cycle that waits outages out.
    crash_once(monkeypatch, RedisQueue, "eviction_policy", crashed)
    crash_once(monkeypatch, BatchJobManager, "run", crashed)
    crash_once(monkeypatch, CallbackWriter, "run", crashed)
    crash_once(monkeypatch, OutboxRelay, "_cycle", crashed)  # one of the relays
    settings = harness.settings()
    app = await create_app(
        settings, registry=harness.registry, restart_policy=SLOW_ENOUGH_TO_SEE, consumer_group=harness.consumer_group
    )

    async with app.test_app():
        client = app.test_client()
        health = HealthWatch(quart_healthz(client))

        down = await health.workers_fail()
        assert down["checks"]["workers"]["status"] == "fail"
        # Submitted while the loops are down: the wave waits in the queue for the restarted worker.
        submitted = await client.post("/internal/v1/comparisons", json=wave(harness.topic, PAIRS), headers=HEADERS)
        assert submitted.status_code == 202
        await health.recovers()
        assert sorted(crashed) == ["BatchJobManager", "CallbackWriter", "OutboxRelay", "RedisQueue"]

        outcomes = await harness.wait_for_outcomes(len(PAIRS))
        await harness.wait_for_delivery()
        assert {state for state, _, _ in outcomes.values()} == {"done"}

        exposition = await (await client.get("/metrics")).get_data(as_text=True)
        service = settings.service_name
        for worker in (QUEUE_WORKER, BATCH_JOB_POLLER, CALLBACK_WRITER):
            assert worker_restarts(exposition, service, worker) >= 1.0
        # Whichever relay cycled first crashed; every relay's series exists from the start.
        assert sum(worker_restarts(exposition, service, relay_name(n)) for n in range(settings.outbox_relays)) >= 1.0

    callbacks = await harness.callbacks()
    assert sorted(c.data.request_id for c in callbacks) == [f"r{i}" for i in range(len(PAIRS))]
