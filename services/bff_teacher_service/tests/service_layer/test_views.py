"""The composition: parts fetched at once, each bounded; optional failures become named gaps."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from bff_teacher_service.service_layer.views import TeacherViews
from common_core.http.examples import example_of
from huleedu_service_libs.errors import DependencyTimeoutError, ServiceUnavailableError
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, HANG, FakeOwners

TEACHER = "teacher-1"
TIMEOUT_S = 0.2


def views(owners: FakeOwners) -> TeacherViews:
    return TeacherViews(owners, TIMEOUT_S, dashboard_batch_count=10)


async def test_new_batch_options_has_every_part_for_the_teacher():
    owners = FakeOwners()
    options = await views(owners).new_batch_options(TEACHER)
    assert options.gaps == []
    assert [c.name for c in options.classes] == ["9B English"]
    assert options.assignments[0].grade_scale == "swedish_f_a"
    assert options.assignments[0].anchor_count == 0
    assert options.model_catalogue is not None
    assert {user for _, user in owners.calls} == {TEACHER}


@pytest.mark.parametrize(
    ("failing", "part"), [("classes", "classes"), ("assignments", "assignments"), ("model_catalogue", "models")]
)
async def test_a_failed_part_is_a_named_gap_and_the_rest_is_answered(failing: str, part: str):
    options = await views(FakeOwners({failing: FAIL})).new_batch_options(TEACHER)
    assert [gap.part for gap in options.gaps] == [part]
    assert "could not be reached" in options.gaps[0].reason
    answered = {"classes": bool(options.classes), "assignments": bool(options.assignments)}
    answered["model_catalogue"] = options.model_catalogue is not None
    assert answered == {name: name != failing for name in answered}


async def test_a_part_that_hangs_is_a_gap_after_its_timeout_not_a_slow_page():
    loop = asyncio.get_running_loop()
    started = loop.time()
    options = await views(FakeOwners({"classes": HANG})).new_batch_options(TEACHER)
    elapsed = loop.time() - started
    assert [gap.part for gap in options.gaps] == ["classes"]
    assert options.gaps[0].reason == "Class management did not answer in time"
    assert elapsed < TIMEOUT_S * 3


async def test_parts_are_fetched_at_once():
    owners = FakeOwners({"classes": HANG, "assignments": HANG, "model_catalogue": HANG})
    loop = asyncio.get_running_loop()
    started = loop.time()
    options = await views(owners).new_batch_options(TEACHER)
    # Three hanging parts end within about one timeout, not three.
    assert loop.time() - started < TIMEOUT_S * 2
    assert len(options.gaps) == 3


async def test_every_part_failing_is_still_an_answer():
    owners = FakeOwners({"classes": FAIL, "assignments": FAIL, "model_catalogue": FAIL})
    options = await views(owners).new_batch_options(TEACHER)
    assert (options.classes, options.assignments, options.model_catalogue) == ([], [], None)
    assert {gap.part for gap in options.gaps} == {"classes", "assignments", "models"}


async def test_dashboard_names_each_batch_class():
    dashboard = await views(FakeOwners()).dashboard(TEACHER)
    assert dashboard.gaps == []
    assert dashboard.summary.total_batches == 4
    # The examples' batch names a class the class list does not hold: no name, and no gap either.
    assert [b.class_name for b in dashboard.recent_batches] == [None]


async def test_dashboard_without_class_names_marks_the_gap():
    dashboard = await views(FakeOwners({"classes": FAIL})).dashboard(TEACHER)
    assert [gap.part for gap in dashboard.gaps] == ["class_names"]
    assert len(dashboard.recent_batches) == 1


@pytest.mark.parametrize("core", ["user_summary", "recent_batches"])
async def test_dashboard_without_the_result_aggregator_is_unavailable(core: str):
    with pytest.raises(ServiceUnavailableError):
        await views(FakeOwners({core: FAIL})).dashboard(TEACHER)


async def test_dashboard_when_the_result_aggregator_hangs_is_a_timeout():
    with pytest.raises(DependencyTimeoutError):
        await views(FakeOwners({"user_summary": HANG})).dashboard(TEACHER)


def _listed(status: str, essay_count: int, title: str) -> Any:
    page = example_of("BatchListResponse")
    page["items"][0].update(status=status, essay_count=essay_count, title=title, batch_id=str(uuid4()))
    return page


async def test_the_dashboard_lists_failed_then_partial_then_names_to_confirm_then_unstarted_drafts():
    recent = _listed("completed", 8, "Half done")
    recent["items"][0]["result_summary"]["partial"] = True
    owners = FakeOwners(
        answers={
            "batches_failed": _listed("failed", 4, "Essays that failed"),
            "batches_draft": _listed("draft", 12, "Waiting essays"),
            "recent_batches": recent,
        }
    )
    dashboard = await views(owners).dashboard(TEACHER)
    assert [(a.reason, a.title) for a in dashboard.needs_action] == [
        ("failed", "Essays that failed"),
        ("partial", "Half done"),
        ("unconfirmed_matches", None),
        ("not_started", "Waiting essays"),
    ]
    assert dashboard.needs_action[2].detail == "Confirm the students of 9B: 18 suggested, 3 unmatched."
    assert dashboard.needs_action[3].detail == "12 essays uploaded; start the assessment."
    # The facts behind the words, so the dashboard can say them in Swedish too.
    matches = dashboard.needs_action[2]
    assert (matches.class_name, matches.suggested, matches.unmatched) == ("9B", 18, 3)
    assert dashboard.needs_action[3].essay_count == 12
    assert dashboard.needs_action[0].essay_count is None


async def test_an_empty_draft_needs_no_action_and_a_failed_source_is_one_gap():
    owners = FakeOwners(
        {"batches_failed": FAIL, "unconfirmed_matches": FAIL}, {"batches_draft": _listed("draft", 0, "Empty")}
    )
    dashboard = await views(owners).dashboard(TEACHER)
    assert dashboard.needs_action == []
    assert [gap.part for gap in dashboard.gaps] == ["needs_action"]
    assert len(dashboard.recent_batches) == 1


async def test_only_unmatched_essays_of_a_started_batch_are_not_names_to_confirm():
    """Nothing is left to confirm when no essay has a suggestion: a started batch drops out of the
    list; a draft stays, as the teacher may still add those students and match them."""
    draft = _listed("draft", 3, "Still a draft")
    draft_id = draft["items"][0]["batch_id"]
    unmatched_only = example_of("UnconfirmedMatchesPage")
    started = {**unmatched_only["items"][0], "batch_id": str(uuid4()), "suggested": 0, "unmatched": 2}
    drafted = {**unmatched_only["items"][0], "batch_id": draft_id, "suggested": 0, "unmatched": 3}
    unmatched_only["items"] = [started, drafted]
    owners = FakeOwners(answers={"batches_draft": draft, "unconfirmed_matches": unmatched_only})
    dashboard = await views(owners).dashboard(TEACHER)
    names = [a for a in dashboard.needs_action if a.reason == "unconfirmed_matches"]
    assert [str(a.batch_id) for a in names] == [draft_id]
