"""Erasure of a deleted batch on PostgreSQL and Kafka, and the assignment's redact_names over HTTP.

- Nothing of the batch is left in any CJ table: every text, JSON and binary column of every table is
  searched for the essays' marker word, their authors' names and the judge's justification.
- Through the running service: huleedu.batch.deleted.v1 erases a job in the middle of a wave, its job routes
  answer 404, and late callbacks and a late redelivery of the request are handled (not dead-lettered)
  without storing anything.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cj_assessment_service.service_layer.erasure import erase_batch
from common_core.events.batch import BatchDeletedV1
from common_core.events.cj_assessment import (
    AssessmentBudget,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    CJAssessmentRequestedV1,
    EssayRef,
)
from common_core.events.llm_provider import LLMComparisonResultV1
from services.cj_assessment_service.tests.builders import FakeTexts, assessment, verdict
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    OnTheDatabase,
    on_the_database,
    record,
    run_request,
    teacher_headers,
)

MARKER = "Zorblatxquux"  # in every essay of the erased batch
NAME = "Quilla Vendrasköld"  # the erased batch's authors
JUSTIFICATION = "Juxtaprelm"  # in the judge's justifications of the erased batch
KEPT = "Keptmarkerword"  # in the other batch's essays, which stay
T = TypeVar("T")
# Every column that can hold text: searched row by row, cast to text (binary columns decoded).
TEXT_TYPES = ("text", "character varying", "jsonb", "json", "bytea")


@pytest.fixture
async def service(database_factory: Callable[[str], str]) -> AsyncIterator[tuple[OnTheDatabase, FakeTexts]]:
    texts = FakeTexts()
    async with on_the_database(database_factory, "erasure", texts) as on_db:
        yield on_db, texts


def marked_request(texts: FakeTexts, marker: str, count: int = 6) -> CJAssessmentRequestedV1:
    essays = [
        EssayRef(
            essay_id=uuid.uuid4(),
            text_ref=texts.add(f"{NAME}\n\nEssay {i} about {marker}, written by Quilla."),
            names=[NAME],
        )
        for i in range(count)
    ]
    return assessment(essays, user_id="teacher-1", budget=AssessmentBudget(max_comparisons_per_essay=4))


async def in_txn(service: OnTheDatabase, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with service.sessions() as session, session.begin():
        return await work(session)


async def rows_of(service: OnTheDatabase, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one query, in a transaction of its own."""

    async def run(session: AsyncSession) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in (await session.execute(text(sql), params)).all()]

    return await in_txn(service, run)


async def open_requests(service: OnTheDatabase, batch_id: uuid.UUID) -> list[str]:
    rows = await rows_of(
        service,
        "SELECT c.request_id FROM comparisons c JOIN jobs j ON j.id = c.job_id "
        "WHERE j.batch_id = :batch AND c.status = 'planned' ORDER BY c.position",
        batch=batch_id,
    )
    return [r[0] for r in rows]


async def recorded(service: OnTheDatabase, result: LLMComparisonResultV1) -> bool:
    """Whether the callback matcher took ``result``, run as the callbacks consumer runs it."""

    async def run(session: AsyncSession) -> bool:
        return await record(service, session, result)

    return await in_txn(service, run)


async def answer_a_wave(service: OnTheDatabase, batch_id: uuid.UUID) -> None:
    """Every open comparison of the batch answered, with the marker in the justification (the wave closes)."""
    for request_id in await open_requests(service, batch_id):
        result = verdict(request_id).model_copy(update={"justification": f"{JUSTIFICATION}: A reads better."})
        await recorded(service, result)


async def occurrences(service: OnTheDatabase, word: str) -> dict[str, int]:
    """``table.column`` -> rows whose value contains ``word``, over every text-like column of every table."""
    columns = await rows_of(
        service,
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type = ANY(:types)",
        types=list(TEXT_TYPES),
    )
    found: dict[str, int] = {}
    for table, column, data_type in columns:
        value = f"encode({column}, 'escape')" if data_type == "bytea" else f"{column}::text"
        (n,) = (await rows_of(service, f'SELECT count(*) FROM "{table}" WHERE {value} ILIKE :p', p=f"%{word}%"))[0]
        if n:
            found[f"{table}.{column}"] = int(n)
    return found


async def outbox_keys(service: OnTheDatabase) -> dict[str, int]:
    """Outbox rows per message key (CJ keys its events by batch id)."""
    rows = await rows_of(service, "SELECT convert_from(message_key, 'UTF8'), count(*) FROM event_outbox GROUP BY 1")
    return {key: int(n) for key, n in rows}


async def erase(service: OnTheDatabase, batch_id: uuid.UUID) -> int:
    deleted = BatchDeletedV1(batch_id=batch_id, user_id="teacher-1", deleted_at=datetime.now(UTC))
    return await in_txn(service, lambda s: erase_batch(deleted, service.uows.on(s)))


