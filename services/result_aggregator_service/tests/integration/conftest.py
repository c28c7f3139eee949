"""Real-infrastructure fixtures: a migrated database, fresh topics (never the registry's), the app.

The app consumes a registry that maps RAS's consumed payload models to throwaway topics, each with
its ``.dlq`` twin, so these tests never read or write the platform's real topics.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import BaseModel
from quart import Quart
from quart.typing import TestClientProtocol
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    EssayResult,
    GradeCutPoint,
    JobUsage,
    ModelUsed,
)
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from common_core.events.registry import EventRegistry
from common_core.llm import LLMProvider
from common_core.status import CJJobState
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure, create_topics, delete_topics
from result_aggregator_service.adapters.unit_of_work import SqlUnitOfWork
from result_aggregator_service.app import create_app
from result_aggregator_service.config import Settings
from result_aggregator_service.entrypoints.consumer import envelope_handlers
from services.result_aggregator_service.tests import events
from services.result_aggregator_service.tests.events import T0, BatchEvents

ALEMBIC_DIR = Path(__file__).resolve().parents[2] / "alembic"
API_KEY = "ras-test-key"
CALLER = {"X-Internal-API-Key": API_KEY, "X-Service-ID": "bff_teacher_service"}
WAIT_S = 45
CONSUMED = (
    BatchRegisteredV1,
    BatchUpdatedV1,
    BatchDeletedV1,
    EssayUploadedV1,
    CJAssessmentProgressV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    AssessmentResultPublishedV1,
    StudentErasedV1,
    TeacherAccountDeletedV1,
)


def as_teacher(path: str, user: str | None) -> dict[str, str]:
    """The BFF's headers for ``user``; by default the teacher a ``/users/<id>/...`` path names (as a real caller)."""
    named = re.match(r"/internal/v1/users/([^/]+)/", path)
    teacher = user if user is not None else named.group(1) if named else None
    return CALLER if teacher is None else {**CALLER, "X-User-ID": teacher}


