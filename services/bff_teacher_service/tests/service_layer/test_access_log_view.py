"""The access log merged from the four owners: newest first, cut to the limit, a failed owner named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bff_teacher_service.service_layer.access_views import ACCESS_LOG_OWNERS, AccessLogViews
from bff_teacher_service.service_layer.ports import CJ_ASSESSMENT, CLASS_MANAGEMENT, CONTENT, RESULT_AGGREGATOR
from common_core.http.examples import example_of
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, HANG, NOT_FOUND, FakeOwners

TEACHER = "teacher-1"
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SERVICE = {
    CONTENT: "content_service",
    CLASS_MANAGEMENT: "class_management_service",
    CJ_ASSESSMENT: "cj_assessment_service",
    RESULT_AGGREGATOR: "result_aggregator_service",
}


def page(owner: str, *minutes_before_noon: int) -> Any:
    """The owner's log: one entry per given minute before noon, newest first, honouring ``limit`` and ``before``."""

    def answer(limit: int, before: datetime | None) -> dict[str, Any]:
        template = example_of("AccessLogPage")["entries"][0]
        times = sorted((NOON - timedelta(minutes=m) for m in minutes_before_noon), reverse=True)
        times = [t for t in times if before is None or t < before][:limit]
        entries = [
            {**template, "occurred_at": t.isoformat(), "recorded_by": SERVICE[owner], "subject_id": f"{owner}-{t:%M}"}
            for t in times
        ]
        return {"entries": entries}

    return answer


def owners(**behaviour: str) -> FakeOwners:
    return FakeOwners(
        behaviour=behaviour,
        answers={
            f"access_log:{CONTENT}": page(CONTENT, 1, 4, 7),
            f"access_log:{CLASS_MANAGEMENT}": page(CLASS_MANAGEMENT, 2, 8),
            f"access_log:{CJ_ASSESSMENT}": page(CJ_ASSESSMENT, 3),
            f"access_log:{RESULT_AGGREGATOR}": page(RESULT_AGGREGATOR, 5, 6, 9),
        },
    )


def minutes(view: Any) -> list[int]:
    return [int((NOON - entry.occurred_at).total_seconds() // 60) for entry in view.entries]


async def test_the_owners_logs_are_merged_newest_first_and_cut_to_the_limit():
    fake = owners()
    view = await AccessLogViews(fake, 0.2).access_log(TEACHER, 5, None)

    assert minutes(view) == [1, 2, 3, 4, 5]
    assert [e.recorded_by for e in view.entries] == [
        "content_service",
        "class_management_service",
        "cj_assessment_service",
        "content_service",
        "result_aggregator_service",
    ]
    assert view.gaps == []
    # Each owner is asked, for the teacher, for as many entries as the page holds.
    asked = {name.split(":", 1)[1]: args for name, args in fake.arguments}
    assert set(asked) == set(ACCESS_LOG_OWNERS)
    assert set(asked.values()) == {(5, None)}
    assert {user for _, user in fake.calls} == {TEACHER}


async def test_the_next_page_starts_before_the_last_entry_and_misses_nothing():
    views = AccessLogViews(owners(), 0.2)
    first = await views.access_log(TEACHER, 4, None)
    second = await views.access_log(TEACHER, 4, first.entries[-1].occurred_at)
    third = await views.access_log(TEACHER, 4, second.entries[-1].occurred_at)

    assert minutes(first) + minutes(second) + minutes(third) == list(range(1, 10))


async def test_an_owner_that_fails_or_hangs_is_named_and_the_rest_is_answered():
    fake = owners(**{f"access_log:{CONTENT}": FAIL, f"access_log:{CJ_ASSESSMENT}": HANG})
    view = await AccessLogViews(fake, 0.2).access_log(TEACHER, 50, None)

    assert view.gaps == ["content_service", "cj_assessment_service"]
    assert minutes(view) == [2, 5, 6, 8, 9]


async def test_an_owner_without_the_route_is_a_gap_too():
    view = await AccessLogViews(owners(**{f"access_log:{RESULT_AGGREGATOR}": NOT_FOUND}), 0.2).access_log(
        TEACHER, 50, None
    )
    assert view.gaps == ["result_aggregator_service"]


async def test_entries_of_the_same_instant_keep_one_order():
    fake = owners()
    for owner in ACCESS_LOG_OWNERS:
        fake.answers[f"access_log:{owner}"] = page(owner, 1)
    first = await AccessLogViews(fake, 0.2).access_log(TEACHER, 50, None)
    assert [e.recorded_by for e in first.entries] == sorted(SERVICE.values())