async def test_no_text_name_or_justification_of_an_erased_batch_is_left_in_any_table(
    service: tuple[OnTheDatabase, FakeTexts],
):
    on_db, texts = service
    erased, kept = marked_request(texts, MARKER), marked_request(texts, KEPT)
    for request in (erased, kept):
        await run_request(on_db, request)
    await answer_a_wave(on_db, erased.batch_id)
    # The search finds what is there: the texts, the names and the justifications, before the erasure.
    assert {"job_essays.content"} <= set(await occurrences(on_db, MARKER))
    assert {"job_essays.names", "job_essays.content"} <= set(await occurrences(on_db, "Vendrasköld"))
    assert set(await occurrences(on_db, JUSTIFICATION)) == {"comparisons.justification"}

    # The relay published every event so far (no relay runs here: marked as it would).
    await rows_of(on_db, "UPDATE event_outbox SET status = 'published', published_at = now() RETURNING id")
    before = await outbox_keys(on_db)
    assert before[str(erased.batch_id)] > 0

    assert await erase(on_db, erased.batch_id) == 1

    assert await outbox_keys(on_db) == {str(kept.batch_id): before[str(kept.batch_id)]}
    assert await occurrences(on_db, MARKER) == {}
    assert await occurrences(on_db, JUSTIFICATION) == {}
    # The other batch's essays (by the same author name) stay, untouched.
    assert await occurrences(on_db, KEPT) == {"job_essays.content": len(kept.essays)}
    assert set(await occurrences(on_db, "Vendrasköld")) == {"job_essays.names", "job_essays.content"}
    ((jobs_left, comparisons_left, waves_left, tombstones),) = await rows_of(
        on_db,
        "SELECT (SELECT count(*) FROM jobs WHERE batch_id = :b), "
        "(SELECT count(*) FROM comparisons), (SELECT count(*) FROM waves), "
        "(SELECT count(*) FROM erased_batches WHERE batch_id = :b)",
        b=erased.batch_id,
    )
    assert (jobs_left, tombstones) == (0, 1)
    # The kept batch's first wave and its comparisons stay.
    assert comparisons_left > 0
    assert waves_left == 1
    # The same event again changes nothing.
    assert await erase(on_db, erased.batch_id) == 0
    assert await occurrences(on_db, KEPT) == {"job_essays.content": len(kept.essays)}


async def test_a_late_callback_and_a_late_request_store_nothing(service: tuple[OnTheDatabase, FakeTexts]):
    on_db, texts = service
    request = marked_request(texts, MARKER)
    await run_request(on_db, request)
    late = [
        verdict(request_id).model_copy(update={"request_metadata": {"batch_id": str(request.batch_id)}})
        for request_id in await open_requests(on_db, request.batch_id)
    ]
    await erase(on_db, request.batch_id)
    fetched = texts.calls

    for result in late:
        assert await recorded(on_db, result) is False
    await run_request(on_db, request)

    assert texts.calls == fetched  # the late request fetched no text
    assert await occurrences(on_db, MARKER) == {}
    assert await occurrences(on_db, "Vendrasköld") == {}


async def test_a_deleted_batch_is_erased_mid_wave_through_kafka(harness: Harness):
    app = await harness.start()
    harness.lps.hold = True  # the wave is accepted, its callbacks come only after the deletion
    request = await harness.request(8)
    await harness.wait_for(lambda: bool(harness.lps.held), what="the first wave at LPS")
    (job_id,) = [row[0] for row in await harness.db("SELECT id FROM jobs")]

    await harness.delete_batch(request.batch_id)
    await harness.wait_for_db(lambda n: n == 0, lambda h: count(h, "SELECT count(*) FROM jobs"))

    client = app.test_client()
    headers = teacher_headers()
    answers = [
        await client.get(f"/internal/v1/jobs/{job_id}", headers=headers),
        await client.get(f"/internal/v1/jobs/{job_id}/comparisons", headers=headers),
        await client.post(f"/internal/v1/jobs/{job_id}/cancel", headers=headers),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]

    submits = harness.lps.submits
    await harness.lps.release()  # late callbacks
    redelivered = uuid.uuid4()
    await harness.request(0, request=request, event_id=redelivered)  # a late redelivery of the request
    late_ids = [str(envelope.event_id) for _, envelope in harness.lps.published] + [str(redelivered)]
    # Handled, not dead-lettered: each one's idempotency claim committed with its (empty) handling.
    await harness.wait_for_db(
        lambda n: n == len(late_ids),
        lambda h: count(h, f"SELECT count(*) FROM processed_events WHERE event_id::text IN ({quoted(late_ids)})"),
    )
    for table in ("jobs", "job_essays", "waves", "comparisons"):
        assert await count(harness, f"SELECT count(*) FROM {table}") == 0, table
    assert await count(harness, "SELECT count(*) FROM erased_batches") == 1
    await asyncio.sleep(1.0)  # a submitter pass or two
    assert harness.lps.submits == submits
    assert harness.events.of(CJAssessmentFailedV1) == harness.events.of(CJAssessmentCompletedV1) == []


async def test_redact_names_on_assignment_create_patch_and_views(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    body = {"title": "Letters", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."}
    created = await client.post("/v1/assignments", json=body | {"redact_names": False}, headers=teacher_headers())
    assert created.status_code == 201
    view = await created.get_json()
    assert view["redact_names"] is False
    default = await (await client.post("/v1/assignments", json=body, headers=teacher_headers())).get_json()
    assert default["redact_names"] is True

    path = f"/v1/assignments/{view['assignment_id']}"
    patched = await client.patch(path, json={"redact_names": True}, headers=teacher_headers())
    assert (await patched.get_json())["redact_names"] is True
    nulled = await client.patch(path, json={"redact_names": None}, headers=teacher_headers())
    assert nulled.status_code == 400
    summary = await client.get(f"/internal/v1/assignments/{view['assignment_id']}", headers=teacher_headers())
    assert (await summary.get_json())["redact_names"] is True
    listed = await (await client.get("/v1/assignments", headers=teacher_headers())).get_json()
    assert {a["assignment_id"]: a["redact_names"] for a in listed["assignments"]} == {
        view["assignment_id"]: True,
        default["assignment_id"]: True,
    }


async def count(harness: Harness, sql: str) -> int:
    return int((await harness.db(sql))[0][0])


def quoted(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)
