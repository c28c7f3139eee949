"""``PATCH /v1/assignments/{id}``: null cannot clear a field the assignment must have (issue 14, defect 4)."""

from __future__ import annotations

import pytest

from services.cj_assessment_service.tests.integration.conftest import Harness, teacher_headers

ASSIGNMENT = {
    "title": "Letters",
    "course_code": "ENG5",
    "grade_scale": "eng5_np",
    "instructions": "Which letter is better?",
    "student_prompt": "Write a letter.",
    "rubric": "Purpose, audience, language.",
}


@pytest.mark.parametrize("field", ["title", "course_code", "grade_scale", "instructions", "shared"])
async def test_null_for_a_required_field_is_a_400_naming_it_and_changes_nothing(harness: Harness, field: str):
    client = (await harness.start()).test_client()
    created = await client.post("/v1/assignments", json=ASSIGNMENT, headers=teacher_headers())
    url = f"/v1/assignments/{(await created.get_json())['assignment_id']}"

    refused = await client.patch(url, json={field: None, "rubric": "Changed."}, headers=teacher_headers())

    assert refused.status_code == 400, await refused.get_data()
    error = (await refused.get_json())["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["message"]
    unchanged = await (await client.get(url, headers=teacher_headers())).get_json()
    assert unchanged["rubric"] == ASSIGNMENT["rubric"]
    assert unchanged[field] == {**ASSIGNMENT, "shared": unchanged["shared"]}[field]


async def test_null_clears_the_optional_texts(harness: Harness):
    client = (await harness.start()).test_client()
    created = await client.post("/v1/assignments", json=ASSIGNMENT, headers=teacher_headers())
    url = f"/v1/assignments/{(await created.get_json())['assignment_id']}"

    cleared = await client.patch(url, json={"student_prompt": None, "rubric": None}, headers=teacher_headers())

    assert cleared.status_code == 200
    body = await cleared.get_json()
    assert (body["student_prompt"], body["rubric"], body["title"]) == (None, None, ASSIGNMENT["title"])
