"""The owners' adapter: what each call sends, and every kind of failure as an OwnerError."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import httpx
import pytest

from bff_teacher_service.adapters.owners import HttpOwners
from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.ports import OwnerError
from common_core.http.examples import example_of

KEY = "bff-adapter-test-key"


def owners(handler: httpx.MockTransport) -> HttpOwners:
    return HttpOwners(httpx.AsyncClient(transport=handler), Settings(HULEEDU_INTERNAL_API_KEY=KEY))


async def test_each_call_carries_the_key_the_bff_and_the_teacher():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example_of("BatchListResponse"))

    page = await owners(httpx.MockTransport(answer)).recent_batches("teacher/1", 10)
    assert page.total == 1
    request = seen[0]
    assert request.url.raw_path == b"/internal/v1/users/teacher%2F1/batches?limit=10"
    assert request.url.params["limit"] == "10"
    assert request.headers["X-Internal-API-Key"] == KEY
    assert request.headers["X-Service-ID"] == "bff_teacher_service"
    assert request.headers["X-User-ID"] == "teacher/1"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda _: httpx.Response(500, json={}), "answered with status 500"),
        (lambda _: httpx.Response(200, json={"classes": "no"}), "gave an answer outside its contract"),
        (lambda _: httpx.Response(200, content=b"<html>"), "gave an answer outside its contract"),
    ],
)
async def test_an_unusable_answer_is_an_owner_error(answer: Callable[[httpx.Request], httpx.Response], reason: str):
    with pytest.raises(OwnerError) as raised:
        await owners(httpx.MockTransport(answer)).classes("teacher-1")
    assert raised.value.owner == "Class management"
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("error", "reason"),
    [(httpx.ConnectError("refused"), "could not be reached"), (httpx.ReadTimeout("slow"), "did not answer in time")],
)
async def test_no_answer_is_an_owner_error(error: Exception, reason: str):
    def answer(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(OwnerError) as raised:
        await owners(httpx.MockTransport(answer)).model_catalogue("teacher-1")
    assert raised.value.reason == reason


async def test_the_assignment_and_its_anchors_are_asked_of_cj_for_the_teacher():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json=example_of("AnchorList" if request.url.path.endswith("/anchors") else "AssignmentView")
        )

    adapter = owners(httpx.MockTransport(answer))
    assignment_id = UUID("00000000-0000-0000-0000-000000000001")
    assignment = await adapter.assignment("teacher-1", assignment_id)
    anchors = await adapter.anchors("teacher-1", assignment_id)
    assert assignment.assignment_id == assignment_id
    assert [anchor.label for anchor in anchors.anchors] == ["anchor-C-1"]
    assert [(r.url.host, r.url.port, r.url.path) for r in seen] == [
        ("127.0.0.1", 8004, f"/v1/assignments/{assignment_id}"),
        ("127.0.0.1", 8004, f"/v1/assignments/{assignment_id}/anchors"),
    ]
    assert all(r.headers["X-User-ID"] == "teacher-1" for r in seen)
