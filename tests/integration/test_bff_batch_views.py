"""The batch page, the essay page, the exports and the estimate through the dev stack's gateway.

One assessed batch, built as a teacher would: a class with two students (one Swedish name, one
that looks like a spreadsheet formula), the demo assignment with its graded anchors, six essays
uploaded into the class, two of them confirmed as the students' work, and a mock assessment run
to the end. Then every view of it, read back as the dashboard and a spreadsheet would read it,
and none of it for another teacher.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from tests.integration.stack import create_teacher, log_in

pytestmark = pytest.mark.integration

VIEWS = "/bff/v1/teacher"
PASSWORD = "bff-batch-views-test-password"  # a throwaway account in the dev stack
SWEDISH = ("Åsa", "Öberg")
FORMULA = ('=HYPERLINK("http://example.invalid")', "Ek")
ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}


def _wait_for(what: str, probe: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")


@pytest.fixture(scope="module")
def assessed(gateway: run_demo.Gateway) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    klass = gateway.call("POST", "/v1/classes", json={"name": f"Views 9C {tag}", "course_code": "ENG5"})
    students = []
    for first, last in (SWEDISH, FORMULA):
        student = gateway.call("POST", "/v1/students", json={"first_name": first, "last_name": last})
        gateway.call("PUT", f"/v1/classes/{klass['class_id']}/students/{student['student_id']}")
        students.append(student)
    assignment_id = run_demo.demo_assignment(gateway)
    batch = gateway.call(
        "POST",
        "/v1/batches",
        json={
            "title": f"Views batch {tag}",
            "course_code": "ENG5",
            "class_id": klass["class_id"],
            "assignment_id": assignment_id,
        },
    )
    batch_id = batch["batch_id"]
    essays = student_essays(count=6, seed=11)
    files = [("files", (e.filename, e.text.encode("utf-8"), "text/plain")) for e in essays]
    gateway.call("POST", f"/v1/batches/{batch_id}/essays", files=files)
    # Class management learns of the essays from content's events: confirm once they are there.
    associations = _wait_for(
        "the essays reaching class management",
        lambda: (a := gateway.call("GET", f"/v1/batches/{batch_id}/associations"))["essays"].__len__() == 6 and a,
    )
    by_file = {e["filename"]: e["essay_id"] for e in associations["essays"]}
    confirmed = {by_file[essays[0].filename]: students[0], by_file[essays[1].filename]: students[1]}
    gateway.call(
        "POST",
        f"/v1/batches/{batch_id}/associations/confirm",
        json={"associations": [{"essay_id": e, "student_id": s["student_id"]} for e, s in confirmed.items()]},
    )
    run_demo.start_assessment(gateway, batch_id, "per_request")
    run_demo.follow(gateway, batch_id, timeout_s=240)
    texts = {by_file[e.filename]: e.text for e in essays}
    return {"batch_id": batch_id, "class": klass, "confirmed": confirmed, "texts": texts}


def _names(assessed: dict[str, Any]) -> dict[str, str]:
    return {essay: f"{s['first_name']} {s['last_name']}" for essay, s in assessed["confirmed"].items()}


def test_the_batch_page_has_ranked_named_graded_essays_and_the_anchors_on_one_scale(
    gateway: run_demo.Gateway, assessed: dict[str, Any]
):
    view = gateway.call("GET", f"{VIEWS}/batches/{assessed['batch_id']}")
    assert view["gaps"] == []
    assert view["batch"]["status"] == "completed"
    assert view["batch"]["class_name"] == assessed["class"]["name"]
    essays, anchors = view["essays"], view["anchors"]
    assert [e["rank"] is not None for e in essays] == [True] * 6
    # Students are ranked among themselves, 1 to 6; anchors sit on the same scale by score.
    assert [e["rank"] for e in essays] == [1, 2, 3, 4, 5, 6]
    scores = [e["bt_score"] for e in essays]
    assert scores == sorted(scores, reverse=True)
    named = {e["essay_id"]: e["student_name"] for e in essays if e["student_name"]}
    assert named == _names(assessed)
    unconfirmed = [e for e in essays if e["essay_id"] not in named]
    assert all("no_confirmed_student" in e["flags"] and e["name"] == e["filename"] for e in unconfirmed)
    for essay in essays:
        assert essay["grade"]
        assert abs(sum(essay["grade_probabilities"].values()) - 1) < 1e-6
        assert essay["grade_probability"] == essay["grade_probabilities"][essay["grade"]]
        assert essay["standard_error"] > 0
        assert essay["comparison_count"] > 0
    assert anchors
    assert all(a["known_grade"] and a["name"].startswith("anchor-") for a in anchors)
    job = view["job"]
    assert job["state"] == "completed"
    assert job["model_used"]["provider"] == "mock"
    assert job["stop_reason"]
    assert job["usage"]["llm_calls"] > 0
    cuts = [c["bt_score"] for c in job["grade_cut_points"]]
    assert cuts
    assert cuts == sorted(cuts)


def test_the_essay_page_has_the_text_and_every_comparison_with_the_judges_reasons(
    gateway: run_demo.Gateway, assessed: dict[str, Any]
):
    essay_id, name = next(iter(_names(assessed).items()))
    view = gateway.call("GET", f"{VIEWS}/batches/{assessed['batch_id']}/essays/{essay_id}")
    assert view["gaps"] == []
    assert view["essay"]["name"] == name
    # Content keeps the text as uploaded, less the trailing newline of the file.
    assert view["text"] == assessed["texts"][essay_id].rstrip("\n")
    done = [c for c in view["comparisons"] if c["outcome"] in {"won", "lost"}]
    assert len(done) == view["essay"]["comparison_count"]
    assert all(c["justification"] and c["opponent_name"] and c["model"] == "mock-judge" for c in done)
    against_anchors = [c for c in done if c["opponent_is_anchor"]]
    assert all(c["opponent_known_grade"] for c in against_anchors)
    assert {c["shown_first"] for c in done} <= {True, False}


def test_the_csv_reads_back_with_swedish_names_and_an_escaped_formula(
    gateway: run_demo.Gateway, assessed: dict[str, Any]
):
    reply = gateway.http.get(
        f"{VIEWS}/batches/{assessed['batch_id']}/export.csv",
        headers={"Authorization": f"Bearer {gateway.access_token}"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["content-disposition"].startswith("attachment;")
    assert reply.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(reply.content.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "\ufeffStudent"
    assert len(body) == 6
    students = {row[0] for row in body if row[0]}
    assert students == {"Åsa Öberg", "'" + " ".join(FORMULA)}
    assert [int(row[2]) for row in body] == [1, 2, 3, 4, 5, 6]


def test_the_xlsx_has_essays_comparisons_and_settings(gateway: run_demo.Gateway, assessed: dict[str, Any]):
    batch_id = assessed["batch_id"]
    reply = gateway.http.get(
        f"{VIEWS}/batches/{batch_id}/export.xlsx", headers={"Authorization": f"Bearer {gateway.access_token}"}
    )
    assert reply.status_code == 200, reply.text
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment"]
    students = {row[0].value: row[0].data_type for row in book["Essays"].iter_rows(min_row=2) if row[0].value}
    assert students == {"Åsa Öberg": "s", " ".join(FORMULA): "s"}
    view = gateway.call("GET", f"{VIEWS}/batches/{batch_id}")
    planned = view["job"]["comparisons_done"]
    answered = [row for row in book["Comparisons"].iter_rows(min_row=2) if row[5].value == "done"]
    assert len(answered) == planned
    settings = {row[0].value: row[1].value for row in book["Assessment"].iter_rows(min_row=2)}
    assert settings["Reliability (marginal)"] == view["job"]["reliability"]
    assert settings["Model"] == "mock-judge"
    assert settings["Batching mode"] == "per_request"
    assert not any(str(key).startswith("Missing") for key in settings)


def test_the_estimate_is_passed_through_and_so_are_its_refusals(gateway: run_demo.Gateway, assessed: dict[str, Any]):
    path = f"{VIEWS}/batches/{assessed['batch_id']}/estimate"
    found = gateway.call(
        "GET", path, params={"provider": "mock", "model": "mock-judge", "batching_mode": "per_request"}
    )
    assert found["essay_count"] == 6
    assert found["comparisons"]["typical"] > 0
    refused = gateway.http.get(
        path, params={"provider": "nobody"}, headers={"Authorization": f"Bearer {gateway.access_token}"}
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]) == ERROR_FIELDS
    assert "provider" in refused.text


def test_another_teacher_gets_a_404_in_every_view(gateway: run_demo.Gateway, assessed: dict[str, Any]):
    email = create_teacher("Stranger", PASSWORD)
    batch_id = assessed["batch_id"]
    essay_id = next(iter(assessed["confirmed"]))
    with httpx.Client(base_url=gateway.base_url, timeout=60.0) as other:
        other.headers["Authorization"] = f"Bearer {log_in(other, email, PASSWORD)['access_token']}"
        for path in (
            f"/batches/{batch_id}",
            f"/batches/{batch_id}/essays/{essay_id}",
            f"/batches/{batch_id}/export.csv",
            f"/batches/{batch_id}/export.xlsx",
            f"/batches/{batch_id}/estimate",
        ):
            reply = other.get(VIEWS + path)
            assert reply.status_code == 404, (path, reply.status_code, reply.text)
            assert set(reply.json()["error"]) == ERROR_FIELDS
            assert "Åsa" not in reply.text
