"""The access log of comparisons against the real database (issue 23): a teacher's reads of a job's or an
essay's comparisons are recorded with the actor; the teacher reads only their own entries; hostile paging
is a client error; the account's deletion (through Kafka) forgets the entries; retention prunes old ones.
Also: CJ names the assignment's teacher when it stores the assignment's texts in content service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from common_core.events.cj_assessment import CJAssessmentCompletedV1
from common_core.events.classes import TeacherAccountDeletedV1
from services.cj_assessment_service.tests.integration.conftest import Harness, teacher_headers
from services.cj_assessment_service.tests.integration.test_job_end_to_end import create_assignment_with_anchors

BFF = "bff_teacher_service"
OLD_AND_NEW = (
    "INSERT INTO access_log (occurred_at, owner_id, actor_user_id, actor_service, action, subject_kind, subject_id) "
    "VALUES (now() - interval '2 hours', :owner, :owner, 'bff_teacher_service', 'read', 'batch', 'old'), "
    "(now(), :owner, :owner, 'bff_teacher_service', 'read', 'batch', 'new')"
)


async def _log(client: Any, user: str, as_user: str | None = None, query: str = "") -> Any:
    return await client.get(
        f"/internal/v1/users/{user}/access-log{query}", headers=teacher_headers(as_user or user, BFF)
    )


async def test_comparison_reads_are_recorded_and_the_teacher_reads_only_their_own(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    request = await harness.request(4)
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    job, essay_id = completed.job_id, request.essays[0].essay_id

    page = await client.get(f"/internal/v1/jobs/{job}/comparisons", headers=teacher_headers(service=BFF))
    assert page.status_code == 200
    export = {**teacher_headers(service=BFF), "X-Access-Purpose": "export"}
    essay = await client.get(f"/internal/v1/jobs/{job}/essays/{essay_id}/comparisons", headers=export)
    assert essay.status_code == 200
    no_user = {k: v for k, v in teacher_headers(service=BFF).items() if k != "X-User-ID"}
    assert (await client.get(f"/internal/v1/jobs/{job}/comparisons", headers=no_user)).status_code == 401
    other = await client.get(f"/internal/v1/jobs/{job}/comparisons", headers=teacher_headers("teacher-2", BFF))
    assert other.status_code == 404

    response = await _log(client, "teacher-1")
    assert response.status_code == 200
    entries = (await response.get_json())["entries"]
    assert [(e["subject_kind"], e["subject_id"], e["action"]) for e in entries] == [
        ("essay", str(essay_id), "export"),
        ("batch", str(request.batch_id), "read"),
    ]
    assert {(e["actor_user_id"], e["actor_service"], e["recorded_by"]) for e in entries} == {
        ("teacher-1", BFF, "cj_assessment_service")
    }
    assert (await (await _log(client, "teacher-2")).get_json())["entries"] == []
    assert (await _log(client, "teacher-1", as_user="teacher-2")).status_code == 404
    gateway = await client.get("/internal/v1/users/teacher-1/access-log", headers=teacher_headers())
    assert gateway.status_code == 403
    for query in (
        "?limit=0",
        "?limit=201",
        "?limit=99999999999999999999999999",
        "?limit=%00",
        "?limit=x",
        "?before=%00",
        "?before=2026-02-30T00:00:00Z",
        "?before=2026-01-01T00:00:00",
        "?before=" + "1" * 5000,
    ):
        hostile = await _log(client, "teacher-1", query=query)
        assert 400 <= hostile.status_code < 500, (query, hostile.status_code)


async def test_assignment_texts_are_stored_as_the_teachers(harness: Harness):
    app = await harness.start()
    await create_assignment_with_anchors(harness, app.test_client(), ("F", "A"))
    assert harness.content.store_owners == ["teacher-1"] * 4  # instructions, prompt, two anchor files


async def test_an_account_deletion_forgets_the_entries_and_retention_prunes_old_ones(harness: Harness):
    async def count(where: str) -> int:
        return int((await harness.db(f"SELECT count(*) FROM access_log WHERE {where}"))[0][0])

    async with harness.engine.begin() as conn:
        for owner in ("teacher-gone", "teacher-2"):
            await conn.execute(text(OLD_AND_NEW), {"owner": owner})
    await harness.start(retention_period="1h", retention_check_interval_s=0.3)

    await harness.wait_for_db(lambda n: n == 0, lambda _: count("subject_id = 'old'"))
    deleted = TeacherAccountDeletedV1(user_id="teacher-gone", deleted_at=datetime.now(UTC))
    await harness.publish(deleted, key=deleted.user_id)
    await harness.wait_for_db(lambda n: n == 0, lambda _: count("owner_id = 'teacher-gone'"))
    kept = await harness.db("SELECT owner_id, subject_id FROM access_log")
    assert [tuple(row) for row in kept] == [("teacher-2", "new")]
    metrics = await (await (harness.apps[0].test_client()).get("/metrics")).get_data(as_text=True)
    assert 'huleedu_retention_purged_total{kind="access_log",service="cj_assessment_service"}' in metrics
