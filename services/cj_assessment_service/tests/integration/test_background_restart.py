"""A background loop that dies (a consumer, the submitter) is restarted, and /healthz fails meanwhile."""

from __future__ import annotations

import pytest

from cj_assessment_service.app import create_app
from cj_assessment_service.di import SUBMITTER
from cj_assessment_service.entrypoints.consumers import CALLBACKS, ERASURES, REQUESTS
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.cj_assessment import CJAssessmentFailedV1
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.testing.worker_restarts import (
    SLOW_ENOUGH_TO_SEE,
    HealthWatch,
    crash_once,
    quart_healthz,
    worker_restarts,
)
from services.cj_assessment_service.tests.integration.conftest import Harness


async def test_a_crashed_consumer_and_submitter_come_back_and_healthz_fails_meanwhile(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed: list[str] = []
    crash_once(monkeypatch, ConsumerRunner, "_process_batch", crashed)
    crash_once(monkeypatch, Submitter, "run", crashed)
    settings = harness.settings()
    app = await create_app(settings, registry=harness.registry, restart_policy=SLOW_ENOUGH_TO_SEE)
    await app.startup()
    harness.apps.append(app)  # the harness shuts it down
    client = app.test_client()
    health = HealthWatch(quart_healthz(client))

    down = await health.workers_fail()
    assert down["checks"]["workers"]["status"] == "fail"
    await health.recovers()
    assert sorted(crashed) == ["ConsumerRunner", "Submitter"]

    # The restarted requests consumer handles a request, and the relay publishes its outcome.
    request = await harness.request(1)
    failed = await harness.wait_for_event(CJAssessmentFailedV1, request.batch_id)
    assert failed.error.code == "TOO_FEW_ESSAYS"

    exposition = await (await client.get("/metrics")).get_data(as_text=True)
    service = settings.service_name
    assert worker_restarts(exposition, service, SUBMITTER) >= 1.0
    # One of the three consumers hit the crash first; every series exists from the start.
    consumers = (REQUESTS, CALLBACKS, ERASURES)
    assert sum(worker_restarts(exposition, service, consumer) for consumer in consumers) >= 1.0
