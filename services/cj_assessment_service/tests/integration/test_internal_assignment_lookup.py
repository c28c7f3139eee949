"""``GET /internal/v1/assignments/{id}``: may the X-User-ID teacher use this assignment? (issue 14, defect 10)

Content service asks before a batch or an assessment may name an assignment: visible (the
teacher's own, or shared) is a 200, anything else the same 404 as an unknown id.
"""

from __future__ import annotations

import uuid

from services.cj_assessment_service.tests.integration.conftest import Harness, teacher_headers

ASSIGNMENT = {"title": "Letters", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."}
CONTENT = "content_service"


async def _create(client, owner: str, *, shared: bool) -> str:
    created = await client.post(
        "/v1/assignments", json={**ASSIGNMENT, "shared": shared}, headers=teacher_headers(owner)
    )
    return str((await created.get_json())["assignment_id"])


async def test_own_and_shared_assignments_are_usable_private_and_unknown_ones_are_not(harness: Harness):
    client = (await harness.start()).test_client()
    private = await _create(client, "teacher-1", shared=False)
    shared = await _create(client, "teacher-2", shared=True)

    def lookup(assignment_id: str, user: str):
        return client.get(f"/internal/v1/assignments/{assignment_id}", headers=teacher_headers(user, service=CONTENT))

    own = await lookup(private, "teacher-1")
    assert own.status_code == 200
    body = await own.get_json()
    assert (body["assignment_id"], body["owner_user_id"], body["grade_scale"]) == (private, "teacher-1", "eng5_np")
    assert "instructions" not in body  # a summary: the check must not fetch texts from content service
    assert (await lookup(shared, "teacher-1")).status_code == 200

    not_theirs = await lookup(private, "teacher-2")
    unknown = await lookup(str(uuid.uuid4()), "teacher-2")
    assert (not_theirs.status_code, unknown.status_code) == (404, 404)
    assert (await not_theirs.get_json())["error"]["code"] == "NOT_FOUND"


async def test_the_lookup_needs_a_user_and_an_allowed_caller(harness: Harness):
    client = (await harness.start()).test_client()
    url = f"/internal/v1/assignments/{uuid.uuid4()}"
    no_user = {k: v for k, v in teacher_headers(service=CONTENT).items() if k != "X-User-ID"}
    assert (await client.get(url, headers=no_user)).status_code == 401
    assert (await client.get(url, headers=teacher_headers(service="llm_provider_service"))).status_code == 403
    assert (await client.get(url, headers=teacher_headers(service="bff_teacher_service"))).status_code == 404
