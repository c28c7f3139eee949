"""A school can say what it holds about a student and who looked at it (issue 23).

A teacher's class batch, with one student's essay confirmed as theirs, is assessed with the mock judge. The
teacher reads the batch and the essay in the dashboard and exports the student's data through the gateway:
the export is one JSON file that validates against its published schema and carries the student's essay,
text, grade and the judgements of it with their justifications, and nothing of the other students' essays.
The teacher's access log then shows those reads and the export, each recorded by the service that holds the
data, with the teacher and the calling service; another teacher sees none of it and cannot export the student.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from scripts.demo import run_demo
from scripts.devstack.procs import wait_until
from tests.e2e.test_erasure import PASSWORD, _class_batch_with_a_known_student, _signed_in
from tests.e2e.traces import places_holding
from tests.integration.stack import create_teacher

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(600)]

SCHEMA = Path(__file__).resolve().parents[2] / "libs/common_core/schemas/http/StudentDataExport.json"
OWNERS = {"content_service", "class_management_service", "cj_assessment_service", "result_aggregator_service"}


def _export(gw: run_demo.Gateway, student_id: str) -> httpx.Response:
    return gw._send("GET", f"/v1/students/{student_id}/export", None, {})


def _access_log(gw: run_demo.Gateway) -> dict[str, Any]:
    log: dict[str, Any] = gw.call("GET", "/bff/v1/teacher/access-log", params={"limit": 200})
    return log


def test_a_student_export_carries_their_data_only_and_every_access_is_logged():
    gw = _signed_in("Exporter")
    teacher_id = gw.call("GET", "/v1/me")["user_id"]
    made = _class_batch_with_a_known_student(gw, run_demo.create_demo_assignment(gw, shared=False))

    gw.call("GET", f"/bff/v1/teacher/batches/{made.batch_id}")
    gw.call("GET", f"/bff/v1/teacher/batches/{made.batch_id}/essays/{made.essay_id}")

    reply = _export(gw, made.student_id)
    assert reply.status_code == 200, reply.text[:500]
    assert "attachment" in reply.headers["content-disposition"]
    exported = reply.json()
    jsonschema.validate(exported, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert exported["gaps"] == []
    assert exported["student"]["student_id"] == made.student_id
    assert exported["student"]["last_name"] == made.student_marker
    [essay] = exported["essays"]
    assert essay["essay_id"] == made.essay_id
    assert essay["batch_id"] == made.batch_id
    assert made.student_marker in essay["text"]
    assert essay["result"]["grade"]
    assert essay["comparisons"], "the assessed essay was judged"
    assert all(c["outcome"] in {"won", "lost", "error"} for c in essay["comparisons"])
    assert any(c["justification"] for c in essay["comparisons"])
    # The other students' essays are named by id only: none of their text leaves with this export.
    assert made.other_marker not in reply.text

    entries = _access_log(gw)["entries"]
    assert {e["recorded_by"] for e in entries} == OWNERS
    assert all(e["actor_user_id"] == teacher_id for e in entries)
    seen = {(e["recorded_by"], e["action"], e["subject_kind"], e["subject_id"]) for e in entries}
    assert ("result_aggregator_service", "read", "batch", made.batch_id) in seen
    assert ("content_service", "read", "essay", made.essay_id) in seen
    assert ("class_management_service", "export", "student", made.student_id) in seen
    assert ("content_service", "export", "essay", made.essay_id) in seen
    assert ("cj_assessment_service", "export", "essay", made.essay_id) in seen
    assert {e["actor_service"] for e in entries} <= {"bff_teacher_service", "api_gateway_service"}
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times, reverse=True)

    other = _signed_in("Onlooker")
    assert _export(other, made.student_id).status_code == 404
    assert not {e["subject_id"] for e in _access_log(other)["entries"]} & {made.batch_id, made.essay_id}


def test_an_account_deletion_takes_the_access_log_with_it():
    email = create_teacher("Leaver", PASSWORD)
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw, email, PASSWORD)
    made = _class_batch_with_a_known_student(gw, run_demo.create_demo_assignment(gw, shared=False))
    assert _export(gw, made.student_id).status_code == 200
    before = {e["recorded_by"] for e in _access_log(gw)["entries"]}
    assert before == OWNERS, before
    teacher_id = gw.call("GET", "/v1/me")["user_id"]

    gw.call("DELETE", "/v1/account", json={"password": PASSWORD})

    # Every owner had rows for this teacher (the export read all four); each forgets them on its own.
    wait_until(lambda: not [p for p in places_holding(teacher_id) if "access_log" in p], 60.0, "the log to go")
