"""The access log and the student export at the app's edge: the gateway only, for a named teacher; hostile
parameters are a 400 with the error body, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from bff_teacher_service.service_layer.access_views import AccessLogViews
from bff_teacher_service.service_layer.student_export import StudentExports
from common_core.http.access import AccessLogView, StudentDataExport
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, NOT_FOUND, FakeOwners
from services.bff_teacher_service.tests.test_app import GATEWAY_HEADERS, REFUSED_CALLERS, error_code, served

ACCESS_LOG = "/bff/v1/teacher/access-log"
STUDENT = "6f1c1e1a-8a44-4b7e-9c35-1a6f7f0e2b11"
EXPORT = f"/internal/v1/students/{STUDENT}/export"


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners()


@pytest.fixture
async def client(owners: FakeOwners) -> AsyncIterator[httpx.AsyncClient]:
    exports = StudentExports(owners, 0.2)
    async with served(access_log_views=AccessLogViews(owners, 0.2), student_exports=exports) as client:
        yield client


async def test_the_access_log_is_the_teachers_with_the_limit_and_time_asked_for(
    client: httpx.AsyncClient, owners: FakeOwners
):
    before = "2026-12-07T10:00:00+01:00"
    response = await client.get(ACCESS_LOG, params={"limit": 7, "before": before}, headers=GATEWAY_HEADERS)
    assert response.status_code == 200
    view = AccessLogView.model_validate(response.json())
    assert (len(view.entries), view.gaps) == (4, [])  # the example entry from each of the four owners
    assert {user for _, user in owners.calls} == {"teacher-1"}
    assert {args for _, args in owners.arguments} == {(7, datetime.fromisoformat(before))}


async def test_the_access_log_names_an_owner_that_failed(client: httpx.AsyncClient, owners: FakeOwners):
    owners.behaviour["access_log:The assessment service"] = FAIL
    response = await client.get(ACCESS_LOG, headers=GATEWAY_HEADERS)
    assert (response.status_code, response.json()["gaps"]) == (200, ["cj_assessment_service"])
    assert {args for _, args in owners.arguments} == {(50, None)}  # the default page


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=99999999999999999999999999",
        "limit=",
        "before=yesterday",
        "before=2026-12-07T10:00:00",  # no time zone: which instant is meant?
        "before=2026-13-01T00:00:00Z",
        "before=99999-01-01T00:00:00Z",
        "before=2026-12-07T10:00:00%2B99:00",
        "before=" + "9" * 5000,
        "before=%00",
    ],
)
async def test_hostile_access_log_parameters_are_a_400(client: httpx.AsyncClient, owners: FakeOwners, query: str):
    response = await client.get(f"{ACCESS_LOG}?{query}", headers=GATEWAY_HEADERS)
    assert response.status_code == 400, response.text
    error_code(response)
    assert owners.calls == []


@pytest.mark.parametrize("path", [ACCESS_LOG, EXPORT])
@pytest.mark.parametrize(("headers", "status"), REFUSED_CALLERS)
async def test_only_the_gateway_for_a_teacher_gets_them(
    client: httpx.AsyncClient, owners: FakeOwners, path: str, headers: dict[str, str], status: int
):
    response = await client.get(path, headers=headers)
    assert response.status_code == status
    error_code(response)
    assert owners.calls == []


async def test_the_export_is_the_students_data_and_never_cached(client: httpx.AsyncClient, owners: FakeOwners):
    response = await client.get(EXPORT, headers=GATEWAY_HEADERS)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    export = StudentDataExport.model_validate(response.json())
    assert (str(export.student.student_id), export.exported_by) == (STUDENT, "teacher-1")
    assert {purpose for _, purpose in owners.purposes} == {"export"}


async def test_another_teachers_student_is_a_404_and_a_bad_id_a_400(client: httpx.AsyncClient, owners: FakeOwners):
    owners.behaviour["student_record"] = NOT_FOUND
    missing = await client.get(EXPORT, headers=GATEWAY_HEADERS)
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    malformed = await client.get("/internal/v1/students/not-an-id/export", headers=GATEWAY_HEADERS)
    assert malformed.status_code == 400
    error_code(malformed)


async def test_class_management_down_is_a_503(client: httpx.AsyncClient, owners: FakeOwners):
    owners.behaviour["student_record"] = FAIL
    response = await client.get(EXPORT, headers=GATEWAY_HEADERS)
    assert response.status_code == 503
    error_code(response)
