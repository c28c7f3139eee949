"""The student data export through the gateway: the BFF's internal route, asked for the token's teacher
only, answered as a named download; the BFF's refusals pass through as they are."""

from __future__ import annotations

import uuid
from typing import Any

from api_gateway_service.proxying import GATEWAY_SERVICE_ID
from common_core.http.examples import example_of
from services.api_gateway_service.tests.integration.proxy.conftest import TEACHER, Gateway
from services.api_gateway_service.tests.stand_in import Answer
from tests.integration.robustness.service_apps import KEY

STUDENT = uuid.uuid4()
BFF_PATH = f"/internal/v1/students/{STUDENT}/export"


async def test_the_export_is_the_bffs_for_the_tokens_teacher_as_a_download(gateway: Gateway):
    gateway.point_bff_at_the_stand_in()
    body = example_of("StudentDataExport")
    gateway.downstream.answer("GET", BFF_PATH, Answer(body=body, headers={"Cache-Control": "private, no-store"}))
    forged = [
        ("X-User-ID", "victim"),
        ("x-access-purpose", "read"),
        ("X-Access-Purpose", "export"),
        ("X-Service-ID", "bff_teacher_service"),
    ]

    response = await gateway.client.get(f"/v1/students/{STUDENT}/export", headers=forged)

    assert (response.status_code, response.json()) == (200, body)
    assert response.headers["content-disposition"] == f'attachment; filename="student-{STUDENT}.json"'
    assert response.headers["cache-control"] == "private, no-store"
    seen = gateway.downstream.last()
    assert (seen.method, seen.path) == ("GET", BFF_PATH)
    assert seen.headers.getlist("X-User-ID") == [TEACHER]
    assert seen.headers.getlist("X-Service-ID") == [GATEWAY_SERVICE_ID]
    assert seen.headers.getlist("X-Internal-API-Key") == [KEY]
    # The BFF says the purpose itself to the owners; a client cannot say it to the BFF.
    assert seen.headers.getlist("X-Access-Purpose") == []


async def test_the_bffs_404_passes_through_and_is_no_download(gateway: Gateway):
    gateway.point_bff_at_the_stand_in()
    error: dict[str, Any] = {
        "error": {
            "code": "NOT_FOUND",
            "message": "Student not found",
            "correlation_id": None,
            "service": "bff_teacher_service",
            "details": {},
        }
    }
    gateway.downstream.answer("GET", BFF_PATH, Answer(status=404, body=error))

    response = await gateway.client.get(f"/v1/students/{STUDENT}/export")

    assert (response.status_code, response.json()) == (404, error)
    assert "content-disposition" not in response.headers


async def test_a_bad_student_id_is_refused_before_the_bff_and_a_bff_that_is_down_is_a_503(gateway: Gateway):
    malformed = await gateway.client.get("/v1/students/not-an-id/export")
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    # The BFF is down until a test points it at the stand-in.
    down = await gateway.client.get(f"/v1/students/{STUDENT}/export")
    assert (down.status_code, down.json()["error"]["details"]) == (503, {"service": "bff_teacher_service"})
    assert gateway.downstream.seen == []
