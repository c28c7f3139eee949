"""A background loop that dies (a consumer, the submitter) is restarted, and /healthz fails meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from cj_assessment_service.app import create_app
from cj_assessment_service.di import SUBMITTER
from cj_assessment_service.entrypoints.consumers import CALLBACKS, ERASURES, REQUESTS
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.cj_assessment import CJAssessmentFailedV1
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.testing.worker_restarts import SLOW_ENOUGH_TO_SEE, crash_once, worker_restarts
from services.cj_assessment_service.tests.integration.conftest import Harness


async def poll(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(60):
        while not await condition():  # noqa: ASYNC110 - polling an HTTP answer
            await asyncio.sleep(0.1)


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

    seen: dict[str, Any] = {}

    async def workers_down() -> bool:
        response = await client.get("/healthz")
        body = await response.get_json()
        seen.update(body)
        return response.status_code == 503 and "workers" in body.get("failed", [])

    async def healthy() -> bool:
        return (await client.get("/healthz")).status_code == 200

    await poll(workers_down)
    assert seen["checks"]["workers"]["status"] == "fail"
    await poll(healthy)
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
