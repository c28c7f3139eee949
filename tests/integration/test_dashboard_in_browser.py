"""The teacher dashboard in a real browser against the dev stack (issue 18).

Debian's ``chromium`` (installed with apt when missing, as the dev stack installs PostgreSQL) runs
``frontend/e2e/teacher-flow.mjs`` through playwright-core. The demo teacher signs in; creates a batch
with a class and an assignment in the wizard; uploads ten files, one of them refused with its
reason; confirms the student names; sees the estimate; starts; watches the progress reach the end
without a reload; reads the ranked table and the scale chart; opens an essay and its judges'
justifications; downloads the CSV and the XLSX (checked here); switches to Swedish; looks at the
class and the assignment; signs out. A second teacher sees none of it. Every screen passes axe-core
(no serious or critical WCAG 2.1 AA violation) and is saved under ``frontend/e2e/screenshots/``
(git-ignored; ``docs/screenshots/`` holds the copies the README shows).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest

from scripts.demo import run_demo
from scripts.demo.essays import DemoEssay, student_essays
from scripts.devstack.procs import ensure_packages
from scripts.devstack.settings import DevstackSettings
from scripts.frontend import FRONTEND, build_is_stale, needs_install
from tests.integration.stack import create_teacher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

PASSWORD = "dashboard-browser-test-password"  # a throwaway account in the dev stack


def _npm(*args: str) -> None:
    result = subprocess.run(["npm", *args], cwd=FRONTEND, capture_output=True, text=True, check=False, timeout=400)
    assert result.returncode == 0, f"npm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def chromium() -> str:
    ensure_packages({"chromium": "chromium"}, DevstackSettings.from_env().allow_apt)
    found = shutil.which("chromium")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def built_dashboard() -> None:
    """``frontend/dist`` as the BFF serves it, built from the current sources."""
    if needs_install(FRONTEND):
        _npm("ci", "--no-audit", "--no-fund")
    if build_is_stale(FRONTEND):
        _npm("run", "build")


def _roster_class(gateway: run_demo.Gateway, name: str, essays: list[DemoEssay], students: int) -> None:
    """A class whose roster holds the authors of the first ``students`` essays (named like their files)."""
    created = gateway.call("POST", "/v1/classes", json={"name": name, "course_code": "ENG5"})
    for essay in essays[:students]:
        first, last = essay.filename.removesuffix(".txt").split("_", 1)
        body = {"first_name": first, "last_name": last, "class_ids": [created["class_id"]]}
        gateway.call("POST", "/v1/students", json=body)


def test_a_teacher_assesses_a_batch_in_the_browser_from_upload_to_exports(
    gateway: run_demo.Gateway, chromium: str, built_dashboard: None, tmp_path: Path
):
    tag = uuid.uuid4().hex[:8]
    title, class_name = f"Browser batch {tag}", f"9B browser {tag}"
    essays = student_essays(count=9, seed=5)
    students = 7  # two essays stay without a match on the roster
    _roster_class(gateway, class_name, essays, students)
    run_demo.demo_assignment(gateway)
    essay_dir = tmp_path / "essays"
    essay_dir.mkdir()
    for essay in essays:
        (essay_dir / essay.filename).write_text(essay.text, encoding="utf-8")
    bad_file = "broken_essay.docx"  # not a zip, so not a Word file: refused with a reason
    (essay_dir / bad_file).write_bytes(b"this is not a Word document")
    other_email = create_teacher("Browser", PASSWORD)
    downloads = tmp_path / "downloads"

    env = {
        **os.environ,
        "BASE_URL": gateway.base_url,
        "TEACHER_EMAIL": run_demo.DEMO_EMAIL,
        "TEACHER_PASSWORD": run_demo.DEMO_PASSWORD,
        "OTHER_EMAIL": other_email,
        "OTHER_PASSWORD": PASSWORD,
        "BATCH_TITLE": title,
        "CLASS_NAME": class_name,
        "ASSIGNMENT_TITLE": run_demo.DEMO_ASSIGNMENT_TITLE,
        "ESSAY_DIR": str(essay_dir),
        "BAD_FILE": bad_file,
        "STUDENTS": str(students),
        "CHROMIUM": chromium,
        "SCREENSHOTS": str(FRONTEND / "e2e" / "screenshots"),
        "DOWNLOADS": str(downloads),
    }
    result = subprocess.run(
        ["node", "e2e/teacher-flow.mjs"],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    batch_id = json.loads(result.stdout.strip().splitlines()[-1])["batch_id"]

    # What the browser did, as the platform recorded it: the batch assessed, the names confirmed.
    detail = gateway.call("GET", f"/bff/v1/teacher/batches/{batch_id}")
    assert detail["batch"]["title"] == title
    assert detail["batch"]["status"] == "completed"
    assert len(detail["essays"]) == len(essays)
    associations = gateway.call("GET", f"/v1/batches/{batch_id}/associations")["essays"]
    assert sum(1 for a in associations if a["status"] == "confirmed") >= students

    # The downloads are the gradebook: one row per student essay; the workbook has its three sheets.
    with (downloads / "results.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(essays)
    assert sorted(int(row["Rank"]) for row in rows) == list(range(1, len(essays) + 1))
    workbook = openpyxl.load_workbook(downloads / "results.xlsx", read_only=True)
    assert len(workbook.sheetnames) == 3
    # The BFF writes the workbook in streaming mode, which records no dimensions: count the rows.
    assert sum(1 for _ in workbook.worksheets[0].iter_rows()) == len(essays) + 1
