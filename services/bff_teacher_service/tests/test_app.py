"""The app's edge: only the gateway, for a named teacher; every refusal in the one error body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import ValidationError

from bff_teacher_service.app import create_app
from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.assignment_views import AssignmentViews
from bff_teacher_service.service_layer.views import TeacherViews
from services.bff_teacher_service.tests.live_progress.support import IdleFeed
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, NOT_FOUND, FakeOwners

KEY = "bff-unit-test-key"
GATEWAY_HEADERS = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "teacher-1"}
# Callers every teacher route refuses, with the status each gets: no key, a wrong key, another service, no teacher.
REFUSED_CALLERS = [
    ({}, 401),
    ({**GATEWAY_HEADERS, "X-Internal-API-Key": "wrong"}, 401),
    ({**GATEWAY_HEADERS, "X-Service-ID": "content_service"}, 403),
    ({k: v for k, v in GATEWAY_HEADERS.items() if k != "X-User-ID"}, 401),
]


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners()


@asynccontextmanager
async def served(**views: object) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, its ``app.state`` views replaced by ``views`` (built over fake owners)."""
    app = await create_app(Settings(HULEEDU_INTERNAL_API_KEY=KEY), progress_feed=IdleFeed)
    for name, view in views.items():
        setattr(app.state, name, view)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bff") as client:
            yield client


@pytest.fixture
async def client(owners: FakeOwners) -> AsyncIterator[httpx.AsyncClient]:
    views = TeacherViews(owners, 0.2, dashboard_batch_count=10)
    async with served(views=views, assignment_views=AssignmentViews(owners, 0.2)) as client:
        yield client


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "correlation_id", "service", "details"}
    assert body["error"]["service"] == "bff_teacher_service"
    code: str = body["error"]["code"]
    return code


async def test_the_gateway_gets_the_views_for_the_teacher_it_names(client: httpx.AsyncClient, owners: FakeOwners):
    options = await client.get("/bff/v1/teacher/new-batch/options", headers=GATEWAY_HEADERS)
    dashboard = await client.get("/bff/v1/teacher/dashboard", headers=GATEWAY_HEADERS)
    assert (options.status_code, dashboard.status_code) == (200, 200)
    assert options.json()["gaps"] == []
    assert {user for _, user in owners.calls} == {"teacher-1"}


@pytest.mark.parametrize(("headers", "status"), REFUSED_CALLERS)
async def test_anyone_but_the_gateway_for_a_teacher_is_refused(
    client: httpx.AsyncClient, headers: dict[str, str], status: int
):
    for path in ("/bff/v1/teacher/dashboard", "/bff/v1/teacher/new-batch/options"):
        response = await client.get(path, headers=headers)
        assert response.status_code == status
        error_code(response)


async def test_without_the_key_no_route_or_method_is_revealed(client: httpx.AsyncClient):
    for method, path in [("OPTIONS", "/bff/v1/teacher/dashboard"), ("GET", "/bff/v1/teacher/nope")]:
        response = await client.request(method, path)
        assert response.status_code == 401
        assert "allow" not in response.headers


async def test_unknown_view_and_wrong_method_answer_with_the_error_body(client: httpx.AsyncClient):
    unknown = await client.get("/bff/v1/teacher/nope", headers=GATEWAY_HEADERS)
    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")
    posted = await client.post("/bff/v1/teacher/dashboard", headers=GATEWAY_HEADERS)
    assert posted.status_code == 405
    error_code(posted)


async def test_result_aggregator_down_is_a_503_with_the_error_body(client: httpx.AsyncClient, owners: FakeOwners):
    owners.behaviour["user_summary"] = FAIL
    response = await client.get("/bff/v1/teacher/dashboard", headers=GATEWAY_HEADERS)
    assert response.status_code == 503
    error_code(response)


async def test_the_assignment_page_and_the_grade_scales(client: httpx.AsyncClient, owners: FakeOwners):
    assignment_id = "00000000-0000-0000-0000-000000000001"
    page = await client.get(f"/bff/v1/teacher/assignments/{assignment_id}", headers=GATEWAY_HEADERS)
    assert page.status_code == 200
    assert page.json()["assignment"]["assignment_id"] == assignment_id
    assert ("assignment", "teacher-1") in owners.calls
    scales = await client.get("/bff/v1/teacher/grade-scales", headers=GATEWAY_HEADERS)
    assert scales.status_code == 200
    assert "swedish_f_a" in [scale["name"] for scale in scales.json()["scales"]]
    without_user = {k: v for k, v in GATEWAY_HEADERS.items() if k != "X-User-ID"}
    assert (await client.get("/bff/v1/teacher/grade-scales", headers=without_user)).status_code == 401


async def test_an_assignment_that_is_not_the_teachers_is_a_404_and_a_bad_id_a_400(
    client: httpx.AsyncClient, owners: FakeOwners
):
    owners.behaviour["assignment"] = NOT_FOUND
    missing = await client.get(
        "/bff/v1/teacher/assignments/00000000-0000-0000-0000-000000000001", headers=GATEWAY_HEADERS
    )
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    malformed = await client.get("/bff/v1/teacher/assignments/not-an-id", headers=GATEWAY_HEADERS)
    assert malformed.status_code == 400
    error_code(malformed)


async def test_health_and_metrics_need_no_key(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200


def test_no_default_key_outside_dev_mode(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HULEEDU_INTERNAL_API_KEY", raising=False)
    monkeypatch.delenv("HULEEDU_DEV_MODE", raising=False)
    with pytest.raises(ValidationError):
        Settings()
