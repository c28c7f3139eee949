"""The service against the real dev stack: a migrated database, fresh topics, a Redis prefix.

Every test gets its own database and its own topics (an EventRegistry mapping the service's
models to them), so nothing here touches the real registry topics or the dev database.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiokafka import AIOKafkaConsumer
from pydantic import BaseModel
from quart.typing import TestAppProtocol as QuartTestApp
from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.app import create_app
from class_management_service.config import Settings
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import (
    ClassCreatedV1,
    ClassUpdatedV1,
    EssayStudentAssociationsConfirmedV1,
    StudentCreatedV1,
    StudentErasedV1,
    StudentUpdatedV1,
    TeacherAccountDeletedV1,
)
from common_core.events.registry import EventRegistry
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.column_scan import columns_holding as columns_holding
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
KEY = "cms-test-internal-key"
T = TypeVar("T")

SERVICE_MODELS: tuple[type[BaseModel], ...] = (
    BatchRegisteredV1,
    EssayUploadedV1,
    BatchDeletedV1,
    ClassCreatedV1,
    ClassUpdatedV1,
    StudentCreatedV1,
    StudentUpdatedV1,
    EssayStudentAssociationsConfirmedV1,
    StudentErasedV1,
    TeacherAccountDeletedV1,
)


# Every column type that could hold a name, a file name, a text or an id (the erasure tests scan them all).
def gateway(user_id: str | None = None, *, service: str = "api_gateway_service", key: str = KEY) -> dict[str, str]:
    headers = {"X-Internal-API-Key": key, "X-Service-ID": service}
    if user_id is not None:
        headers["X-User-ID"] = user_id
    return headers


class FakeEssayTexts:
    """Content service's text store, for the essays a test uploads."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    async def essay_text(self, text_ref: str) -> str | None:
        return self.texts.get(text_ref)


@pytest.fixture
def cms_database(database_factory: Callable[[str], str]) -> str:
    return migrated_database(database_factory, ALEMBIC_DIR, "cms")


@pytest.fixture
def registry(kafka_topic_factory: Callable[..., str]) -> EventRegistry:
    fresh = EventRegistry()
    for model in SERVICE_MODELS:
        fresh.register(kafka_topic_factory(model.__name__.lower()), model)
    return fresh


@pytest.fixture
def essay_texts() -> FakeEssayTexts:
    return FakeEssayTexts()


def make_settings(infrastructure: Infrastructure, database_url: str, **overrides: Any) -> Settings:
    return Settings.model_validate(
        {
            "HULEEDU_INTERNAL_API_KEY": KEY,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": infrastructure.redis_url,
            "HULEEDU_LOG_FORMAT": "console",
            "database_url": database_url,
            **overrides,
        }
    )


def dev_mode_settings(infrastructure: Infrastructure, database_url: str, **overrides: Any) -> Settings:
    """Settings as in development: dev mode, so the published development key and the seeded demo teacher."""
    return Settings.model_validate(
        {
            "HULEEDU_DEV_MODE": "1",
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": infrastructure.redis_url,
            "database_url": database_url,
            **overrides,
        }
    )


@pytest.fixture
def settings(infrastructure: Infrastructure, cms_database: str, unique_group_id: str, redis_prefix: str) -> Settings:
    return make_settings(
        infrastructure,
        cms_database,
        consumer_group=unique_group_id,
        redis_key_prefix=redis_prefix,
        login_max_failures=3,
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The test's database, for looking at (or preparing) rows directly, apart from the app's pool."""
    engine = create_engine(settings.database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def running_app(
    settings: Settings, registry: EventRegistry, essay_texts: FakeEssayTexts
) -> AsyncIterator[QuartTestApp]:
    """The app with its consumer and outbox relay running (before_serving has run)."""
    app = await create_app(settings, registry=registry, essay_texts=essay_texts)
    async with app.test_app() as test_app:
        yield test_app


@pytest.fixture
def client(running_app: QuartTestApp) -> QuartClient:
    return running_app.test_client()


@pytest.fixture
async def publisher(infrastructure: Infrastructure) -> AsyncIterator[EventPublisher]:
    async with EventPublisher(infrastructure.kafka_bootstrap, "content_service") as started:
        yield started


@dataclass
class EventSender:
    """Publishes events as content service would, on the test's topics."""

    publisher: EventPublisher
    registry: EventRegistry

    async def send(self, payload: BaseModel, *, key: str, event_id: uuid.UUID | None = None) -> uuid.UUID:
        envelope = make_envelope(payload, source_service="content_service", registry=self.registry, event_id=event_id)
        await self.publisher.publish(envelope, key=key)
        return envelope.event_id


@pytest.fixture
def events(publisher: EventPublisher, registry: EventRegistry) -> EventSender:
    return EventSender(publisher, registry)


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout_s: float = 30.0) -> T:
    """The probe's first non-None answer; waits for background work, asserts nothing about speed."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing within {timeout_s} s")
        await asyncio.sleep(0.2)


async def read_events(
    bootstrap: str, topic: str, count: int, *, timeout_s: float = 30.0
) -> list[tuple[bytes | None, dict[str, Any], dict[str, str]]]:
    """``count`` records from the start of ``topic``: (key, envelope JSON, headers)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[tuple[bytes | None, dict[str, Any], dict[str, str]]] = []
    try:
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for message in messages:
                    headers = {name: value.decode() for name, value in message.headers or ()}
                    records.append((message.key, json.loads(message.value), headers))
    finally:
        await consumer.stop()
    return records
