"""The routes to class management, CJ, LPS and the result aggregator, against the real services:
answers and errors pass through, uploads stream, and the read model is asked for the token's teacher."""

from __future__ import annotations

import uuid

from common_core.http.examples import example_of
from common_core.http.model_catalogue import ModelCatalogue
from services.api_gateway_service.tests.integration.proxy.conftest import Platform

ANCHOR = "Anchor text about why school should start later, with enough words to be an essay here. " * 3


async def test_classes_students_and_rosters(platform: Platform):
    gateway = platform.gateway
    created = await gateway.post("/v1/classes", json={"name": "9B", "course_code": "ENG5"})
    assert created.status_code == 201, created.text
    class_id = created.json()["class_id"]
    student = await gateway.post("/v1/students", json={"first_name": "Åsa", "last_name": "Öberg"})
    student_id = student.json()["student_id"]

    assert (await gateway.put(f"/v1/classes/{class_id}/students/{student_id}")).status_code == 204
    roster = await gateway.get("/v1/students", params={"class_id": class_id})
    assert [s["student_id"] for s in roster.json()["students"]] == [student_id]
    detail = await gateway.get(f"/v1/classes/{class_id}")
    assert [s["last_name"] for s in detail.json()["students"]] == ["Öberg"]

    renamed = await gateway.patch(f"/v1/students/{student_id}", json={"first_name": "Åsa-Li", "email": None})
    assert (renamed.status_code, renamed.json()["first_name"]) == (200, "Åsa-Li")
    cannot_null = await gateway.patch(f"/v1/classes/{class_id}", json={"name": None})
    assert cannot_null.status_code == 400
    assert "name cannot be null" in cannot_null.json()["error"]["message"]

    assert (await gateway.delete(f"/v1/classes/{class_id}/students/{student_id}")).status_code == 204
    assert (await gateway.delete(f"/v1/students/{student_id}")).status_code == 204
    gone = await gateway.get(f"/v1/students/{student_id}")
    assert (gone.status_code, gone.json()["error"]["service"]) == (404, "class_management_service")
    unknown_batch = await gateway.get(f"/v1/batches/{uuid.uuid4()}/associations")
    assert (unknown_batch.status_code, unknown_batch.json()["error"]["service"]) == (404, "class_management_service")


async def test_assignments_and_anchors_with_a_streamed_bulk_upload(platform: Platform):
    gateway = platform.gateway
    created = await gateway.post("/v1/assignments", json=example_of("AssignmentCreateRequest"))
    assert created.status_code == 201, created.text
    assignment_id = created.json()["assignment_id"]
    assert assignment_id in [a["assignment_id"] for a in (await gateway.get("/v1/assignments")).json()["assignments"]]

    patched = await gateway.patch(f"/v1/assignments/{assignment_id}", json={"rubric": None, "title": "Ny titel"})
    assert (patched.status_code, patched.json()["title"]) == (200, "Ny titel")

    grade = example_of("AnchorCreateRequest")["grade"]
    bulk = await gateway.post(
        f"/v1/assignments/{assignment_id}/anchors/bulk",
        files=[
            ("files", ("A1.txt", ANCHOR.encode(), "text/plain")),
            ("files", ("A2.txt", ("Another " + ANCHOR).encode(), "text/plain")),
            ("grades", ("grades.csv", f"A1,{grade}\nA2,{grade}\n".encode(), "text/csv")),
        ],
    )
    assert bulk.status_code == 201, bulk.text
    anchors = (await gateway.get(f"/v1/assignments/{assignment_id}/anchors")).json()["anchors"]
    assert sorted(a["label"] for a in anchors) == ["A1", "A2"]

    repeated = await gateway.post(
        f"/v1/assignments/{assignment_id}/anchors/bulk",
        files=[
            ("files", ("A1.txt", ANCHOR.encode(), "text/plain")),
            ("grades", ("grades.csv", f"A1,{grade}\n".encode(), "text/csv")),
        ],
    )
    assert (repeated.status_code, repeated.json()["error"]["service"]) == (409, "cj_assessment_service")

    removed = await gateway.delete(f"/v1/assignments/{assignment_id}/anchors/{anchors[0]['anchor_id']}")
    assert removed.status_code == 204
    unknown = await gateway.get(f"/v1/assignments/{uuid.uuid4()}")
    assert (unknown.status_code, unknown.json()["error"]["service"]) == (404, "cj_assessment_service")


async def test_the_model_catalogue(platform: Platform):
    answer = await platform.gateway.get("/v1/models")
    assert answer.status_code == 200, answer.text
    catalogue = ModelCatalogue.model_validate(answer.json())
    assert "mock" in catalogue.providers


async def test_the_read_model_answers_for_the_tokens_teacher(platform: Platform):
    gateway = platform.gateway
    listed = await gateway.get("/v1/results/batches", params={"status": "completed", "limit": 5})
    assert (listed.status_code, listed.json()["items"]) == (200, [])
    summary = await gateway.get("/v1/results/summary", headers={"x-user-id": "victim"})
    assert summary.status_code == 200, summary.text
    missing = await gateway.get(f"/v1/results/batches/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["error"]["service"]) == (404, "result_aggregator_service")
    cancel_unknown = await gateway.post(f"/v1/batches/{uuid.uuid4()}/cancel")
    assert (cancel_unknown.status_code, cancel_unknown.json()["error"]["service"]) == (404, "result_aggregator_service")
    bad_status = await gateway.get("/v1/results/batches", params={"status": "nonsense"})
    assert (bad_status.status_code, bad_status.json()["error"]["service"]) == (400, "api_gateway_service")
