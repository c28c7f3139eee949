"""Erasing one student, deleting a teacher account and the retention policy on PostgreSQL and Kafka (issue 23).

- A student's essays: after the erasure no text-like column of any table holds the erased essay's marker
  word, its author's name or the justifications of its comparisons, while the other essays' texts and
  results stay; a late callback of a deleted comparison and a late request are handled without a row.
- Through the running service: class.student_erased and class.teacher_account_deleted are consumed in the
  erasures group; the shared-assignments route answers class management.
- Retention (a period of seconds): a completed job loses its essays and comparisons and keeps its figures;
  a running job is never touched, however old.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from cj_assessment_service.service_layer.erasure import erase_student
from common_core.events.cj_assessment import (
    AssessmentBudget,
    CJAssessmentCompletedV1,
    CJAssessmentRequestedV1,
    EssayRef,
)
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from services.cj_assessment_service.tests.builders import FakeTexts, assessment, verdict
from services.cj_assessment_service.tests.fakes import essay_text
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    OnTheDatabase,
    on_the_database,
    run_request,
    teacher_headers,
)
from services.cj_assessment_service.tests.integration.test_erasure import (
    JUSTIFICATION,
    count,
    in_txn,
    occurrences,
    open_requests,
    recorded,
    rows_of,
)

ERASED_MARKER = "Vrommelplatz"  # only in the erased student's essay
ERASED_NAME = "Ottilde Brännqvist"  # the erased student
KEPT_NAME = "Severin Lindqvist"  # a classmate, whose essay stays
CMS = "class_management_service"


@pytest.fixture
async def service(database_factory: Callable[[str], str]) -> AsyncIterator[tuple[OnTheDatabase, FakeTexts]]:
    texts = FakeTexts()
    async with on_the_database(database_factory, "student_erasure", texts) as on_db:
        yield on_db, texts


def class_request(texts: FakeTexts) -> CJAssessmentRequestedV1:
    """Six essays: the first by the student to erase (with the marker word), the others by a classmate."""
    essays = [
        EssayRef(
            essay_id=uuid.uuid4(),
            text_ref=texts.add(f"{ERASED_NAME}\n\nMy essay about {ERASED_MARKER}."),
            names=[ERASED_NAME],
        )
    ]
    essays += [
        EssayRef(
            essay_id=uuid.uuid4(), text_ref=texts.add(f"{KEPT_NAME}\n\nEssay {i} about the sea."), names=[KEPT_NAME]
        )
        for i in range(5)
    ]
    return assessment(essays, user_id="teacher-1", budget=AssessmentBudget(max_comparisons_per_essay=4))


def erased_event(request: CJAssessmentRequestedV1, essay_ids: list[uuid.UUID]) -> StudentErasedV1:
    return StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id="teacher-1",
        essays=[ErasedEssay(batch_id=request.batch_id, essay_id=e) for e in essay_ids],
        erased_at=datetime.now(UTC),
    )


async def test_no_text_name_or_justification_of_an_erased_students_essay_is_left_in_any_table(
    service: tuple[OnTheDatabase, FakeTexts],
):
    on_db, texts = service
    request = class_request(texts)
    await run_request(on_db, request)
    late = [
        verdict(request_id, "A").model_copy(
            update={"justification": f"{JUSTIFICATION}: A.", "request_metadata": {"batch_id": str(request.batch_id)}}
        )
        for request_id in await open_requests(on_db, request.batch_id)
    ]
    # Half the wave answered (with the marker justification), half still open when the student is erased.
    for result in late[: len(late) // 2]:
        assert await recorded(on_db, result)
    erased_id = request.essays[0].essay_id
    pairs_of_erased = await rows_of(
        on_db,
        "SELECT request_id FROM comparisons WHERE :e IN (essay_a_id, essay_b_id)",
        e=erased_id,
    )
    assert pairs_of_erased
    # The scan finds what is there before the erasure.
    assert {"job_essays.content"} <= set(await occurrences(on_db, ERASED_MARKER))
    assert {"job_essays.names", "job_essays.content"} <= set(await occurrences(on_db, "Brännqvist"))
    assert await rows_of(on_db, "UPDATE event_outbox SET status = 'published', published_at = now() RETURNING id")

    rows = await in_txn(
        on_db, lambda s: erase_student(on_db.deps, erased_event(request, [erased_id]), on_db.uows.on(s))
    )

    assert (rows.essays, rows.comparisons) == (1, len(pairs_of_erased))
    assert await occurrences(on_db, ERASED_MARKER) == {}
    assert await occurrences(on_db, "Brännqvist") == {}
    justifications = await rows_of(
        on_db, "SELECT count(*) FROM comparisons WHERE justification LIKE :j", j=f"{JUSTIFICATION}%"
    )
    answered_kept = sum(1 for r in late[: len(late) // 2] if (r.request_id,) not in pairs_of_erased)
    assert justifications == [(answered_kept,)]  # the classmates' comparisons keep theirs
    assert set(await occurrences(on_db, "Lindqvist")) == {"job_essays.names", "job_essays.content"}
    assert await rows_of(on_db, "SELECT count(*) FROM job_essays") == [(5,)]
    assert await rows_of(on_db, "SELECT state, failure_code FROM jobs") == [("failed", "CANCELLED")]
    assert await rows_of(on_db, "SELECT count(*) FROM waves WHERE theta IS NOT NULL") == [(0,)]
    assert await rows_of(on_db, "SELECT essay_id FROM erased_essays") == [(erased_id,)]
    # The published events of the batch are gone; the failed event (pending) waits for the relay.
    assert await rows_of(on_db, "SELECT status, count(*) FROM event_outbox GROUP BY 1") == [("pending", 1)]

    # Late: the rest of the wave's callbacks and a redelivered request store nothing of the erased essay.
    for result in late[len(late) // 2 :]:
        assert await recorded(on_db, result) is False
    await run_request(on_db, request)
    assert await occurrences(on_db, ERASED_MARKER) == {}
    # Again: nothing more to do.
    again = await in_txn(
        on_db, lambda s: erase_student(on_db.deps, erased_event(request, [erased_id]), on_db.uows.on(s))
    )
    assert (again.essays, again.comparisons) == (0, 0)


async def create_assignment(client: Any, user: str, title: str, *, shared: bool) -> str:
    body = {
        "title": title,
        "course_code": "ENG5",
        "grade_scale": "eng5_np",
        "instructions": "Compare.",
        "shared": shared,
    }
    created = await client.post("/v1/assignments", json=body, headers=teacher_headers(user))
    assert created.status_code == 201
    assignment_id = str((await created.get_json())["assignment_id"])
    anchor = {"label": f"{title}-anchor", "grade": "B", "text": "An anchor essay."}
    added = await client.post(f"/v1/assignments/{assignment_id}/anchors", json=anchor, headers=teacher_headers(user))
    assert added.status_code == 201
    return assignment_id


async def test_shared_assignments_route_and_account_deletion_through_kafka(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    shared = await create_assignment(client, "teacher-1", "Shared", shared=True)
    await create_assignment(client, "teacher-1", "Private", shared=False)
    others = await create_assignment(client, "teacher-2", "Theirs", shared=True)

    def ask(path_user: str, caller: str = "teacher-1", service: str = CMS) -> Any:
        url = f"/internal/v1/users/{path_user}/shared-assignments"
        return client.get(url, headers=teacher_headers(caller, service=service))

    listed = await ask("teacher-1")
    assert listed.status_code == 200
    assert await listed.get_json() == {"items": [{"assignment_id": shared, "title": "Shared"}]}
    assert (await ask("teacher-2", caller="teacher-1")).status_code == 404  # another user's: not found
    assert (await ask("teacher-1", service="api_gateway_service")).status_code == 403

    await harness.publish(TeacherAccountDeletedV1(user_id="teacher-1", deleted_at=datetime.now(UTC)), "teacher-1")
    await harness.wait_for_db(lambda n: n == 1, lambda h: count(h, "SELECT count(*) FROM assignments"))

    assert [str(r[0]) for r in await harness.db("SELECT id FROM assignments")] == [others]
    assert [str(r[0]) for r in await harness.db("SELECT assignment_id FROM anchors")] == [others]
    assert await (await ask("teacher-1")).get_json() == {"items": []}


async def test_a_student_erased_through_kafka_leaves_the_finished_job_with_the_others_results(harness: Harness):
    await harness.start()
    request = await harness.request(6, budget=AssessmentBudget(max_comparisons_per_essay=4))
    await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    erased_id = request.essays[2].essay_id
    results_before = await count(harness, "SELECT count(*) FROM job_essays WHERE rank IS NOT NULL")

    await harness.publish(erased_event(request, [erased_id]), str(request.batch_id))
    await harness.wait_for_db(lambda n: n == 1, lambda h: count(h, "SELECT count(*) FROM erased_essays"))

    assert await count(harness, "SELECT count(*) FROM job_essays WHERE rank IS NOT NULL") == results_before - 1
    erased = f"SELECT count(*) FROM comparisons WHERE '{erased_id}' IN (essay_a_id, essay_b_id)"
    assert await count(harness, erased) == 0
    assert await count(harness, "SELECT count(*) FROM jobs WHERE state = 'completed'") == 1


async def test_retention_purges_a_finished_job_keeps_its_figures_and_never_touches_a_running_one(harness: Harness):
    app = await harness.start(retention_period="4s", retention_check_interval_s=0.5, retention_keep_aggregates=True)
    client = app.test_client()
    essays = [
        EssayRef(essay_id=uuid.uuid4(), text_ref=harness.content.store(essay_text(i, i) + ERASED_MARKER))
        for i in range(6)
    ]
    finished = assessment(essays, user_id="teacher-1", budget=AssessmentBudget(max_comparisons_per_essay=4))
    await harness.request(0, request=finished)
    await harness.wait_for_event(CJAssessmentCompletedV1, finished.batch_id)
    (job_id,) = [r[0] for r in await harness.db("SELECT id FROM jobs WHERE batch_id = :b", b=finished.batch_id)]
    before = await (await client.get(f"/internal/v1/jobs/{job_id}", headers=teacher_headers())).get_json()
    # A colleague invited by email: the label is their personal data and goes with the job's moderation.
    async with harness.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO job_moderators (job_id, user_id, label) VALUES (:j, 'teacher-2', :label)"),
            {"j": job_id, "label": "colleague" + ERASED_MARKER + "@school.example"},
        )
    # A running job, as old as can be: its callbacks are held, and it was created a year ago.
    harness.lps.hold = True
    running = await harness.request(6)
    await harness.wait_for(lambda: bool(harness.lps.held), what="the running job's wave at LPS")
    async with harness.engine.begin() as conn:
        await conn.execute(
            text("UPDATE jobs SET created_at = now() - interval '1 year' WHERE batch_id = :b"), {"b": running.batch_id}
        )

    purged = "SELECT count(*) FROM jobs WHERE purged_at IS NOT NULL"
    await harness.wait_for_db(lambda n: n == 1, lambda h: count(h, purged))

    assert await occurrences_in(harness, ERASED_MARKER) == 0
    assert await count(harness, f"SELECT count(*) FROM job_essays WHERE job_id = '{job_id}'") == 0
    assert await count(harness, f"SELECT count(*) FROM comparisons WHERE job_id = '{job_id}'") == 0
    assert await count(harness, f"SELECT count(*) FROM job_moderators WHERE job_id = '{job_id}'") == 0
    after = await (await client.get(f"/internal/v1/jobs/{job_id}", headers=teacher_headers())).get_json()
    assert after == before  # the same counts, usage, waves, reliabilities and stop reason
    running_rows = (
        f"SELECT count(*) FROM job_essays e JOIN jobs j ON j.id = e.job_id WHERE j.batch_id = '{running.batch_id}'"
    )
    await asyncio.sleep(1.5)  # a few more passes
    assert await count(harness, running_rows) == 6
    metrics = await (await client.get("/metrics")).get_data(as_text=True)
    assert 'huleedu_retention_purged_total{kind="essays",service="cj_assessment_service"}' in metrics


async def occurrences_in(harness: Harness, word: str) -> int:
    """Rows of job_essays, comparisons and jobs whose text columns hold ``word``."""
    found = 0
    for table in ("job_essays", "comparisons", "jobs"):
        found += await count(harness, f"SELECT count(*) FROM {table} t WHERE t::text ILIKE '%{word}%'")
    return found
