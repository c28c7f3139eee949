"""The internal queries against the real database: pagination, filters, search, summary, ownership, auth."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common_core.events.cj_assessment import JobUsage
from common_core.llm import LLMProvider

NOW = datetime.now(UTC)
CALLER_HEADERS = {"X-Internal-API-Key": "ras-test-key", "X-Service-ID": "bff_teacher_service"}


async def _teacher_with_batches(query_service, user_id: str, count: int) -> list:
    """``count`` batches, newest last; every third completed, every fourth failed, the rest drafts."""
    stories = []
    for n in range(count):
        story = query_service.story(
            user_id, title=f"Batch {n:02d}" + (" 100%_done" if n == 5 else ""), created=NOW - timedelta(hours=count - n)
        )
        await query_service.fold(story.registered(), story.uploaded(0), story.uploaded(1))
        job_id = uuid.uuid4()
        if n % 3 == 0:
            await query_service.fold(
                story.progress(job_id, "comparing", 40.0, minutes=5),
                story.results(job_id, minutes=9),
                story.completed(job_id, minutes=9),
            )
        elif n % 4 == 0:
            await query_service.fold(story.failed(job_id, minutes=5))
        stories.append(story)
    return stories


async def test_pages_are_newest_first_with_a_total_and_bounds(query_service):
    stories = await _teacher_with_batches(query_service, "teacher-pages", 25)
    await _teacher_with_batches(query_service, "someone-else", 3)
    newest_first = [str(s.batch_id) for s in reversed(stories)]

    seen = []
    for offset in (0, 10, 20):
        status, page = await query_service.get("/internal/v1/users/teacher-pages/batches", limit=10, offset=offset)
        assert status == 200
        assert page["total"] == 25
        assert (page["limit"], page["offset"]) == (10, offset)
        seen += [item["batch_id"] for item in page["items"]]
    assert seen == newest_first

    status, past_the_end = await query_service.get("/internal/v1/users/teacher-pages/batches", offset=25)
    assert (status, past_the_end["items"], past_the_end["total"]) == (200, [], 25)
    status, default_page = await query_service.get("/internal/v1/users/teacher-pages/batches")
    assert len(default_page["items"]) == 20
    status, full = await query_service.get("/internal/v1/users/teacher-pages/batches", limit=100)
    assert len(full["items"]) == 25
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}):
        status, body = await query_service.get("/internal/v1/users/teacher-pages/batches", **bad)
        assert status == 400, bad
        assert body["error"]["code"] == "VALIDATION_ERROR"
    status, nobody = await query_service.get("/internal/v1/users/nobody/batches")
    assert (status, nobody["total"], nobody["items"]) == (200, 0, [])


async def test_status_filters_and_title_search(query_service):
    stories = await _teacher_with_batches(query_service, "teacher-filters", 12)
    completed = {str(s.batch_id) for n, s in enumerate(stories) if n % 3 == 0}
    failed = {str(s.batch_id) for n, s in enumerate(stories) if n % 3 and n % 4 == 0}
    url = "/internal/v1/users/teacher-filters/batches"

    _, page = await query_service.get(url, status="completed")
    assert {i["batch_id"] for i in page["items"]} == completed
    assert page["total"] == len(completed)
    assert all(i["status"] == "completed" and i["result_summary"] for i in page["items"])
    _, page = await query_service.get(url, status="completed,failed")
    assert {i["batch_id"] for i in page["items"]} == completed | failed
    teacher = {**CALLER_HEADERS, "X-User-ID": "teacher-filters"}
    response = await query_service.client.get(url + "?status=failed&status=draft", headers=teacher)
    body = await response.get_json()
    assert body["total"] == 12 - len(completed)
    status, body = await query_service.get(url, status="pending")
    assert status == 400
    assert "pending" in body["error"]["message"]

    _, page = await query_service.get(url, q="batch 1")
    assert sorted(i["title"] for i in page["items"]) == ["Batch 10", "Batch 11"]
    # LIKE wildcards in q are literal characters, not patterns.
    _, page = await query_service.get(url, q="100%_")
    assert [i["title"] for i in page["items"]] == ["Batch 05 100%_done"]
    _, page = await query_service.get(url, q="%")
    assert page["total"] == 1
    _, page = await query_service.get(url, q="batch", status="failed")
    assert {i["batch_id"] for i in page["items"]} == failed


async def test_summary_counts_every_status_and_this_terms_essays(query_service):
    stories = await _teacher_with_batches(query_service, "teacher-summary", 7)
    status, summary = await query_service.get("/internal/v1/users/teacher-summary/summary")
    assert status == 200
    assert summary["counts_by_status"] == {
        "draft": 3,
        "assessment_requested": 0,
        "assessing": 0,
        "completed": 3,
        "failed": 1,
    }
    assert summary["total_batches"] == 7
    # Completed in November 2026 (the stories' fixed clock), so inside the term only if the term started before.
    term_start = datetime.fromisoformat(summary["term_start"])
    expected = 3 * 3 if stories[0].at(9) >= term_start else 0
    assert summary["essays_assessed_this_term"] == expected
    _, empty = await query_service.get("/internal/v1/users/nobody/summary")
    assert empty["total_batches"] == 0
    assert set(empty["counts_by_status"].values()) == {0}


async def test_summary_adds_llm_spend_for_this_month_and_term(query_service):
    """Completed and failed assessments both cost; an assessment's month is the one it ended in."""
    now = datetime.now(UTC)
    month_start = datetime(now.year, now.month, 1, tzinfo=UTC)
    teacher = "teacher-spend"

    def usage(calls: int, cost: float) -> JobUsage:
        return JobUsage(
            provider=LLMProvider.OPENAI,
            model="gpt",
            llm_calls=calls,
            input_tokens=calls * 1000,
            output_tokens=calls * 50,
            cost_usd=cost,
            unreported=0,
        )

    recent = now - timedelta(minutes=30)
    # Ended last month: after ``created`` plus the event's minutes, still before this month began.
    earlier = month_start - timedelta(days=2)
    plan = [
        (recent, "completed", usage(10, 0.25)),
        (recent, "failed", usage(3, 0.05)),
        (recent, "completed", None),  # from a CJ that predates usage: counted as unknown, not as 0
        (earlier, "completed", usage(100, 2.0)),
    ]
    for created, outcome, spent in plan:
        story = query_service.story(teacher, created=created)
        job_id = uuid.uuid4()
        ending = (
            story.completed(job_id, 9, usage=spent) if outcome == "completed" else story.failed(job_id, 9, usage=spent)
        )
        await query_service.fold(story.registered(), story.progress(job_id, "comparing", 50.0, minutes=5), ending)
    other = query_service.story("teacher-other", created=recent)
    await query_service.fold(other.registered(), other.completed(uuid.uuid4(), 9, usage=usage(7, 9.0)))

    _, summary = await query_service.get(f"/internal/v1/users/{teacher}/summary")
    assert summary["month_start"] == month_start.isoformat().replace("+00:00", "Z")
    assert summary["spend_this_month"] == {
        "assessments": 3,
        "llm_calls": 13,
        "input_tokens": 13_000,
        "output_tokens": 650,
        "cost_usd": 0.3,
        "assessments_without_usage": 1,
    }
    term = summary["spend_this_term"]
    term_start = datetime.fromisoformat(summary["term_start"])
    last_month_in_term = earlier + timedelta(minutes=9) >= term_start
    assert term["assessments"] == (4 if last_month_in_term else 3)
    assert term["cost_usd"] == pytest.approx(2.3 if last_month_in_term else 0.3)


