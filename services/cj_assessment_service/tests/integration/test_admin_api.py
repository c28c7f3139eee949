"""Assignments and anchors through the gateway-facing routes: auth, ownership, validation, conflicts."""

from __future__ import annotations

from services.cj_assessment_service.tests.integration.conftest import Harness, post_multipart, teacher_headers

ASSIGNMENT = {
    "title": "Letters",
    "course_code": "ENG5",
    "grade_scale": "eng5_np",
    "instructions": "Which letter is better?",
    "rubric": "Purpose, audience, language.",
}


async def test_assignment_lifecycle_and_anchor_rules(harness: Harness):
    app = await harness.start()
    client = app.test_client()

    # The gateway's key and service id are required, and so is the user.
    assert (await client.get("/v1/assignments")).status_code == 401
    wrong_caller = {**teacher_headers(), "X-Service-ID": "llm_provider_service"}
    assert (await client.get("/v1/assignments", headers=wrong_caller)).status_code == 403
    no_user = {k: v for k, v in teacher_headers().items() if k != "X-User-ID"}
    assert (await client.get("/v1/assignments", headers=no_user)).status_code == 401
    job_url = "/internal/v1/jobs/00000000-0000-0000-0000-000000000001"
    assert (await client.get(job_url)).status_code == 401
    assert (await client.get(job_url, headers={**teacher_headers(), "X-Internal-API-Key": "wrong"})).status_code == 401
    assert (await client.post(f"{job_url}/cancel", headers=wrong_caller)).status_code == 403
    assert (await client.get(job_url, headers=teacher_headers(service="bff_teacher_service"))).status_code == 404

    created = await client.post("/v1/assignments", json={**ASSIGNMENT, "shared": False}, headers=teacher_headers())
    assert created.status_code == 201
    body = await created.get_json()
    assignment_id = body["assignment_id"]
    assert body["instructions"] == ASSIGNMENT["instructions"]
    assert body["rubric"] == ASSIGNMENT["rubric"]
    # Texts are stored through content service, not in CJ's own tables.
    assert ASSIGNMENT["instructions"] in {t.content for t in harness.content.texts.values()}

    bad_scale = await client.post(
        "/v1/assignments", json={**ASSIGNMENT, "grade_scale": "nope"}, headers=teacher_headers()
    )
    assert bad_scale.status_code == 400

    # Private: another teacher sees nothing (404, not 403).
    other = teacher_headers("teacher-2")
    assert (await client.get(f"/v1/assignments/{assignment_id}", headers=other)).status_code == 404
    assert (await client.get("/v1/assignments", headers=other)).status_code == 200
    assert (await (await client.get("/v1/assignments", headers=other)).get_json())["assignments"] == []

    # One anchor at a time; a grade off the scale is a 400 naming grade and scale.
    anchors_url = f"/v1/assignments/{assignment_id}/anchors"
    ok = await client.post(
        anchors_url, json={"label": "a1", "grade": "C+", "text": "Anchor one."}, headers=teacher_headers()
    )
    assert ok.status_code == 201
    off_scale = await client.post(
        anchors_url, json={"label": "a2", "grade": "Z", "text": "Anchor two."}, headers=teacher_headers()
    )
    assert off_scale.status_code == 400
    message = (await off_scale.get_json())["error"]["message"]
    assert "'Z'" in message
    assert "eng5_np" in message
    duplicate = await client.post(
        anchors_url, json={"label": "a1", "grade": "B", "text": "Again."}, headers=teacher_headers()
    )
    assert duplicate.status_code == 409

    # Bulk: files plus a JSON of grades; a Unicode minus is the same grade as "-".
    bulk = await post_multipart(
        client,
        f"{anchors_url}/bulk",
        [
            ("files", ("b1.txt", b"Bulk anchor one.")),
            ("files", ("b2.md", b"Bulk anchor two.")),
            ("grades", ("grades.json", '{"b1.txt": "E\u2212", "b2": "A"}'.encode())),
        ],
    )
    assert bulk.status_code == 201, await bulk.get_data()
    assert sorted(a["grade"] for a in (await bulk.get_json())["anchors"]) == ["A", "E-"]
    bulk_dup = await post_multipart(
        client, f"{anchors_url}/bulk", [("files", ("a1.txt", b"x")), ("grades", ("g.csv", b"a1,B\n"))]
    )
    assert bulk_dup.status_code == 409
    bulk_bad = await post_multipart(
        client, f"{anchors_url}/bulk", [("files", ("c1.txt", b"x")), ("grades", ("g.csv", b"label,grade\nc1,G\n"))]
    )
    assert bulk_bad.status_code == 400

    listed = (await (await client.get(anchors_url, headers=teacher_headers())).get_json())["anchors"]
    assert sorted(a["label"] for a in listed) == ["a1", "b1", "b2"]

    # Only the owner edits; sharing makes it visible to everyone.
    patch = {"shared": True, "title": "Letters (shared)"}
    assert (await client.patch(f"/v1/assignments/{assignment_id}", json=patch, headers=other)).status_code == 404
    updated = await client.patch(f"/v1/assignments/{assignment_id}", json=patch, headers=teacher_headers())
    assert updated.status_code == 200
    assert (await updated.get_json())["title"] == "Letters (shared)"
    assert (await client.get(f"/v1/assignments/{assignment_id}", headers=other)).status_code == 200
    assert (await client.patch(f"/v1/assignments/{assignment_id}", json=patch, headers=other)).status_code == 403

    removed = await client.delete(f"{anchors_url}/{listed[0]['anchor_id']}", headers=teacher_headers())
    assert removed.status_code == 204
    assert (
        await client.delete(f"{anchors_url}/{listed[0]['anchor_id']}", headers=teacher_headers())
    ).status_code == 404


async def test_admin_user_may_edit_any_assignment(harness: Harness):
    app = await harness.start(admin_user_ids="admin-1")
    client = app.test_client()
    created = await client.post("/v1/assignments", json={**ASSIGNMENT, "shared": True}, headers=teacher_headers())
    assignment_id = (await created.get_json())["assignment_id"]
    edited = await client.patch(
        f"/v1/assignments/{assignment_id}", json={"course_code": "ENG6"}, headers=teacher_headers("admin-1")
    )
    assert edited.status_code == 200
    assert (await edited.get_json())["course_code"] == "ENG6"
