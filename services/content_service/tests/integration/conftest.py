"""The content service on real PostgreSQL and Kafka, with every event on fresh topics.

Each test gets a migrated database of its own and a registry that maps the service's event
models to new topics, so tests never publish to or consume the real registry topics.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel
from quart import Quart

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    CJAssessmentRequestedV1,
)
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from common_core.events.registry import EventRegistry
from content_service.app import create_app
from content_service.config import Settings
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.sync_bridge import run_coroutine_sync
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure, create_topics, delete_topics
from huleedu_service_libs.testing.local_server import served

from .peers import FakePeers

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
INTERNAL_KEY = "content-test-key"
WAIT_S = 30
PRODUCED = (BatchRegisteredV1, BatchUpdatedV1, BatchDeletedV1, EssayUploadedV1, CJAssessmentRequestedV1)
CONSUMED = (
    CJAssessmentProgressV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    StudentErasedV1,
    TeacherAccountDeletedV1,
)


def multipart(files: list[tuple[str, bytes]], field_name: str = "files") -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with one part per file, all under ``field_name``."""
    boundary = uuid.uuid4().hex
    body = b""
    for filename, content in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@dataclass
class Harness:
    """One content service app, its database and topics, and helpers to drive and inspect it."""

    app: Quart
    database_url: str
    topics: dict[type[BaseModel], str]
    infrastructure: Infrastructure
    publisher: EventPublisher
    settings: Settings
    consumer_group: str
    samples: Any  # the `samples` fixture (tests/conftest.py)
    default_user: str = "teacher-a"
    _client: Any = field(default=None, repr=False)

    async def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "",
        service: str | None = "api_gateway_service",
        key: str | None = INTERNAL_KEY,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if key is not None:
            sent["X-Internal-API-Key"] = key
        if service is not None:
            sent["X-Service-ID"] = service
        if user is not None:
            sent["X-User-ID"] = user or self.default_user
        client = self._client or self.app.test_client()
        body: dict[str, Any] = {"json": json_body} if json_body is not None else {"data": data}
        return await client.open(path, method=method, headers=sent, **body)

    async def create_batch(self, user: str | None = "", **fields: Any) -> dict[str, Any]:
        body = {"title": "Argumentative essays", "course_code": "ENG5", **fields}
        response = await self.call("POST", "/v1/batches", user=user, json_body=body)
        assert response.status_code == 201, await response.get_data(as_text=True)
        created: dict[str, Any] = await response.get_json()
        return created

    async def upload(self, batch_id: str, files: list[tuple[str, bytes]], user: str | None = "") -> Any:
        body, headers = multipart(files)
        return await self.call("POST", f"/v1/batches/{batch_id}/essays", user=user, data=body, headers=headers)

    async def batch_with_essays(self, count: int = 3, **fields: Any) -> str:
        """A draft batch holding ``count`` distinct, acceptable essays."""
        batch_id = (await self.create_batch(**fields))["batch_id"]
        files = [(f"e{n}.txt", self.samples.essay_text(f"{batch_id[:8]}e{n}").encode()) for n in range(count)]
        result = await (await self.upload(batch_id, files)).get_json()
        assert result["accepted"] == count, result
        return batch_id

    async def start_assessment(
        self, batch_id: str, key: str | None = None, body: Any = None, user: str | None = ""
    ) -> Any:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return await self.call(
            "POST", f"/v1/batches/{batch_id}/assessments", user=user, json_body=body, headers=headers
        )

    def envelope(self, payload: BaseModel) -> EventEnvelope[Any]:
        """An event as CJ would send it, on this test's topic for its model."""
        model: Any = EventEnvelope[type(payload)]  # type: ignore[misc]
        return model(
            event_type=self.topics[type(payload)],
            source_service="cj_assessment_service",
            correlation_id=uuid.uuid4(),
            data=payload,
        )

    async def eventually(self, check: Callable[[], Awaitable[bool]]) -> None:
        """Wait (bounded) until ``check()`` holds."""
        async with asyncio.timeout(WAIT_S):
            while not await check():  # noqa: ASYNC110 - the condition lives in the database, not in an Event
                await asyncio.sleep(0.1)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url, timeout=10)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def batch_status(self, batch_id: str) -> str:
        rows = await self.fetch("SELECT status FROM batches WHERE batch_id = $1", uuid.UUID(batch_id))
        return str(rows[0]["status"])

    async def read_events(self, model: type[BaseModel], count: int) -> list[tuple[bytes | None, dict[str, Any]]]:
        """The first ``count`` records of ``model``'s topic as (key, envelope dict); waits for them."""
        topic = self.topics[model]
        reader = AIOKafkaConsumer(
            bootstrap_servers=self.infrastructure.kafka_bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        tp = TopicPartition(topic, 0)
        records: list[Any] = []
        async with asyncio.timeout(WAIT_S):
            await reader.start()
            try:
                reader.assign([tp])
                await reader.seek_to_beginning(tp)
                while len(records) < count:
                    records += (await reader.getmany(tp, timeout_ms=300)).get(tp, [])
            finally:
                await reader.stop()
        return [(record.key, json.loads(record.value)) for record in records]

    async def topic_size(self, model_or_topic: type[BaseModel] | str) -> int:
        topic = self.topics[model_or_topic] if not isinstance(model_or_topic, str) else model_or_topic
        reader = AIOKafkaConsumer(bootstrap_servers=self.infrastructure.kafka_bootstrap)
        tp = TopicPartition(topic, 0)
        await reader.start()
        try:
            return int((await reader.end_offsets([tp]))[tp])
        finally:
            await reader.stop()

    async def publish(self, envelope: EventEnvelope[Any], key: str) -> None:
        await self.publisher.publish(envelope, key=key, topic=self.topics[type(envelope.data)])


@pytest.fixture
def event_topics(kafka_topic_factory: Callable[..., str], infrastructure: Infrastructure) -> Any:
    topics = {model: kafka_topic_factory(model.__name__.lower()) for model in (*PRODUCED, *CONSUMED)}
    dead_letters = [f"{topics[model]}.dlq" for model in CONSUMED]
    run_coroutine_sync(create_topics(infrastructure.kafka_bootstrap, dead_letters, 1))
    yield topics
    run_coroutine_sync(delete_topics(infrastructure.kafka_bootstrap, dead_letters))


@pytest.fixture
async def peers() -> AsyncIterator[FakePeers]:
    """CMS and CJ as content service asks them about classes and assignments; a test allows ids on it."""
    fake = FakePeers()
    async with served(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def content_settings(
    database_factory: Callable[[str], str],
    infrastructure: Infrastructure,
    request: pytest.FixtureRequest,
    peers: FakePeers,
) -> Settings:
    url = migrated_database(database_factory, ALEMBIC_DIR, "content")
    return Settings(
        class_management_service_url=peers.url,
        cj_assessment_service_url=peers.url,
        database_url=url,
        max_file_bytes=200_000,
        max_upload_bytes=3_000_000,
        max_files_per_upload=12,
        max_essays_per_batch=20,
        min_words=10,
        max_words=400,
        HULEEDU_KAFKA_BOOTSTRAP_SERVERS=infrastructure.kafka_bootstrap,
        HULEEDU_REDIS_URL=infrastructure.redis_url,
        HULEEDU_INTERNAL_API_KEY=INTERNAL_KEY,
    )


@asynccontextmanager
async def built(
    settings: Settings,
    topics: dict[type[BaseModel], str],
    infrastructure: Infrastructure,
    group: str,
    samples: Any,
) -> AsyncIterator[Harness]:
    registry = EventRegistry()
    for model, topic in topics.items():
        registry.register(topic, model)
    app = await create_app(settings, registry=registry, consumer_group=group)
    async with EventPublisher(infrastructure.kafka_bootstrap, "content_service_test") as publisher:
        harness = Harness(app, settings.database_url, topics, infrastructure, publisher, settings, group, samples)
        # test_app runs before_serving/after_serving: the consumer and the outbox relay run.
        async with app.test_app() as test_app:
            harness._client = test_app.test_client()
            yield harness


@pytest.fixture
async def content(
    content_settings: Settings, event_topics: Any, infrastructure: Infrastructure, unique_group_id: str, samples: Any
) -> AsyncIterator[Harness]:
    """The service with its consumer and outbox relay running."""
    async with built(content_settings, event_topics, infrastructure, unique_group_id, samples) as harness:
        yield harness