def make_settings(infrastructure: Infrastructure, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "consumer_group": f"ras-test-{uuid.uuid4().hex[:10]}",
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
        "HULEEDU_REDIS_URL": infrastructure.redis_url,
        "HULEEDU_INTERNAL_API_KEY": API_KEY,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def ras_database(database_factory: Callable[[str], str]) -> str:
    return migrated_database(database_factory, ALEMBIC_DIR, "ras")


@pytest.fixture
async def ras_registry(
    infrastructure: Infrastructure, kafka_topic_factory: Callable[..., str]
) -> AsyncIterator[EventRegistry]:
    """RAS's payload models on fresh one-partition topics, with DLQs.

    One partition per topic lets ``RunningService.drain`` prove that everything published
    earlier was handled; ordering across topics stays as arbitrary as in production.
    """
    registry = EventRegistry()
    for model in CONSUMED:
        registry.register(kafka_topic_factory(model.__name__.lower(), 1), model)
    dead_letters = [f"{topic}.dlq" for topic, _ in registry]
    await create_topics(infrastructure.kafka_bootstrap, dead_letters, 1)
    await _until_known(infrastructure.kafka_bootstrap, [topic for topic, _ in registry])
    yield registry
    await delete_topics(infrastructure.kafka_bootstrap, dead_letters)


async def _until_known(bootstrap: str, topics: list[str]) -> None:
    """Wait until the broker's metadata has a partition of every topic. A consumer that joins before then
    is assigned the others only, and sees the missing one no sooner than its next metadata refresh
    (minutes): the test would wait in vain for that topic's events."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                described = await admin.describe_topics(topics)
                if all(topic["error_code"] == 0 and topic["partitions"] for topic in described):
                    return
                await asyncio.sleep(0.1)
    finally:
        await admin.close()


@pytest.fixture
async def publisher(infrastructure: Infrastructure) -> AsyncIterator[EventPublisher]:
    async with EventPublisher(infrastructure.kafka_bootstrap, "ras_test_producer") as started:
        yield started


MARKER_TITLE = "Marker, renamed"


USAGE = events.USAGE.model_copy(update={"cost_usd": 0.0})  # the mock judge costs nothing


# The Swedish F-A boundaries of BatchStory's results, as CJ publishes them (on the bt_score scale).
CUT_POINTS = tuple(
    GradeCutPoint(lower_grade=lower, upper_grade=upper, bt_score=score, boundary_sd=sd, source=source)
    for lower, upper, score, sd, source in [
        ("F", "E", -2.1, 0.3, "extrapolated"),
        ("E", "D", -1.2, 0.0, "fitted"),
        ("D", "C", -0.7, 0.15, "interpolated"),
        ("C", "B", 0.2, 0.0, "fitted"),
        ("B", "A", 1.4, 0.3, "extrapolated"),
    ]
)


class BatchStory(BatchEvents[EventEnvelope[Any]]):
    """Realistic envelopes for one batch, with event timestamps a fixed step apart (so order is known)."""

    stop_detail = "reliability 0.81 reached the target 0.80 on two waves"

    def __init__(
        self,
        registry: EventRegistry,
        user_id: str = "teacher-1",
        title: str = "Argumentative essays",
        created: datetime = T0,
    ) -> None:
        super().__init__(user_id, title, created)
        self.registry = registry
        self.class_id = uuid.uuid4()
        self.assignment_id = uuid.uuid4()

    def _wrap(self, payload: BaseModel, minutes: float) -> EventEnvelope[Any]:
        model: Any = EventEnvelope[type(payload)]  # type: ignore[misc]
        return model(
            event_type=self.registry.topic_for(type(payload)),
            event_timestamp=self.at(minutes),
            source_service="test",
            correlation_id=uuid.uuid4(),
            data=payload,
        )

    def registered(self, minutes: float = 0) -> EventEnvelope[Any]:
        payload = self._registration(class_id=self.class_id, assignment_id=self.assignment_id)
        return self._wrap(payload, minutes)

    def renamed(self, title: str, minutes: float, course_code: str | None = "ENG5") -> EventEnvelope[Any]:
        """A rename made ``minutes`` after creation (content service's ``updated_at``), sent then too."""
        return super().renamed(title, minutes, course_code)

    def uploaded(self, index: int, minutes: float = 1) -> EventEnvelope[Any]:
        return self._wrap(self._upload(index, author_hint=f"Student {index}"), minutes + index / 10)

    def progress(self, job_id: uuid.UUID, state: str, percent: float, minutes: float) -> EventEnvelope[Any]:
        # None below half way: CJ sends None until every essay has the minimum comparisons.
        reliability = round(percent / 150, 3) if percent >= 50 else None
        return self._wrap(self._progress(job_id, CJJobState(state), percent, reliability=reliability), minutes)

    def completed(
        self, job_id: uuid.UUID, minutes: float, *, usage: JobUsage | None = USAGE, **more: Any
    ) -> EventEnvelope[Any]:
        """``usage=None`` is what a CJ that predates the field publishes."""
        return super().completed(job_id, minutes, usage=usage, **more)

    def failed(self, job_id: uuid.UUID | None, minutes: float, *, usage: JobUsage | None = None) -> EventEnvelope[Any]:
        return self._wrap(self._failure(job_id, usage, duration_seconds=61.0 if usage else None), minutes)

    def results(
        self, job_id: uuid.UUID, minutes: float, *, reverse: bool = False, reliability: float | None = 0.81
    ) -> EventEnvelope[Any]:
        """Three essays and one anchor on the Swedish F-A scale, with its cut points; ``reverse`` flips the ranks.

        ``reliability=None`` is what a CJ that predates the field publishes.
        """
        order = list(reversed(self.essay_ids)) if reverse else list(self.essay_ids)
        grades = ["A", "C", "E"]
        results = [
            EssayResult(
                essay_id=essay_id,
                is_anchor=False,
                rank=rank if rank == 1 else rank + 1,
                bt_score=1.5 - rank,
                standard_error=0.3 + rank / 10,
                normalized_score=90.0 - 30 * (rank - 1),
                grade=grades[rank - 1],
                grade_probabilities={grades[rank - 1]: 0.75, "D": 0.25},
                confidence=0.75,
                confidence_label="medium",
                comparison_count=12 + rank,
            )
            for rank, essay_id in enumerate(order, start=1)
        ]
        results.append(
            EssayResult(
                essay_id=self.anchor_id,
                is_anchor=True,
                rank=2,
                bt_score=0.9,
                standard_error=0.45,
                normalized_score=70.0,
                grade="B",
                grade_probabilities={"B": 0.9, "C": 0.1},
                confidence=0.9,
                confidence_label="high",
                comparison_count=10,
                known_grade="B",
                anchor_label="anchor-B",
                anchor_inconsistent=False,
            )
        )
        payload = AssessmentResultPublishedV1(
            batch_id=self.batch_id,
            job_id=job_id,
            grade_scale="swedish_f_a",
            model_used=ModelUsed(provider=LLMProvider.MOCK, model="mock-judge"),
            reliability_ssr=0.86,
            reliability=reliability,
            completed_at=self.at(minutes - 0.5),
            results=results,
            stop_reason="reliability_reached",
            stop_detail=self.stop_detail,
            position_bias=0.12,
            position_bias_se=0.2,
            grade_projection_note="one anchor per grade: the cut points are approximate",
            grade_cut_points=list(CUT_POINTS),
        )
        return self._wrap(payload, minutes)


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``check()`` holds (the consumer folds asynchronously)."""
    async with asyncio.timeout(WAIT_S):
        while not await check():  # noqa: ASYNC110 - polling an HTTP answer, not a local flag
            await asyncio.sleep(0.1)


@dataclass
class RunningService:
    """The running app plus helpers to publish to its topics and ask its internal API."""

    app: Quart
    client: TestClientProtocol
    registry: EventRegistry
    publisher: EventPublisher

    def story(self, user_id: str = "teacher-1", title: str = "Argumentative essays") -> BatchStory:
        return BatchStory(self.registry, user_id=user_id, title=title)

    async def publish(self, *envelopes: EventEnvelope[Any]) -> None:
        """To the test registry's topic of each payload, keyed by batch like the real producers (an erasure
        by class management, which names no one batch, by its user)."""
        for envelope in envelopes:
            key = getattr(envelope.data, "batch_id", None) or envelope.data.user_id
            await self.publisher.publish(envelope, key=str(key), topic=envelope.event_type)

    async def get(self, path: str, *, user: str | None = None, **params: Any) -> tuple[int, Any]:
        response = await self.client.get(path, headers=as_teacher(path, user), query_string=params)
        return response.status_code, await response.get_json()

    async def detail(self, story: BatchStory) -> dict[str, Any]:
        status, body = await self.get(f"/internal/v1/batches/{story.batch_id}", user=story.user_id)
        return body if status == 200 else {}

    async def status_is(self, story: BatchStory, expected: str, **job_fields: Any) -> bool:
        """The batch shows ``expected``, and its current job has ``job_fields``."""
        body = await self.detail(story)
        if not body or body["batch"]["status"] != expected:
            return False
        job = body.get("current_job") or {}
        return all(job.get(name) == value for name, value in job_fields.items())

    async def wait_until(self, check: Callable[[], Awaitable[bool]]) -> None:
        await eventually(check)

    async def until_status(self, story: BatchStory, expected: str, **job_fields: Any) -> None:
        await eventually(lambda: self.status_is(story, expected, **job_fields))

    async def drain(self) -> None:
        """Publish a marker batch on every topic and wait until all of it shows.

        Topics have one partition, so every record published earlier is handled by then.
        """
        marker = self.story(user_id=f"marker-{uuid.uuid4().hex[:8]}")
        gone = self.story(user_id=marker.user_id)  # a second marker, for the delete topic
        job_id = uuid.uuid4()
        await self.publish(
            gone.registered(),
            marker.registered(),
            marker.renamed(MARKER_TITLE, minutes=2),
            marker.uploaded(0),
            marker.progress(job_id, "comparing", 10.0, minutes=5),
            marker.failed(job_id, minutes=6),
            marker.completed(uuid.uuid4(), minutes=7),
            marker.results(uuid.uuid4(), minutes=8),
        )
        await eventually(lambda: self._marker_done(marker, batches_left=2))
        await self.publish(gone.deleted(minutes=9))
        await eventually(lambda: self._marker_done(marker, batches_left=1))

    async def _marker_done(self, marker: BatchStory, batches_left: int) -> bool:
        status, history = await self.get(f"/internal/v1/batches/{marker.batch_id}/history", user=marker.user_id)
        body = await self.detail(marker)
        if not (bool(body) and body["batch"]["essay_count"] == 1 and status == 200 and len(history["jobs"]) == 2):
            return False
        if body["batch"]["title"] != MARKER_TITLE:
            return False
        _, listed = await self.get(f"/internal/v1/users/{marker.user_id}/batches")
        return bool(listed["total"] == batches_left)


@pytest.fixture
async def service(
    infrastructure: Infrastructure, ras_database: str, ras_registry: EventRegistry, publisher: EventPublisher
) -> AsyncIterator[RunningService]:
    """The real app (consumer included) against the migrated database and the fresh topics."""
    app = await create_app(make_settings(infrastructure, ras_database), registry=ras_registry)
    async with app.test_app() as test_app:
        yield RunningService(app, test_app.test_client(), ras_registry, publisher)


# The consumer's own handlers, called here without Kafka (each in a transaction, as the runner does).
HANDLERS = envelope_handlers(SqlUnitOfWork)


@dataclass
class QueryOnlyService:
    """The app without its consumer; events are folded by calling the handlers in a transaction."""

    client: TestClientProtocol
    sessions: async_sessionmaker[AsyncSession]

    def story(self, user_id: str, title: str = "Essays", created: datetime = T0) -> BatchStory:
        return BatchStory(EVENTS, user_id=user_id, title=title, created=created)

    async def fold(self, *envelopes: EventEnvelope[Any]) -> None:
        for envelope in envelopes:
            async with self.sessions() as session, session.begin():
                await HANDLERS[type(envelope.data)](envelope, session)

    async def get(
        self, path: str, headers: dict[str, str] | None = None, *, user: str | None = None, **params: Any
    ) -> tuple[int, Any]:
        response = await self.client.get(
            path, headers=as_teacher(path, user) if headers is None else headers, query_string=params
        )
        return response.status_code, await response.get_json()


@pytest.fixture
async def query_service(infrastructure: Infrastructure, ras_database: str) -> AsyncIterator[QueryOnlyService]:
    settings = make_settings(infrastructure, ras_database, consume_events=False)
    app = await create_app(settings)
    engine = create_engine(ras_database)
    try:
        async with app.test_app() as test_app:
            yield QueryOnlyService(test_app.test_client(), session_factory(engine))
    finally:
        await engine.dispose()
