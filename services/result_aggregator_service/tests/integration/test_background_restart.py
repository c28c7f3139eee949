"""A consumer that dies is restarted from a fresh runner, and /healthz fails while it is down."""

from __future__ import annotations

import re
from typing import Any

import pytest

from common_core.events.registry import EventRegistry
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.supervision import RestartPolicy
from huleedu_service_libs.testing.infrastructure import Infrastructure
from result_aggregator_service.app import CONSUMER, create_app

from .conftest import RunningService, eventually, make_settings

# Long enough that /healthz is seen failing, short enough for the test.
SLOW_ENOUGH_TO_SEE = RestartPolicy(base_delay_s=3.0, max_delay_s=3.0)


async def test_a_crashed_consumer_comes_back_and_healthz_fails_meanwhile(
    infrastructure: Infrastructure,
    ras_database: str,
    ras_registry: EventRegistry,
    publisher: EventPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashes: list[int] = []
    original = ConsumerRunner._process_batch

    async def crash_once(self: ConsumerRunner, *args: Any, **kwargs: Any) -> None:
        if not crashes:  # as an unforeseen bug or outage would
            crashes.append(1)
            raise RuntimeError("the consumer hit an unexpected error")
        await original(self, *args, **kwargs)

    monkeypatch.setattr(ConsumerRunner, "_process_batch", crash_once)
    settings = make_settings(infrastructure, ras_database)
    app = await create_app(settings, registry=ras_registry, restart_policy=SLOW_ENOUGH_TO_SEE)

    async with app.test_app() as running:
        service = RunningService(app, running.test_client(), ras_registry, publisher)
        seen: dict[str, Any] = {}

        async def workers_down() -> bool:
            response = await service.client.get("/healthz")
            body = await response.get_json()
            seen.update(body)
            return response.status_code == 503 and "workers" in body.get("failed", [])

        await eventually(workers_down)
        assert seen["checks"]["workers"]["status"] == "fail"

        async def healthy_again() -> bool:
            return (await service.client.get("/healthz")).status_code == 200

        await eventually(healthy_again)
        assert crashes == [1]

        # The restarted consumer folds events.
        story = service.story()
        await service.publish(story.registered())
        await service.until_status(story, "draft")

        exposition = await (await service.client.get("/metrics")).get_data(as_text=True)
        series = f'huleedu_background_worker_restarts_total{{service="{settings.service_name}",worker="{CONSUMER}"}}'
        match = re.search(rf"^{re.escape(series)} (\S+)$", exposition, re.M)
        assert match is not None
        assert float(match.group(1)) >= 1.0
