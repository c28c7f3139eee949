"""Two teachers assessing at the same time see only their own work, through every public route.

Each signs in with their own account, makes their own assignment and batch, and runs an assessment
while the other's runs. Then each one's lists hold only their own batch, and every route that
names the other's batch, essay or assignment answers 403 or 404 with the error body: never the
data, and never a change to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from tests.e2e import faults
from tests.integration.stack import create_teacher

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(600)]

PASSWORD = "two-teachers-password-1"


@dataclass
class Teacher:
    gw: run_demo.Gateway
    assignment_id: str
    batch_id: str
    essay_id: str


def _teacher(name: str, seed: int) -> Teacher:
    email = create_teacher(name, PASSWORD)
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw, email, PASSWORD)
    assignment_id = run_demo.create_demo_assignment(gw, shared=False)
    batch_id = run_demo.create_batch(gw, assignment_id, student_essays(count=6, seed=seed))
    essay_id = str(gw.call("GET", f"/v1/batches/{batch_id}/essays")["items"][0]["essay_id"])
    return Teacher(gw, assignment_id, batch_id, essay_id)


def _foreign_requests(other: Teacher) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every public route that names ``other``'s batch, essay or assignment (private to them), with a valid
    body: a refusal must come from the ownership check, not from validation."""
    batch, essay, assignment = other.batch_id, other.essay_id, other.assignment_id
    start = run_demo.assessment_body("per_request")
    upload = {"files": [("files", ("intruder.txt", b"word " * 40, "text/plain"))]}
    yield "GET", f"/v1/batches/{batch}", {}
    yield "PATCH", f"/v1/batches/{batch}", {"json": {"title": "taken over"}}
    yield "GET", f"/v1/batches/{batch}/essays", {}
    yield "POST", f"/v1/batches/{batch}/essays", upload
    yield "POST", f"/v1/batches/{batch}/estimate", {"json": start}
    yield "POST", f"/v1/batches/{batch}/assessments", {"json": start, "headers": {"Idempotency-Key": str(uuid.uuid4())}}
    yield "POST", f"/v1/batches/{batch}/cancel", {}
    yield "GET", f"/v1/batches/{batch}/associations", {}
    confirm = {"associations": [{"essay_id": essay, "student_id": str(uuid.uuid4())}]}
    yield "POST", f"/v1/batches/{batch}/associations/confirm", {"json": confirm}
    yield "POST", f"/v1/batches/{batch}/associations/rematch", {}
    yield "GET", f"/v1/results/batches/{batch}", {}
    yield "GET", f"/v1/results/batches/{batch}/history", {}
    yield "GET", f"/v1/assignments/{assignment}", {}
    yield "PATCH", f"/v1/assignments/{assignment}", {"json": {"title": "taken over"}}
    yield "GET", f"/v1/assignments/{assignment}/anchors", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/essays/{essay}", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/export.csv", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/export.xlsx", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/export-agreement.csv", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/events", {}
    yield "GET", f"/bff/v1/teacher/batches/{batch}/estimate", {}
    yield "GET", f"/bff/v1/teacher/assignments/{assignment}", {}
    yield "DELETE", f"/v1/batches/{batch}", {}


def _refused(me: Teacher, other: Teacher) -> list[str]:
    """The foreign requests that were not refused with 403/404 and the error body."""
    wrong = []
    for method, path, kwargs in _foreign_requests(other):
        reply = me.gw._send(method, path, kwargs.pop("headers", None), kwargs)
        refused = reply.status_code in (403, 404) and "error" in reply.json()
        if not refused:
            wrong.append(f"{method} {path}: {reply.status_code} {reply.text[:200]}")
    return wrong


def _listed_batches(teacher: Teacher) -> dict[str, set[str]]:
    dashboard = teacher.gw.call("GET", "/bff/v1/teacher/dashboard")
    return {
        "/v1/batches": {str(b["batch_id"]) for b in teacher.gw.call("GET", "/v1/batches")["items"]},
        "/v1/results/batches": {str(b["batch_id"]) for b in teacher.gw.call("GET", "/v1/results/batches")["items"]},
        "/bff/v1/teacher/dashboard": {str(b["batch_id"]) for b in dashboard["recent_batches"]},
    }


def test_two_teachers_running_at_once_see_only_their_own(gateway: run_demo.Gateway) -> None:
    del gateway  # only its fixture's work is needed: the stack is up
    ada, ben = _teacher("Ada", seed=2006), _teacher("Ben", seed=2007)
    with faults.judge(faults.SLOW_JUDGE):  # both jobs are still running while the routes are tried
        for teacher in (ada, ben):
            run_demo.start_assessment(teacher.gw, teacher.batch_id, "per_request")
        assert _refused(ada, ben) == []
        assert _refused(ben, ada) == []
        finished = {t.batch_id: faults.follow(t.gw, t.batch_id) for t in (ada, ben)}
    assert all(detail["batch"]["status"] == "completed" for detail in finished.values())
    for me, other in ((ada, ben), (ben, ada)):
        for route, listed in _listed_batches(me).items():
            assert me.batch_id in listed, f"{route} lacks the teacher's own batch"
            assert other.batch_id not in listed, f"{route} shows the other teacher's batch"
        assert _refused(me, other) == []
    # Nothing of the refused requests changed anything: the titles and essays are as made.
    for teacher in (ada, ben):
        batch = teacher.gw.call("GET", f"/v1/batches/{teacher.batch_id}")
        assert batch["title"] != "taken over"
        assert len(teacher.gw.call("GET", f"/v1/batches/{teacher.batch_id}/essays")["items"]) == 6
