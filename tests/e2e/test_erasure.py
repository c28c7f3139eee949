"""Deleting a batch really deletes it, everywhere (issue 23).

Essays carrying a unique marker word are uploaded through the gateway and assessed with the mock judge;
then the teacher deletes the batch. Every service's database (every text-like column of every table),
Redis and the service logs are searched for the marker: none may keep it. Before the deletion the same
search must find it, so a scan that looks in the wrong place cannot pass.

The second test deletes a batch in the middle of its assessment while CJ is down: the others erase at
once, CJ still holds the texts until it comes back and reads ``batch.deleted`` from Kafka, then cancels
the job and erases it too, and the judge gets no more work for it.

The last two erase one student (their confirmed essay goes everywhere, the batch's other essays stay) and
delete a teacher's account (refused while it shares an assignment; then everything it owned goes).
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.demo.uploads import upload_essays
from scripts.devstack.procs import wait_until
from tests.e2e import faults
from tests.e2e.traces import places_holding
from tests.integration.stack import create_teacher

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(600)]

PASSWORD = "erasure-teacher-password-1"
ERASED_WITHIN_S = 60.0


def _marked_batch(gw: run_demo.Gateway, marker: str, essays: int, seed: int) -> str:
    """A batch of generated essays, each with ``marker`` in its text, on the teacher's own assignment."""
    assignment_id = run_demo.create_demo_assignment(gw, shared=False)
    marked = [
        dataclasses.replace(e, text=f"{e.text}\n\nThe {marker} is what I will remember.")
        for e in student_essays(count=essays, seed=seed)
    ]
    return run_demo.create_batch(gw, assignment_id, marked)


def _signed_in(name: str) -> run_demo.Gateway:
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw, create_teacher(name, PASSWORD), PASSWORD)
    return gw


def _gone_from_the_teachers_views(gw: run_demo.Gateway, batch_id: str) -> bool:
    listed = gw.call("GET", "/v1/results/batches", params={"limit": 100})
    if any(item["batch_id"] == batch_id for item in listed["items"]):
        return False
    try:
        gw.call("GET", f"/v1/results/batches/{batch_id}")
    except run_demo.DemoError as exc:
        return "404" in str(exc)
    return False


def _wait_until_erased(marker: str) -> None:
    left: list[str] = []

    def erased() -> bool:
        nonlocal left
        left = places_holding(marker)
        return not left

    try:
        wait_until(erased, ERASED_WITHIN_S, "the marker to disappear")
    except Exception:
        pytest.fail(f"{ERASED_WITHIN_S:.0f} s after the deletion the marker is still in: {left}")


def test_deleting_an_assessed_batch_leaves_no_trace_of_its_essays():
    marker = f"zephyrmark{uuid.uuid4().hex[:12]}"
    gw = _signed_in("Eraser")
    batch_id = _marked_batch(gw, marker, essays=8, seed=231)
    run_demo.start_assessment(gw, batch_id, "per_request")
    faults.follow(gw, batch_id)
    before = places_holding(marker)
    assert any(p.startswith("content_service database") for p in before), before
    assert any(p.startswith("cj_assessment_service database") for p in before), before

    gw.call("DELETE", f"/v1/batches/{batch_id}")

    with pytest.raises(run_demo.DemoError, match="404"):
        gw.call("GET", f"/v1/batches/{batch_id}")
    wait_until(lambda: _gone_from_the_teachers_views(gw, batch_id), 10.0, "the batch to leave the results views")
    _wait_until_erased(marker)


def test_a_batch_deleted_mid_assessment_while_cj_is_down_is_erased_when_cj_comes_back():
    marker = f"zephyrmark{uuid.uuid4().hex[:12]}"
    gw = _signed_in("Eraser")
    with faults.judge(faults.SLOW_JUDGE):
        batch_id = _marked_batch(gw, marker, essays=10, seed=232)
        run_demo.start_assessment(gw, batch_id, "per_request")
        faults.wait_for_progress(gw, batch_id, at_least=3)
        faults.kill(faults.CJ)
        try:
            gw.call("DELETE", f"/v1/batches/{batch_id}")
            wait_until(
                lambda: all(p.startswith("cj_assessment_service") for p in places_holding(marker)),
                ERASED_WITHIN_S,
                "every service but the stopped CJ to erase the batch",
            )
            assert places_holding(marker), "CJ was down: it cannot have erased the texts yet"
        finally:
            faults.restart(faults.CJ)
        _wait_until_erased(marker)
    with pytest.raises(run_demo.DemoError, match="404"):
        gw.call("GET", f"/v1/results/batches/{batch_id}")


