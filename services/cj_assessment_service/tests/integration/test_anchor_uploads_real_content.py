"""Bulk anchors through the real content service app (served in-process over HTTP): one extraction for
every upload, its reasons passed on per file, and a decompression bomb that stalls neither service."""

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentProgressV1,
    CJAssessmentRequestedV1,
)
from common_core.events.registry import EventRegistry
from content_service.app import create_app as create_content_app
from content_service.config import Settings as ContentSettings
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import served
from huleedu_service_libs.testing.loop_stalls import watch_loop
from services.cj_assessment_service.tests.integration.conftest import (
    API_KEY,
    Harness,
    post_multipart,
    teacher_headers,
)
from services.content_service.tests.hostile_files import docx_bomb, renamed_exe

CONTENT_ALEMBIC = Path(__file__).resolve().parents[3] / "content_service" / "alembic"
CONTENT_EVENTS = (
    BatchRegisteredV1,
    BatchUpdatedV1,
    BatchDeletedV1,
    EssayUploadedV1,
    CJAssessmentRequestedV1,
    CJAssessmentProgressV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
)
ESSAY = "Dear editor, I think our town needs a larger library, because pupils read more when they can. " * 3


@pytest.fixture
async def content_url(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    kafka_topic_factory: Callable[..., str],
    unique_group_id: str,
) -> AsyncIterator[str]:
    """The real content service app on a fresh database and fresh topics, served on a free port."""
    database_url = await asyncio.to_thread(migrated_database, database_factory, CONTENT_ALEMBIC, "content")
    registry = EventRegistry()
    for model in CONTENT_EVENTS:
        registry.register(await asyncio.to_thread(kafka_topic_factory, f"c{model.__name__.lower()[:22]}"), model)
    settings = ContentSettings(
        database_url=database_url,
        HULEEDU_KAFKA_BOOTSTRAP_SERVERS=infrastructure.kafka_bootstrap,
        HULEEDU_REDIS_URL=infrastructure.redis_url,
        HULEEDU_INTERNAL_API_KEY=API_KEY,
    )
    app = await create_content_app(settings, registry=registry, consumer_group=f"{unique_group_id}-content")
    async with served(app) as url:
        yield url


async def new_assignment(client) -> str:
    body = {"title": "Letters", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."}
    created = await client.post("/v1/assignments", json=body, headers=teacher_headers())
    return (await created.get_json())["assignment_id"]


async def test_anchor_files_are_extracted_by_content_service(harness: Harness, content_url: str):
    app = await harness.start(content_service_url=content_url)
    client = app.test_client()
    assignment_id = await new_assignment(client)
    url = f"/v1/assignments/{assignment_id}/anchors/bulk"
    latin = "Åsa Öberg writes: " + ESSAY

    bad = await post_multipart(
        client,
        url,
        [
            ("files", ("latin.txt", latin.encode("cp1252"))),
            ("files", ("virus.txt", renamed_exe())),
            ("grades", ("g.csv", b"latin,C+\nvirus,B\n")),
        ],
    )
    assert bad.status_code == 400
    error = (await bad.get_json())["error"]
    assert error["message"] == "virus.txt: not a text file: it looks like a program or binary data"
    assert error["details"]["filename"] == "virus.txt"
    assert (await (await client.get(f"{url[:-5]}", headers=teacher_headers())).get_json())["anchors"] == []

    good = await post_multipart(
        client,
        url,
        [
            ("files", ("latin.txt", latin.encode("cp1252"))),  # CJ's own copy of extraction refused this
            ("files", ("sixteen.txt", ("Tuva: " + ESSAY).encode("utf-16"))),
            ("grades", ("g.csv", b"latin,C+\nsixteen,B\n")),
        ],
    )
    assert good.status_code == 201, await good.get_data(as_text=True)
    anchors = {a["label"]: a for a in (await good.get_json())["anchors"]}
    assert set(anchors) == {"latin", "sixteen"}
    assert anchors["latin"]["word_count"] > 40


async def test_a_bomb_sent_as_an_anchor_stalls_neither_service(harness: Harness, content_url: str):
    """The issue's bound: while the bomb is handled, CJ's /healthz answers within 1 s, and the event
    loop (which CJ's Kafka consumers' heartbeats share) never stalls for a second."""
    app = await harness.start(content_service_url=content_url)
    client = app.test_client()
    assignment_id = await new_assignment(client)
    bombs = [("files", (f"bomb{n}.docx", docx_bomb(90_000_000))) for n in range(3)]
    grades = ("grades", ("g.csv", b"".join(f"bomb{n},C+\n".encode() for n in range(3))))

    async def healthz() -> None:
        assert (await client.get("/healthz")).status_code == 200

    upload = post_multipart(client, f"/v1/assignments/{assignment_id}/anchors/bulk", [*bombs, grades])
    watched = await watch_loop(upload, healthz)
    assert watched.result.status_code == 400
    assert (await watched.result.get_json())["error"]["message"].startswith("bomb0.docx: too large once unpacked")
    assert watched.worst_probe_s < 1.0, watched
    assert watched.worst_stall_s < 1.0, watched
