"""Schemathesis against a running gateway, signed in as a teacher: no input to any public route is a 5xx.

The gateway under test is a real process (``python -m api_gateway_service serve``) in front of the
running dev stack's services, with its own port, its own Redis key prefix and request limits high
enough that the fuzzing is not cut short by 429s (the dev stack's own gateway keeps its counters for
the other tests). The teacher is a fresh account made with CMS's ``create-teacher`` command, so the
batches, classes and assignments the fuzzer creates land in an account nobody else uses.

Every operation of the public contract (``docs/api/openapi.json``, which a snapshot test keeps equal
to the app's) gets schema-valid and schema-breaking examples, a bounded number each. Each answer must
be below 500, and every 4xx must carry the one error body. The one 5xx allowed is the BFF-backed routes'
documented 503 while the BFF is not running.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from scripts.demo import run_demo
from scripts.devstack import service_procs
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT
from tests.integration.stack import create_teacher, extra_service, log_in

pytestmark = pytest.mark.timeout(900)

EXAMPLES_PER_OPERATION = 25
PASSWORD = "fuzzing-teacher-password-ÅÄÖ"

schema = schemathesis.openapi.from_path(REPO_ROOT / "docs" / "api" / "openapi.json")
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@dataclass
class SignedIn:
    base_url: str
    bff_up: bool
    http: httpx.Client
    tokens: dict[str, Any] = field(default_factory=dict)
    renewed_at: float = 0.0
    owned: dict[str, str] = field(default_factory=dict)
    calls: Iterator[int] = field(default_factory=itertools.count)

    def login(self, email: str) -> None:
        self.tokens, self.renewed_at = log_in(self.http, email, PASSWORD), time.monotonic()

    def bearer(self) -> dict[str, str]:
        # The fuzzing outlasts no access token, but renew at half-life all the same.
        if time.monotonic() - self.renewed_at > self.tokens["expires_in"] / 2:
            reply = self.http.post("/v1/auth/refresh", json={"refresh_token": self.tokens["refresh_token"]})
            assert reply.status_code == 200, reply.text
            self.tokens, self.renewed_at = reply.json(), time.monotonic()
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    def create(self, path: str, body: dict[str, Any], id_field: str, **kwargs: Any) -> str:
        reply = self.http.post(path, json=body, headers=self.bearer(), **kwargs)
        assert reply.status_code == 201, f"{path}: {reply.status_code} {reply.text}"
        self.owned[id_field] = str(reply.json()[id_field])
        return self.owned[id_field]

    def own_some(self) -> None:
        """One of everything the teacher can own, so that half the fuzzed paths name real, owned ids."""
        assignment_id = self.create(
            "/v1/assignments",
            {"title": "Fuzz", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."},
            "assignment_id",
        )
        anchor = {"label": "a", "grade": "A", "text": "An anchor essay."}
        self.create(f"/v1/assignments/{assignment_id}/anchors", anchor, "anchor_id")
        class_id = self.create("/v1/classes", {"name": "Fuzz 9A", "course_code": "ENG5"}, "class_id")
        self.create("/v1/students", {"first_name": "Ada", "last_name": "Lund", "class_ids": [class_id]}, "student_id")
        batch = {"title": "Fuzz", "course_code": "ENG5", "class_id": class_id, "assignment_id": assignment_id}
        batch_id = self.create("/v1/batches", batch, "batch_id")
        files = [("files", ("Ada_Lund.txt", b"An essay by Ada.", "text/plain"))]
        reply = self.http.post(f"/v1/batches/{batch_id}/essays", files=files, headers=self.bearer())
        assert reply.status_code == 200, reply.text

    def aim(self, case: schemathesis.Case) -> None:
        # Every other example names the teacher's own objects instead of random (404) ids; deletes
        # keep their random ids, so the objects last the whole run.
        if case.path_parameters and case.method != "DELETE" and next(self.calls) % 2:
            case.path_parameters = {k: self.owned.get(k, v) for k, v in case.path_parameters.items()}


@pytest.fixture(scope="module")
def signed_in(gateway: run_demo.Gateway, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignedIn]:
    # `gateway` (tests/integration/conftest.py) makes sure the dev stack is up.
    del gateway
    overrides = {
        "API_GATEWAY_SERVICE_REDIS_KEY_PREFIX": f"fuzz-{uuid.uuid4().hex[:8]}:",
        "API_GATEWAY_SERVICE_IP_REQUEST_LIMIT": "1000000",
        "API_GATEWAY_SERVICE_USER_REQUEST_LIMIT": "1000000",
    }
    log_file = tmp_path_factory.mktemp("fuzz-gateway") / "gateway.log"
    with extra_service("api_gateway_service", overrides, log_file) as (base_url, env):
        bff = next(svc for svc in SERVICES if svc.name == "bff_teacher_service")
        client = SignedIn(
            base_url=base_url,
            bff_up=service_procs.healthy(service_procs.http_port(bff, env)),
            http=httpx.Client(base_url=base_url, timeout=60.0),
        )
        client.login(create_teacher("Fuzz", PASSWORD))
        client.own_some()
        yield client


# The public routes the BFF answers: its dashboard views, and the student data export it composes.
BFF_BACKED = ("/bff/", "/v1/students/{student_id}/export")


def _check_answer(case: schemathesis.Case, response: schemathesis.Response, bff_up: bool) -> None:
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 500:
        assert (case.path.startswith(BFF_BACKED), bff_up) == (True, False), where
        assert (response.status_code, response.json()["error"]["code"]) == (503, "SERVICE_UNAVAILABLE"), where
    if response.status_code >= 400:
        body = response.json()
        assert {"code", "message", "correlation_id"} <= set(body["error"]), where


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_to_a_public_route_is_a_server_error(case: schemathesis.Case, signed_in: SignedIn) -> None:
    signed_in.aim(case)
    response = case.call(base_url=signed_in.base_url, headers=signed_in.bearer(), timeout=60)
    _check_answer(case, response, signed_in.bff_up)
