"""The owners' adapter: what each call sends, and every kind of failure as an OwnerError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from uuid import UUID

import httpx
import pytest

from bff_teacher_service.adapters.owners import HttpOwners
from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.ports import (
    CJ_ASSESSMENT,
    CLASS_MANAGEMENT,
    CONTENT,
    RESULT_AGGREGATOR,
    OwnerError,
)
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


STUDENT = UUID("6f1c1e1a-8a44-4b7e-9c35-1a6f7f0e2b11")
BATCH = UUID("00000000-0000-0000-0000-000000000001")
JOB = UUID("00000000-0000-0000-0000-000000000007")
EXAMPLE_BY_PATH_END = {
    "/record": "StudentRecord",
    "/history": "BatchHistoryResponse",
    "/essays": "EssayList",
    "/comparisons": "EssayComparisons",
    "/access-log": "AccessLogPage",
}


def answering_examples(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.startswith("/internal/v1/texts/"):
            return httpx.Response(200, json=example_of("StoredText"))
        ending = next((end for end in EXAMPLE_BY_PATH_END if path.endswith(end)), None)
        return httpx.Response(200, json=example_of(EXAMPLE_BY_PATH_END[ending] if ending else "BatchDetailResponse"))

    return httpx.MockTransport(answer)


async def the_exports_calls(adapter: HttpOwners) -> None:
    await adapter.student_record("teacher-1", STUDENT)
    await adapter.batch_detail("teacher-1", BATCH)
    await adapter.batch_history("teacher-1", BATCH)
    await adapter.batch_essays("teacher-1", BATCH)
    await adapter.text("teacher-1", "a" * 64)
    await adapter.essay_comparisons("teacher-1", JOB, STUDENT)


async def test_the_exporting_adapter_says_export_on_every_call_and_the_plain_one_never():
    exported: list[httpx.Request] = []
    await the_exports_calls(owners(answering_examples(exported)).exporting())
    plain: list[httpx.Request] = []
    await the_exports_calls(owners(answering_examples(plain)))

    assert [(r.url.port, r.url.path) for r in exported] == [
        (8003, f"/internal/v1/students/{STUDENT}/record"),
        (8006, f"/internal/v1/batches/{BATCH}"),
        (8006, f"/internal/v1/batches/{BATCH}/history"),
        (8002, f"/v1/batches/{BATCH}/essays"),
        (8002, f"/internal/v1/texts/{'a' * 64}"),
        (8004, f"/internal/v1/jobs/{JOB}/essays/{STUDENT}/comparisons"),
    ]
    assert [r.headers.get("X-Access-Purpose") for r in exported] == ["export"] * 6
    assert all(r.headers["X-User-ID"] == "teacher-1" and r.headers["X-Internal-API-Key"] == KEY for r in exported)
    assert [r.headers.get("X-Access-Purpose") for r in plain] == [None] * 6


async def test_each_owners_access_log_is_asked_for_the_teacher_with_the_page_wanted():
    seen: list[httpx.Request] = []
    adapter = owners(answering_examples(seen))
    before = datetime(2026, 12, 7, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    for owner in (CONTENT, CLASS_MANAGEMENT, CJ_ASSESSMENT, RESULT_AGGREGATOR):
        page = await adapter.access_log("teacher/1", owner, 20, before if owner == CONTENT else None)
        assert page.entries[0].recorded_by == "content_service"  # the example's
    assert [r.url.port for r in seen] == [8002, 8003, 8004, 8006]
    assert {r.url.raw_path.split(b"?")[0] for r in seen} == {b"/internal/v1/users/teacher%2F1/access-log"}
    assert [dict(r.url.params) for r in seen] == [
        {"limit": "20", "before": "2026-12-07T10:00:00+01:00"},
        {"limit": "20"},
        {"limit": "20"},
        {"limit": "20"},
    ]
    assert b"before=2026-12-07T10%3A00%3A00%2B01%3A00" in seen[0].url.raw_path  # the + is not a space


async def test_the_account_lookup_posts_the_email_and_needs_the_stored_one_back():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user_id": "00000000-0000-0000-0000-0000000000aa", "email": "ann@x.org"})

    found = await owners(httpx.MockTransport(answer)).lookup_account("teacher-1", "Ann@X.org")
    assert (str(found.user_id), found.email) == ("00000000-0000-0000-0000-0000000000aa", "ann@x.org")
    assert (seen[0].method, seen[0].url.path) == ("POST", "/internal/v1/users/lookup")
    assert seen[0].content == b'{"email":"Ann@X.org"}'

    # An answer without the email (the contract before it had one) is unusable: the BFF would have no label.
    def id_only(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"user_id": "00000000-0000-0000-0000-0000000000aa"})

    with pytest.raises(OwnerError) as raised:
        await owners(httpx.MockTransport(id_only)).lookup_account("teacher-1", "ann@x.org")
    assert (raised.value.owner, raised.value.reason) == (CLASS_MANAGEMENT, "gave an answer outside its contract")
