"""The teacher BFF's views through the dev stack's gateway, against the real owners.

A teacher signed in at the gateway (the demo teacher) creates a class and a private assignment,
then asks for the new-batch options and the dashboard at ``/bff/v1/teacher/...``: both come back
complete (no gaps) with what the teacher just created. A second, fresh teacher (CMS's
``create-teacher``) asks for the same views and sees none of it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from scripts.demo import run_demo
from tests.integration.stack import create_teacher, log_in

pytestmark = pytest.mark.integration

OPTIONS = "/bff/v1/teacher/new-batch/options"
DASHBOARD = "/bff/v1/teacher/dashboard"
PASSWORD = "bff-views-test-password"  # a throwaway account in the dev stack
ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}


def _other_teacher(base_url: str) -> httpx.Client:
    """A fresh teacher, signed in: nobody else's data is theirs."""
    email = create_teacher("Other", PASSWORD)
    client = httpx.Client(base_url=base_url, timeout=60.0)
    client.headers["Authorization"] = f"Bearer {log_in(client, email, PASSWORD)['access_token']}"
    return client


@pytest.fixture(scope="module")
def owned(gateway: run_demo.Gateway) -> dict[str, Any]:
    """A class, a private assignment and a batch in that class, all the signed-in teacher's."""
    tag = uuid.uuid4().hex[:8]
    klass = gateway.call("POST", "/v1/classes", json={"name": f"BFF 9A {tag}", "course_code": "ENG5"})
    assignment = gateway.call(
        "POST",
        "/v1/assignments",
        json={
            "title": f"BFF private {tag}",
            "course_code": "ENG5",
            "grade_scale": "swedish_f_a",
            "instructions": "Compare.",
            "shared": False,
        },
    )
    batch = gateway.call(
        "POST",
        "/v1/batches",
        json={"title": f"BFF batch {tag}", "course_code": "ENG5", "class_id": klass["class_id"]},
    )
    return {"class": klass, "assignment": assignment, "batch": batch}


def test_new_batch_options_in_one_call(gateway: run_demo.Gateway, owned: dict[str, Any]):
    options = gateway.call("GET", OPTIONS)
    assert options["gaps"] == []
    assert owned["class"]["class_id"] in {c["class_id"] for c in options["classes"]}
    mine = next(a for a in options["assignments"] if a["assignment_id"] == owned["assignment"]["assignment_id"])
    assert (mine["grade_scale"], mine["anchor_count"]) == ("swedish_f_a", 0)
    mock = options["model_catalogue"]["providers"]["mock"]
    assert mock["configured"] is True
    assert all("price_per_million_usd" in model for model in mock["models"])


def test_dashboard_in_one_call(gateway: run_demo.Gateway, owned: dict[str, Any]):
    batch_id = owned["batch"]["batch_id"]
    # RAS learns of the batch from content's event: wait for it to arrive.
    for _ in range(40):
        dashboard = gateway.call("GET", DASHBOARD)
        recent = {b["batch_id"]: b for b in dashboard["recent_batches"]}
        if batch_id in recent:
            break
        time.sleep(0.5)
    assert dashboard["gaps"] == []
    assert batch_id in recent, "the new batch never reached the dashboard"
    assert recent[batch_id]["class_name"] == owned["class"]["name"]
    assert dashboard["summary"]["total_batches"] >= 1


def test_another_teacher_never_sees_them(gateway: run_demo.Gateway, owned: dict[str, Any]):
    other = _other_teacher(gateway.base_url)
    try:
        options = other.get(OPTIONS)
        dashboard = other.get(DASHBOARD)
    finally:
        other.close()
    assert (options.status_code, dashboard.status_code) == (200, 200), (options.text, dashboard.text)
    assert options.json()["classes"] == []
    assert owned["assignment"]["assignment_id"] not in {a["assignment_id"] for a in options.json()["assignments"]}
    assert all(a["shared"] for a in options.json()["assignments"])
    assert dashboard.json()["recent_batches"] == []
    assert dashboard.json()["summary"]["total_batches"] == 0


def test_unknown_views_and_no_token_answer_with_the_error_body(gateway: run_demo.Gateway):
    unknown = gateway.http.get(
        "/bff/v1/teacher/no-such-view", headers={"Authorization": f"Bearer {gateway.access_token}"}
    )
    anonymous = gateway.http.get(OPTIONS)
    assert (unknown.status_code, anonymous.status_code) == (404, 401)
    for reply in (unknown, anonymous):
        assert set(reply.json()["error"]) == ERROR_FIELDS
    assert unknown.json()["error"]["service"] == "bff_teacher_service"