@dataclasses.dataclass
class ClassBatch:
    batch_id: str
    student_id: str
    essay_id: str  # the student's essay
    student_marker: str  # in the student's essay (and their last name)
    other_marker: str  # in every other essay of the batch


def _class_batch_with_a_known_student(gw: run_demo.Gateway, assignment_id: str) -> ClassBatch:
    """A class with one student whose essay (their name on its first line) is confirmed as theirs, in an
    assessed batch of eight; the student's last name and essay carry one marker, the other essays another."""
    student_marker, other_marker = (f"zephyrmark{uuid.uuid4().hex[:12]}" for _ in range(2))
    class_id = gw.call("POST", "/v1/classes", json={"name": "9E", "course_code": "ENG5"})["class_id"]
    student = gw.call(
        "POST", "/v1/students", json={"first_name": "Stina", "last_name": student_marker, "class_ids": [class_id]}
    )
    body = {"title": "Erasure", "course_code": "ENG5", "assignment_id": assignment_id, "class_id": class_id}
    batch_id = str(gw.call("POST", "/v1/batches", json=body)["batch_id"])
    essays = student_essays(count=8, seed=233)
    files = [
        (f"stina_{student_marker}.txt", f"Stina {student_marker}\n\n{essays[0].text}".encode(), "text/plain"),
        *((e.filename, f"{e.text}\n\nThe {other_marker} stays.".encode(), "text/plain") for e in essays[1:]),
    ]
    upload_essays(gw, batch_id, files)
    items = gw.call("GET", f"/v1/batches/{batch_id}/essays")["items"]
    essay_id = next(e["essay_id"] for e in items if student_marker in e["filename"])
    confirm = {"associations": [{"essay_id": essay_id, "student_id": student["student_id"]}]}
    gw.call("POST", f"/v1/batches/{batch_id}/associations/confirm", json=confirm)
    run_demo.start_assessment(gw, batch_id, "per_request")
    faults.follow(gw, batch_id)
    return ClassBatch(batch_id, str(student["student_id"]), essay_id, student_marker, other_marker)


def test_erasing_a_student_removes_their_essay_everywhere_and_keeps_the_others():
    gw = _signed_in("Eraser")
    made = _class_batch_with_a_known_student(gw, run_demo.create_demo_assignment(gw, shared=False))
    assert any(p.startswith("cj_assessment_service database") for p in places_holding(made.student_marker))

    preview = gw.call("GET", f"/v1/students/{made.student_id}/erasure")
    assert [e["essay_id"] for e in preview["essays"]] == [made.essay_id]
    gw.call(
        "POST", f"/v1/students/{made.student_id}/erasure", json={"confirmation_token": preview["confirmation_token"]}
    )

    _wait_until_erased(made.student_marker)
    essays = gw.call("GET", f"/v1/batches/{made.batch_id}/essays")["items"]
    assert made.essay_id not in {e["essay_id"] for e in essays}
    assert len(essays) == 7
    assert any(p.startswith("content_service database") for p in places_holding(made.other_marker))


def test_a_deleted_teacher_account_takes_everything_it_owned_with_it():
    email = create_teacher("Leaver", PASSWORD)
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw, email, PASSWORD)
    shared = run_demo.create_demo_assignment(gw, shared=True)
    made = _class_batch_with_a_known_student(gw, run_demo.create_demo_assignment(gw, shared=False))

    with pytest.raises(run_demo.DemoError, match="409") as refused:
        gw.call("DELETE", "/v1/account", json={"password": PASSWORD})
    assert shared in str(refused.value)  # the refusal names what must be handed over first
    gw.call("PATCH", f"/v1/assignments/{shared}", json={"shared": False})

    gw.call("DELETE", "/v1/account", json={"password": PASSWORD})

    with pytest.raises(run_demo.DemoError, match="401"):
        gw.call("GET", "/v1/me")
    for marker in (made.student_marker, made.other_marker, email):
        _wait_until_erased(marker)
