"""The teacher dashboard in a real browser against the dev stack (issue 18, first slice).

Debian's ``chromium`` (installed with apt when missing, as the dev stack installs PostgreSQL) runs
``frontend/e2e/smoke.mjs`` through playwright-core: the demo teacher signs in, sees a batch assessed
here by the mock judge on the dashboard, opens it (reliability in words, the ranked table), downloads
the CSV, switches to Swedish, signs out; a second teacher sees none of it. Screenshots of each screen
go to ``frontend/e2e/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
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


def test_a_teacher_reads_an_assessed_batch_in_the_browser(
    gateway: run_demo.Gateway, chromium: str, built_dashboard: None
):
    title = f"Browser batch {uuid.uuid4().hex[:8]}"
    batch = gateway.call("POST", "/v1/batches", json={"title": title, "course_code": "ENG5"})
    files = [("files", (e.filename, e.text.encode("utf-8"), "text/plain")) for e in student_essays(count=5, seed=5)]
    gateway.call("POST", f"/v1/batches/{batch['batch_id']}/essays", files=files)
    run_demo.start_assessment(gateway, batch["batch_id"], "per_request")
    run_demo.follow(gateway, batch["batch_id"], timeout_s=240)
    other_email = create_teacher("Browser", PASSWORD)

    env = {
        **os.environ,
        "BASE_URL": gateway.base_url,
        "TEACHER_EMAIL": run_demo.DEMO_EMAIL,
        "TEACHER_PASSWORD": run_demo.DEMO_PASSWORD,
        "BATCH_ID": batch["batch_id"],
        "BATCH_TITLE": title,
        "OTHER_EMAIL": other_email,
        "OTHER_PASSWORD": PASSWORD,
        "CHROMIUM": chromium,
        "SCREENSHOTS": str(FRONTEND / "e2e" / "screenshots"),
    }
    result = subprocess.run(
        ["node", "e2e/smoke.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, check=False, timeout=420
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