async def test_another_users_batch_is_not_found_on_every_route(query_service):
    [story] = await _teacher_with_batches(query_service, "owner", 1)
    for path in (f"/internal/v1/batches/{story.batch_id}", f"/internal/v1/batches/{story.batch_id}/history"):
        status, _ = await query_service.get(path, user="owner")
        assert status == 200
        status, body = await query_service.get(path, user="intruder")
        assert status == 404
        assert body["error"]["code"] == "NOT_FOUND"
        status, _ = await query_service.get(path)
        assert status == 401
    for unknown in (uuid.uuid4(), "not-a-uuid"):
        status, _ = await query_service.get(f"/internal/v1/batches/{unknown}", user="owner")
        assert status == 404


LIST, SUMMARY = "/internal/v1/users/u/batches", "/internal/v1/users/u/summary"
DETAIL = f"/internal/v1/batches/{uuid.uuid4()}"
HISTORY = f"/internal/v1/batches/{uuid.uuid4()}/history"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, dict.fromkeys((LIST, SUMMARY, DETAIL, HISTORY), 401)),
        (
            {"X-Internal-API-Key": "wrong", "X-Service-ID": "bff_teacher_service"},
            dict.fromkeys((LIST, SUMMARY, DETAIL, HISTORY), 401),
        ),
        (
            {"X-Internal-API-Key": "ras-test-key", "X-Service-ID": "content_service"},
            dict.fromkeys((LIST, SUMMARY, DETAIL, HISTORY), 403),
        ),
        # Let through: the unknown batches are then simply not found.
        (
            {"X-Internal-API-Key": "ras-test-key", "X-Service-ID": "api_gateway_service", "X-User-ID": "u"},
            {LIST: 200, SUMMARY: 200, DETAIL: 404, HISTORY: 404},
        ),
    ],
    ids=["no-key", "wrong-key", "caller-not-allowed", "gateway-allowed"],
)
async def test_every_query_needs_the_internal_key_and_an_allowed_caller(query_service, headers, expected):
    for path, status in expected.items():
        response = await query_service.client.get(path, headers=headers)
        assert response.status_code == status, path
