"""A consumer or outbox relay that dies is restarted, and /healthz fails while it is down."""

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import essays
from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.entrypoints.consumers import CONSUMER
from common_core.events.batch import EssayUploadedV1
from common_core.events.classes import ClassCreatedV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.background import RELAY
from huleedu_service_libs.kafka.consumer import ConsumerRunner
from huleedu_service_libs.outbox import OutboxRelay
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.worker_restarts import (
    SLOW_ENOUGH_TO_SEE,
    HealthWatch,
    crash_once,
    quart_healthz,
    worker_restarts,
)

from .conftest import EventSender, FakeEssayTexts, eventually, gateway, read_events


async def test_a_crashed_consumer_and_relay_come_back_and_healthz_fails_meanwhile(
    settings: Settings,
    registry: EventRegistry,
    essay_texts: FakeEssayTexts,
    events: EventSender,
    infrastructure: Infrastructure,
    monkeypatch: pytest.MonkeyPatch,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    crashed: list[str] = []
    crash_once(monkeypatch, ConsumerRunner, "_process_batch", crashed)
    crash_once(monkeypatch, OutboxRelay, "_cycle", crashed)
    app = await create_app(settings, registry=registry, essay_texts=essay_texts, restart_policy=SLOW_ENOUGH_TO_SEE)

    async with app.test_app() as running:
        client = running.test_client()
        health = HealthWatch(quart_healthz(client))

        down = await health.workers_fail()
        assert down["checks"]["workers"]["status"] == "fail"
        await health.recovers()
        assert sorted(crashed) == ["ConsumerRunner", "OutboxRelay"]

        # The restarted relay publishes ...
        teacher = gateway(str(uuid.uuid4()))
        created = await client.post("/v1/classes", headers=teacher, json={"name": "9B", "course_code": "E"})
        assert created.status_code == 201
        class_id = (await created.get_json())["class_id"]
        [(_, envelope, _)] = await read_events(infrastructure.kafka_bootstrap, registry.topic_for(ClassCreatedV1), 1)
        assert envelope["data"]["class_id"] == class_id

        # ... and the restarted consumer consumes.
        essay = EssayUploadedV1(
            batch_id=uuid.uuid4(), essay_id=uuid.uuid4(), filename="a.txt", text_ref="0" * 64, word_count=10
        )
        essay_texts.texts[essay.text_ref] = "Essay"
        await events.send(essay, key=str(essay.batch_id))

        async def essay_stored() -> bool | None:
            async with sessions() as session:
                stored = (await session.execute(select(func.count()).select_from(essays))).scalar_one()
            return True if stored == 1 else None

        await eventually(essay_stored)

        exposition = await (await client.get("/metrics")).get_data(as_text=True)
        for worker in (CONSUMER, RELAY):
            assert worker_restarts(exposition, settings.service_name, worker) >= 1.0
