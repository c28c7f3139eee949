"""Teacher moderation in a real browser against the dev stack (issue 24).

The demo teacher's batch of thirty generated essays is assessed with the mock judge through the public API
(the wizard has its own browser test); then Debian's ``chromium`` runs ``frontend/e2e/moderation-flow.mjs``
through playwright-core: the teacher moderates ten pairs with the keyboard, undoes one, reads the report (10
teacher judgements, the agreement changed), invites a colleague by email, and invites the third teacher and
removes them again from the batch page's list; the colleague moderates from their dashboard; the third teacher
sees nothing. Afterwards the API is asked directly: the colleague reaches
the moderation routes of that batch and nothing else of the teacher's, the third teacher gets 404 on all of
them. Screenshots go to ``frontend/e2e/screenshots/`` (git-ignored; ``docs/screenshots/`` holds the copies
the README shows). The teacher's XLSX then has its Moderation sheet, and the agreement report's CSV the same
rows.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import uuid

import httpx
import openpyxl
import pytest

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.frontend import FRONTEND
from tests.integration.stack import create_teacher
from tests.integration.test_dashboard_in_browser import built_dashboard, chromium  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

PASSWORD = "moderation-browser-test-password"  # throwaway accounts in the dev stack


def _signed_in(email: str) -> run_demo.Gateway:
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw, email, PASSWORD)
    return gw


def _status(gw: run_demo.Gateway, method: str, path: str, **kwargs: object) -> int:
    return gw._send(method, path, None, kwargs).status_code


def test_teachers_moderate_a_batch_in_the_browser(
    gateway: run_demo.Gateway,
    chromium: str,  # noqa: F811 - the fixture
    built_dashboard: None,  # noqa: F811 - the fixture
):
    essays = student_essays(count=30, seed=11)
    assignment_id = run_demo.demo_assignment(gateway)
    batch_id = run_demo.create_batch(gateway, assignment_id, essays)
    title = f"Moderation batch {uuid.uuid4().hex[:8]}"
    gateway.call("PATCH", f"/v1/batches/{batch_id}", json={"title": title})
    run_demo.start_assessment(gateway, batch_id, "per_request")
    detail = run_demo.follow(gateway, batch_id, timeout_s=300, on_progress=lambda _: None)
    assert detail["batch"]["status"] == "completed"
    colleague_email = create_teacher("Colleague", PASSWORD)
    stranger_email = create_teacher("Stranger", PASSWORD)

    env = {
        **os.environ,
        "BASE_URL": gateway.base_url,
        "TEACHER_EMAIL": run_demo.DEMO_EMAIL,
        "TEACHER_PASSWORD": run_demo.DEMO_PASSWORD,
        "BATCH_ID": batch_id,
        "BATCH_TITLE": title,
        "COLLEAGUE_EMAIL": colleague_email,
        "COLLEAGUE_PASSWORD": PASSWORD,
        "STRANGER_EMAIL": stranger_email,
        "STRANGER_PASSWORD": PASSWORD,
        "CHROMIUM": chromium,
        "SCREENSHOTS": str(FRONTEND / "e2e" / "screenshots"),
    }
    result = subprocess.run(
        ["node", "e2e/moderation-flow.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=800
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"

    # What the browser did, as the platform recorded it.
    report = gateway.call("GET", f"/bff/v1/teacher/batches/{batch_id}/moderation/report")
    assert report["teacher_judgements"] == 11  # ten by the teacher, one by the colleague
    teachers = {j["user_id"] for j in report["judges"] if j["kind"] == "teacher"}
    assert len(teachers) == 2
    moderators = gateway.call("GET", f"/bff/v1/teacher/batches/{batch_id}/moderation/moderators")
    assert len(moderators["moderators"]) == 1
    # The same through the public API, and the workbook's Moderation sheet.
    assert gateway.call("GET", f"/v1/batches/{batch_id}/moderation/report")["teacher_judgements"] == 11
    xlsx = gateway._send("GET", f"/bff/v1/teacher/batches/{batch_id}/export.xlsx", None, {})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment", "Moderation"]
    first_rows = [row[:3] for row in book["Moderation"].iter_rows(min_row=2, max_row=2, values_only=True)]
    assert first_rows == [("Teacher judgements", None, 11)]
    # The same rows as a CSV of their own (the gradebook CSV stays one row per essay).
    agreement = gateway._send("GET", f"/bff/v1/teacher/batches/{batch_id}/export-agreement.csv", None, {})
    assert agreement.status_code == 200
    rows = list(csv.reader(io.StringIO(agreement.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Part", "Name", "Value"]
    assert rows[1][:3] == ["Teacher judgements", "", "11"]
    assert sum(row[0] == "Moderated rank" for row in rows) == len(report["results"])

    # The colleague: the moderation routes of this batch, nothing else of the teacher's.
    colleague = _signed_in(colleague_email)
    moderation = f"/bff/v1/teacher/batches/{batch_id}/moderation"
    assert _status(colleague, "GET", f"{moderation}/next") == 200
    assert _status(colleague, "GET", f"{moderation}/report") == 200
    assert _status(colleague, "GET", f"{moderation}/moderators") == 403  # only the teacher chooses them
    for path in (
        f"/bff/v1/teacher/batches/{batch_id}",
        f"/bff/v1/teacher/batches/{batch_id}/export.csv",
        f"/bff/v1/teacher/batches/{batch_id}/export-agreement.csv",
        f"/bff/v1/teacher/batches/{batch_id}/essays/{detail['essays'][0]['essay_id']}",
        f"/v1/batches/{batch_id}",
        f"/v1/batches/{batch_id}/essays",
        f"/v1/results/batches/{batch_id}",
    ):
        assert _status(colleague, "GET", path) == 404, path
    invite = {"email": "someone@example.org"}
    assert _status(colleague, "POST", f"{moderation}/moderators", json=invite) in (403, 404)

    # A third teacher: 404 on every moderation route, and nothing to moderate.
    stranger = _signed_in(stranger_email)
    assert stranger.call("GET", "/bff/v1/teacher/moderation/invitations") == {"invitations": []}
    body = {"first": str(uuid.uuid4()), "second": str(uuid.uuid4()), "winner": str(uuid.uuid4())}
    public = f"/v1/batches/{batch_id}/moderation"
    for method, path, kwargs in (
        ("GET", f"{public}/next", {}),
        ("GET", f"{public}/report", {}),
        ("POST", f"{public}/verdicts", {"json": body}),
        ("POST", f"{public}/moderators", {"json": invite}),
        ("GET", f"{moderation}/next", {}),
        ("GET", f"{moderation}/report", {}),
        ("POST", f"{moderation}/verdicts", {"json": body}),
        ("DELETE", f"{moderation}/verdicts/last", {}),
        ("GET", f"{moderation}/moderators", {}),
        ("POST", f"{moderation}/moderators", {"json": invite}),
    ):
        reply = stranger._send(method, path, None, kwargs)
        assert reply.status_code == 404, (method, path, reply.text)
        assert set(reply.json()["error"]) >= {"code", "message"}
    # An unknown email is a plain 404 naming nothing else.
    unknown = gateway._send("POST", f"{moderation}/moderators", None, {"json": {"email": "nobody@example.org"}})
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (
        404,
        "No teacher account uses this email address",
    )
    assert isinstance(unknown, httpx.Response)
