"""The BFF with an owner down, against the dev stack's other, real owners.

A second BFF process is started beside the dev stack's, with one owner's URL pointing at a port
nothing listens on, and called as the gateway calls it (the internal key, the gateway's id and the
teacher). The dev stack's own services are left alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.local_server import free_port
from scripts.demo import run_demo
from tests.integration.stack import extra_service

pytestmark = pytest.mark.integration

ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}


@pytest.fixture(scope="module")
def teacher(gateway: run_demo.Gateway) -> str:
    """The signed-in teacher's id (``gateway`` also makes sure the dev stack is up)."""
    return str(gateway.call("GET", "/v1/me")["user_id"])


@pytest.fixture(scope="module")
def class_batch(gateway: run_demo.Gateway) -> str:
    """A batch of the teacher's in a class, with two essays, once the result aggregator has it."""
    klass = gateway.call("POST", "/v1/classes", json={"name": "Partial 9D", "course_code": "ENG5"})
    batch = gateway.call(
        "POST", "/v1/batches", json={"title": "Partial batch", "course_code": "ENG5", "class_id": klass["class_id"]}
    )
    text = "School uniforms save families money and spare students a daily contest of clothes. " * 3
    files = [("files", (f"{name}.txt", f"{name}: {text}".encode(), "text/plain")) for name in ("a", "b")]
    gateway.call("POST", f"/v1/batches/{batch['batch_id']}/essays", files=files)
    for _ in range(60):
        page = gateway.call("GET", f"/bff/v1/teacher/batches/{batch['batch_id']}")
        if len(page["essays"]) == 2:
            return str(batch["batch_id"])
        time.sleep(0.5)
    raise AssertionError("the result aggregator never listed the batch's essays")


@contextmanager
def bff_with_down(peer: str, log_dir: Path) -> Iterator[httpx.Client]:
    overrides = {
        f"BFF_TEACHER_SERVICE_{peer.upper()}_SERVICE_URL": f"http://127.0.0.1:{free_port()}",
        "BFF_TEACHER_SERVICE_OWNER_TIMEOUT_S": "2",
    }
    with extra_service("bff_teacher_service", overrides, log_dir / f"bff-without-{peer}.log") as (base_url, env):
        key = env.get("HULEEDU_INTERNAL_API_KEY") or DEV_INTERNAL_API_KEY
        headers = {"X-Internal-API-Key": key, "X-Service-ID": "api_gateway_service"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
            yield client


def test_class_management_down_leaves_gaps_not_errors(teacher: str, class_batch: str, tmp_path: Path):
    with bff_with_down("class_management", tmp_path) as bff:
        options = bff.get("/bff/v1/teacher/new-batch/options", headers={"X-User-ID": teacher})
        dashboard = bff.get("/bff/v1/teacher/dashboard", headers={"X-User-ID": teacher})
        page = bff.get(f"/bff/v1/teacher/batches/{class_batch}", headers={"X-User-ID": teacher})
    assert (options.status_code, dashboard.status_code) == (200, 200), (options.text, dashboard.text)
    assert [gap["part"] for gap in options.json()["gaps"]] == ["classes"]
    assert options.json()["classes"] == []
    assert options.json()["model_catalogue"] is not None
    # The class names, and the "names to confirm" part of the action list, are class management's.
    assert [gap["part"] for gap in dashboard.json()["gaps"]] == ["class_names", "needs_action"]
    assert all(batch["class_name"] is None for batch in dashboard.json()["recent_batches"])
    # The batch page without any name: files name the essays, and no essay is called unconfirmed.
    assert page.status_code == 200, page.text
    assert sorted(gap["part"] for gap in page.json()["gaps"]) == ["class_name", "student_names"]
    assert page.json()["batch"]["class_name"] is None
    assert sorted(e["name"] for e in page.json()["essays"]) == ["a.txt", "b.txt"]
    assert all("no_confirmed_student" not in e["flags"] for e in page.json()["essays"])


def test_result_aggregator_down_is_a_503_with_the_error_body(teacher: str, tmp_path: Path):
    with bff_with_down("result_aggregator", tmp_path) as bff:
        dashboard = bff.get("/bff/v1/teacher/dashboard", headers={"X-User-ID": teacher})
        options = bff.get("/bff/v1/teacher/new-batch/options", headers={"X-User-ID": teacher})
    assert dashboard.status_code == 503
    assert set(dashboard.json()["error"]) == ERROR_FIELDS
    assert (options.status_code, options.json()["gaps"]) == (200, [])
