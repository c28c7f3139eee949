"""Real PostgreSQL and Kafka, fresh topics per test, fake content service and LPS over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer
from pydantic import BaseModel
from quart import Quart
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.tables import access_log as access_log_table
from cj_assessment_service.adapters.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from cj_assessment_service.app import BACKGROUND_EXTENSION, create_app
from cj_assessment_service.config import Settings
from cj_assessment_service.service_layer.callbacks import record_result
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.requests import start_job
from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1
from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import (
    AssessmentBudget,
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    CJAssessmentRequestedV1,
    EssayRef,
)
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from common_core.topics import DLQ_SUFFIX
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundWork
from huleedu_service_libs.db import UnitOfWorkFactory, create_engine, session_factory
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure, create_topics, delete_topics
from services.cj_assessment_service.tests.fakes import FakeContentService, FakeLPS, essay_text, served

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
SCHEMA_DIR = Path(__file__).resolve().parents[4] / "libs" / "common_core" / "schemas" / "events"
API_KEY = "test-internal-key"
CONSUMED_MODELS: tuple[type[BaseModel], ...] = (
    CJAssessmentRequestedV1,
    LLMComparisonResultV1,
    BatchDeletedV1,
    StudentErasedV1,
    TeacherAccountDeletedV1,
)
OUTPUT_MODELS: tuple[type[BaseModel], ...] = (
    CJAssessmentProgressV1,
    CJAssessmentCompletedV1,
    AssessmentResultPublishedV1,
    CJAssessmentFailedV1,
)


def teacher_headers(user_id: str = "teacher-1", service: str = "api_gateway_service") -> dict[str, str]:
    return {"X-Internal-API-Key": API_KEY, "X-Service-ID": service, "X-User-ID": user_id}


def declared_metric_names() -> set[str]:
    """Every metric cj_assessment_service.metrics declares."""
    from prometheus_client.metrics import MetricWrapperBase

    from cj_assessment_service import metrics

    names = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            name = value._name
            # A histogram exposes only its _bucket, _count and _sum series.
            suffix = {"counter": "_total", "histogram": "_count"}.get(value._type or "", "")
            names.add(f"{name}{suffix}")
    return names


def has_samples(exposition: str, name: str) -> bool:
    return any(line.startswith((f"{name}{{", f"{name} ")) for line in exposition.splitlines())


async def post_multipart(
    client: Any, path: str, files: list[tuple[str, tuple[str, bytes]]], user_id: str = "teacher-1"
) -> Any:
    """POST a multipart body with repeated file fields (Quart's test client sends one file per name)."""
    encoded = httpx.Request("POST", "http://test", files=files)
    body = encoded.read()
    headers = {**teacher_headers(user_id), "Content-Type": encoded.headers["Content-Type"]}
    return await client.post(path, data=body, headers=headers)


class EventLog:
    """Every event CJ published to the test's fresh output topics, as raw JSON by model."""

    def __init__(self, registry: EventRegistry) -> None:
        self.registry = registry
        self.raw: dict[type[BaseModel], list[dict[str, Any]]] = {m: [] for m in OUTPUT_MODELS}

    def of(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        return self.raw[model]

    def payloads(self, model: type[BaseModel]) -> list[Any]:
        return [model.model_validate(e["data"]) for e in self.raw[model]]


class Harness:
    def __init__(
        self,
        infrastructure: Infrastructure,
        database_url: str,
        registry: EventRegistry,
        content: FakeContentService,
        lps: FakeLPS,
        content_url: str,
        lps_url: str,
        publisher: EventPublisher,
        group_prefix: str,
        events: EventLog,
    ) -> None:
        self.infrastructure = infrastructure
        self.database_url = database_url
        self.registry = registry
        self.content = content
        self.lps = lps
        self.content_url = content_url
        self.lps_url = lps_url
        self.publisher = publisher
        self.group_prefix = group_prefix
        self.events = events
        self.apps: list[Quart] = []
        self.engine = create_engine(database_url)

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "HULEEDU_INTERNAL_API_KEY": API_KEY,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.kafka_bootstrap,
            "database_url": self.database_url,
            "content_service_url": self.content_url,
            "llm_provider_service_url": self.lps_url,
            "consumer_group_prefix": self.group_prefix,
            "submitter_poll_s": 0.2,
            "monitor_interval_s": 0.3,
            "submit_backoff_base_s": 0.2,
            "submit_backoff_cap_s": 1.0,
        }
        values.update(overrides)
        return Settings(**values)

    async def start(self, **overrides: Any) -> Quart:
        app = await create_app(self.settings(**overrides), registry=self.registry)
        await app.startup()
        self.apps.append(app)
        return app

    async def stop(self, app: Quart) -> None:
        self.apps.remove(app)
        await app.shutdown()

    async def kill(self, app: Quart) -> None:
        """A crash: background tasks are cancelled mid-work, nothing in flight is committed."""
        background: BackgroundWork = app.extensions[BACKGROUND_EXTENSION]
        await background.abort()
        self.apps.remove(app)
        await app.shutdown()

    async def request(
        self,
        n_essays: int,
        *,
        assignment_id: uuid.UUID | None = None,
        budget: AssessmentBudget | None = None,
        user_id: str = "teacher-1",
        event_id: uuid.UUID | None = None,
        request: CJAssessmentRequestedV1 | None = None,
        **llm: Any,
    ) -> CJAssessmentRequestedV1:
        """Publish an assessment request for ``n_essays`` essays of qualities 0, 1, 2, ..."""
        if request is None:
            essays = [
                EssayRef(essay_id=uuid.uuid4(), text_ref=self.content.store(essay_text(i, i))) for i in range(n_essays)
            ]
            request = CJAssessmentRequestedV1(
                batch_id=uuid.uuid4(),
                request_id=uuid.uuid4(),
                user_id=user_id,
                essays=essays,
                assignment_id=assignment_id,
                course_code="ENG5",
                budget=budget or AssessmentBudget(max_comparisons_per_essay=10, target_reliability=0.8),
                llm={"batching_mode": "per_request", "temperature": 0.0, **llm},
            )
        envelope = EventEnvelope[CJAssessmentRequestedV1](
            event_id=event_id or uuid.uuid4(),
            event_type=self.registry.topic_for(CJAssessmentRequestedV1),
            source_service="content_service",
            correlation_id=uuid.uuid4(),
            data=request,
        )
        await self.publisher.publish(envelope, key=str(request.batch_id))
        return request

    async def delete_batch(self, batch_id: uuid.UUID, user_id: str = "teacher-1") -> None:
        """Publish ``huleedu.batch.deleted.v1`` for the batch, as content service does when the teacher deletes it."""
        envelope = EventEnvelope[BatchDeletedV1](
            event_type=self.registry.topic_for(BatchDeletedV1),
            source_service="content_service",
            correlation_id=uuid.uuid4(),
            data=BatchDeletedV1(batch_id=batch_id, user_id=user_id, deleted_at=datetime.now(UTC)),
        )
        await self.publisher.publish(envelope, key=str(batch_id))

    async def publish(self, payload: BaseModel, key: str, source: str = "class_management_service") -> None:
        """Publish ``payload`` on its (fresh) topic, as its producer would."""
        envelope = EventEnvelope[Any](
            event_type=self.registry.topic_for(type(payload)),
            source_service=source,
            correlation_id=uuid.uuid4(),
            data=payload,
        )
        await self.publisher.publish(envelope, key=key)

    async def wait_for(self, condition: Callable[[], bool], timeout_s: float = 60.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)

    async def wait_for_db(
        self, condition: Callable[[int], bool], query: Callable[[Harness], Awaitable[int]], timeout_s: float = 30.0
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition(await query(self)):
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the database")
            await asyncio.sleep(0.1)

    async def wait_for_event(self, model: type[BaseModel], batch_id: uuid.UUID, timeout_s: float = 60.0) -> Any:
        def found() -> bool:
            return any(e["data"]["batch_id"] == str(batch_id) for e in self.events.of(model))

        await self.wait_for(found, timeout_s, f"{model.__name__} of batch {batch_id}")
        return next(
            model.model_validate(e["data"]) for e in self.events.of(model) if e["data"]["batch_id"] == str(batch_id)
        )

    async def db(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a read-only query against the service's database."""
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())


def load_schema(topic: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{topic}.json").read_text(encoding="utf-8"))


def assert_events_match_schemas(events: EventLog) -> int:
    """Contract: every captured event validates against its checked-in common_core schema."""
    checked = 0
    for model, raws in events.raw.items():
        schema = load_schema(EVENTS.topic_for(model))
        for raw in raws:
            jsonschema.validate(raw, schema)
            checked += 1
    return checked


@pytest.fixture
async def harness(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    kafka_topic_factory: Callable[..., str],
    unique_group_id: str,
) -> AsyncIterator[Harness]:
    database_url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, "cj")
    registry = EventRegistry()
    for model in (*CONSUMED_MODELS, *OUTPUT_MODELS):
        registry.register(await asyncio.to_thread(kafka_topic_factory, model.__name__.lower()[:24]), model)
    # The consumed topics' dead-letter twins, so a poison record is parked instead of retried forever.
    dead_letter_topics = [f"{registry.topic_for(m)}{DLQ_SUFFIX}" for m in CONSUMED_MODELS]
    await create_topics(infrastructure.kafka_bootstrap, dead_letter_topics, 1)
    events = EventLog(registry)
    consumer = AIOKafkaConsumer(
        *(registry.topic_for(m) for m in OUTPUT_MODELS),
        bootstrap_servers=infrastructure.kafka_bootstrap,
        group_id=f"{unique_group_id}-observer",
        auto_offset_reset="earliest",
    )
    await consumer.start()

    async def observe() -> None:
        by_topic = {registry.topic_for(m): m for m in OUTPUT_MODELS}
        async for record in consumer:
            events.raw[by_topic[record.topic]].append(json.loads(record.value))

    observer = asyncio.create_task(observe())
    content = FakeContentService()
    async with EventPublisher(infrastructure.kafka_bootstrap, "test_harness") as publisher:
        lps = FakeLPS(publisher=publisher)
        async with served(content.app()) as content_url, served(lps.app()) as lps_url:
            harness = Harness(
                infrastructure,
                database_url,
                registry,
                content,
                lps,
                content_url,
                lps_url,
                publisher,
                unique_group_id,
                events,
            )
            try:
                yield harness
            finally:
                for app in list(harness.apps):
                    with contextlib.suppress(Exception):
                        await harness.stop(app)
                await lps.drain()
                await harness.engine.dispose()
    observer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await observer
    await consumer.stop()
    await delete_topics(infrastructure.kafka_bootstrap, dead_letter_topics)


@dataclass
class OnTheDatabase:
    """The use cases' dependencies on a migrated database, and its sessions for checking rows directly."""

    deps: ServiceDeps
    sessions: async_sessionmaker[AsyncSession]
    uows: UnitOfWorkFactory[SqlUnitOfWork]

    @property
    def settings(self) -> Settings:
        return self.deps.settings


@contextlib.asynccontextmanager
async def on_the_database(
    database_factory: Callable[[str], str], name: str, texts: object, **settings: Any
) -> AsyncIterator[OnTheDatabase]:
    """The service layer on a fresh migrated database, with ``texts`` as content service and no LPS."""
    url = await asyncio.to_thread(migrated_database, database_factory, ALEMBIC_DIR, name)
    engine = create_engine(url)
    config = Settings(HULEEDU_DEV_MODE=True, database_url=url, **settings)
    sessions = session_factory(engine)
    uows = unit_of_work_factory(sessions, EVENTS, config.service_name)
    topic = EVENTS.topic_for(LLMComparisonResultV1)
    access_log = AccessLog(engine, access_log_table, config.service_name)
    deps = ServiceDeps(
        settings=config,
        uows=uows,
        content=texts,  # type: ignore[arg-type]
        lps=None,  # type: ignore[arg-type]
        callback_topic=topic,
        access_log=access_log,
    )
    try:
        yield OnTheDatabase(deps, sessions, uows)
    finally:
        await engine.dispose()


async def run_request(service: OnTheDatabase, request: CJAssessmentRequestedV1) -> None:
    """As the requests consumer runs it: in the runner's transaction."""
    async with service.sessions() as session, session.begin():
        await start_job(service.deps, request, uuid.uuid4(), service.uows.on(session))


async def record(service: OnTheDatabase, session: AsyncSession, result: LLMComparisonResultV1) -> bool:
    """As the callbacks consumer runs it: in the runner's transaction."""
    return await record_result(service.deps, result, service.uows.on(session))
