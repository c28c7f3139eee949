"""A student's name never reaches the LLM provider (issue 23): CJ and LPS in-process, a fake provider on HTTP.

An assessment request carries essays whose first line is the student's name (with ``EssayRef.names``, as
content service fills it). CJ runs on a fresh database and fresh Kafka topics; its texts come from a stand-in
of content service's text store (CJ's own test double, served over HTTP). CJ submits each wave over HTTP
to the real LPS app, which queues it in Redis and calls the OpenAI adapter against a local server that speaks
OpenAI's chat-completions wire format and records every request body. The callbacks come back to CJ through
Kafka. Every body the provider received has the placeholder where the names were, and no part of any name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from sqlalchemy import text

from cj_assessment_service.app import create_app as create_cj_app
from cj_assessment_service.config import Settings as CJSettings
from cj_assessment_service.domain.redaction import PLACEHOLDER
from common_core.envelope import EventEnvelope
from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import AssessmentBudget, CJAssessmentRequestedV1, EssayRef, LLMSettings
from common_core.events.registry import EventRegistry
from common_core.llm import BatchingMode, LLMProvider
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import served
from llm_provider_service.app import create_app as create_lps_app
from llm_provider_service.config import Settings as LPSSettings
from services.cj_assessment_service.tests.fakes import FakeContentService
from services.llm_provider_service.tests.fake_http import FakeServer, Reply, Seen

pytestmark = pytest.mark.timeout(180)

REPO = Path(__file__).resolve().parents[2]
CJ_ALEMBIC = REPO / "services" / "cj_assessment_service" / "alembic"
LPS_ALEMBIC = REPO / "services" / "llm_provider_service" / "alembic"
API_KEY = "test-internal-key"
STUDENTS = ["Anna Svensson", "Örjan Åkesson-Lind", "Will Bergström", "Maja Ek"]
BODY_MARKER = "lighthousekeeper"  # in every essay's body: proves the texts did reach the provider


def essay(name: str, number: int) -> str:
    first = name.split()[0]
    return (
        f"{name}\n\nMy summer, essay {number}. I will write about the {BODY_MARKER} on our island. "
        f"{first} is what my friends call me, and {name.split()[-1]}'s boat is red. " + "It was excellent. " * number
    )


def openai_answer(_: Seen) -> Reply:
    """OpenAI's chat-completions answer: the verdict as the message content, with usage."""
    verdict = {"winner": "A", "confidence": 4, "justification": "Essay A is clearer."}
    return Reply(
        body={
            "id": f"chatcmpl-{uuid.uuid4().hex[:8]}",
            "choices": [{"message": {"role": "assistant", "content": json.dumps(verdict)}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 40},
        },
        headers={"x-request-id": f"req-{uuid.uuid4().hex[:8]}"},
    )


@pytest.fixture
async def registry(kafka_topic_factory: Callable[..., str]) -> EventRegistry:
    """Every event on a fresh topic (with its dead-letter twin), shared by CJ and LPS."""
    fresh = EventRegistry()
    for topic, model in EVENTS:
        name = await asyncio.to_thread(kafka_topic_factory, topic.split(".", 1)[1][:30], with_dead_letter=True)
        fresh.register(name, model)
    return fresh


@contextlib.asynccontextmanager
async def running_cj(settings: CJSettings, registry: EventRegistry) -> AsyncIterator[Quart]:
    app = await create_cj_app(settings, registry=registry)
    await app.startup()
    try:
        yield app
    finally:
        await app.shutdown()


async def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def test_the_provider_never_sees_a_students_name(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    registry: EventRegistry,
    redis_prefix: str,
    unique_group_id: str,
):
    cj_db = await asyncio.to_thread(migrated_database, database_factory, CJ_ALEMBIC, "cj_redact")
    lps_db = await asyncio.to_thread(migrated_database, database_factory, LPS_ALEMBIC, "lps_redact")
    shared: dict[str, Any] = {
        "HULEEDU_INTERNAL_API_KEY": API_KEY,
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
        "HULEEDU_REDIS_URL": infrastructure.redis_url,
    }
    content = FakeContentService()
    refs = [
        EssayRef(essay_id=uuid.uuid4(), text_ref=content.store(essay(name, i)), names=[name])
        for i, name in enumerate(STUDENTS)
    ]
    request = CJAssessmentRequestedV1(
        batch_id=uuid.uuid4(),
        request_id=uuid.uuid4(),
        user_id="teacher-1",
        essays=refs,
        course_code="ENG5",
        llm=LLMSettings(
            provider=LLMProvider.OPENAI, model="gpt-4.1", temperature=0.0, batching_mode=BatchingMode.PER_REQUEST
        ),
        budget=AssessmentBudget(max_comparisons_per_essay=2),
    )
    pairs_in_first_wave = len(STUDENTS) // 2

    async with (
        FakeServer(openai_answer) as provider,
        served(content.app()) as content_url,
    ):
        lps_settings = LPSSettings(
            **shared,
            database_url=lps_db,
            redis_key_prefix=redis_prefix,
            openai_base_url=provider.url,
            openai_api_key="sk-test",
            worker_idle_poll_s=0.05,
            maintenance_interval_s=0.2,
        )
        lps_app = await create_lps_app(lps_settings, registry=registry, consumer_group=f"{unique_group_id}-lps")
        async with served(lps_app) as lps_url:
            cj_settings = CJSettings(
                **shared,
                database_url=cj_db,
                content_service_url=content_url,
                llm_provider_service_url=lps_url,
                consumer_group_prefix=f"{unique_group_id}-cj",
                submitter_poll_s=0.2,
            )
            async with (
                running_cj(cj_settings, registry),
                EventPublisher(infrastructure.kafka_bootstrap, "test_redaction") as publisher,
            ):
                envelope = EventEnvelope[CJAssessmentRequestedV1](
                    event_type=registry.topic_for(CJAssessmentRequestedV1),
                    source_service="content_service",
                    correlation_id=uuid.uuid4(),
                    data=request,
                )
                await publisher.publish(envelope, key=str(request.batch_id))
                engine = create_engine(cj_db)
                try:

                    async def first_wave_answered() -> bool:
                        async with engine.connect() as conn:
                            done = await conn.execute(text("SELECT count(*) FROM comparisons WHERE status = 'done'"))
                            return int(done.scalar_one()) >= pairs_in_first_wave

                    # The provider's verdicts came back to CJ through LPS and Kafka: the whole path ran.
                    await wait_until(first_wave_answered, "the first wave's verdicts in CJ")
                    async with engine.connect() as conn:
                        stored = (await conn.execute(text("SELECT content FROM job_essays"))).scalars().all()
                finally:
                    await engine.dispose()

    bodies = [json.dumps(seen.json(), ensure_ascii=False) for seen in provider.requests]
    assert len(bodies) >= pairs_in_first_wave
    name_words = {word for name in STUDENTS for word in name.replace("-", " ").split()}
    for body in bodies:
        assert BODY_MARKER in body  # the essays are in the request
        assert PLACEHOLDER in body
        leaked = sorted(word for word in name_words if word in body)
        assert leaked == [], leaked
        assert "I will write" in body  # the verb of a student named Will stays
    # CJ keeps the originals for the teacher.
    assert sorted(text.split("\n")[0] for text in stored) == sorted(STUDENTS)
