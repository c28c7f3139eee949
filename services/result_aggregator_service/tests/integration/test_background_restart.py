"""A consumer that dies is restarted from a fresh runner, and /healthz fails while it is down."""

from __future__ import annotations

import pytest

from common_core.events.registry import EventRegistry
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.worker_restarts import (
    SLOW_ENOUGH_TO_SEE,
    HealthWatch,
    crash_once,
    quart_healthz,
    worker_restarts,
)
from result_aggregator_service.app import CONSUMER, create_app

from .conftest import RunningService, make_settings


async def test_a_crashed_consumer_comes_back_and_healthz_fails_meanwhile(
    infrastructure: Infrastructure,
    ras_database: str,
    ras_registry: EventRegistry,
    publisher: EventPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashed: list[str] = []
    crash_once(monkeypatch, ConsumerRunner, "_process_batch", crashed)
    settings = make_settings(infrastructure, ras_database)
    app = await create_app(settings, registry=ras_registry, restart_policy=SLOW_ENOUGH_TO_SEE)

    async with app.test_app() as running:
        service = RunningService(app, running.test_client(), ras_registry, publisher)
        health = HealthWatch(quart_healthz(service.client))

        down = await health.workers_fail()
        assert down["checks"]["workers"]["status"] == "fail"
        await health.recovers()
        assert crashed == ["ConsumerRunner"]

        # The restarted consumer folds events.
        story = service.story()
        await service.publish(story.registered())
        await service.until_status(story, "draft")

        exposition = await (await service.client.get("/metrics")).get_data(as_text=True)
        assert worker_restarts(exposition, settings.service_name, CONSUMER) >= 1.0
