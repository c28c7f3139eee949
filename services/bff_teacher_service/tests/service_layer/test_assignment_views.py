"""The assignment page composed from fake owners: the last batch found by assignment, gaps and 404s."""

from __future__ import annotations

import asyncio
import copy
from typing import Any
from uuid import UUID

import pytest

from bff_teacher_service.service_layer.assignment_views import LAST_BATCH_SEARCH, AssignmentViews, grade_scales
from common_core.grade_scales import BUILT_IN_SCALES
from common_core.http.examples import example_of
from huleedu_service_libs.errors import DependencyTimeoutError, NotFoundError, ServiceUnavailableError
from services.bff_teacher_service.tests.service_layer import scenario
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, HANG, NOT_FOUND, FakeOwners

TEACHER = "teacher-1"
TIMEOUT_S = 0.2
ASSIGNMENT = UUID("00000000-0000-0000-0000-000000000001")
OTHER_ASSIGNMENT = "00000000-0000-0000-0000-0000000000aa"
NEWER_BATCH = "00000000-0000-0000-0000-0000000000b1"


def listed_batches() -> dict[str, Any]:
    """Newest first: a batch of another assignment, then the scenario's batch, which names this one."""
    page = copy.deepcopy(example_of("BatchListResponse"))
    ours = page["items"][0]
    ours["assignment_id"] = str(ASSIGNMENT)
    newer = {**copy.deepcopy(ours), "batch_id": NEWER_BATCH, "assignment_id": OTHER_ASSIGNMENT}
    page["items"] = [newer, ours]
    page["total"], page["limit"] = 2, LAST_BATCH_SEARCH
    return page


def owners(**behaviour: str) -> FakeOwners:
    detail = scenario.batch_detail()
    detail["batch"]["assignment_id"] = str(ASSIGNMENT)
    return FakeOwners(behaviour, {"batches_completed": listed_batches(), "batch_detail": detail})


def pages(fake: FakeOwners) -> AssignmentViews:
    return AssignmentViews(fake, TIMEOUT_S)


async def test_the_page_has_the_assignment_its_anchors_its_scale_and_the_last_batch_that_used_it():
    fake = owners()
    view = await pages(fake).assignment(TEACHER, ASSIGNMENT)

    assert view.gaps == []
    assert view.assignment.title == "Climate essay"
    assert [a.label for a in view.anchors] == ["anchor-C-1"]
    assert view.grade_scale is not None
    assert view.grade_scale.grades == ["F", "E", "D", "C", "B", "A"]
    assert view.batches_searched == 2
    assert view.last_batch is not None
    # The newer batch used another assignment: the one found is the newest that names this one.
    assert str(view.last_batch.batch.batch_id) == scenario.BATCH_ID
    assert [
        (row.name, row.known_grade, row.grade, row.bt_score, row.standard_error) for row in view.last_batch.anchors
    ] == [("Anchor C1", "C", "C", 0.1, 0.5)]
    assert str(view.last_batch.anchors[0].essay_id) == scenario.ANCHOR
    assert view.last_batch.grade_cut_points[0].lower_grade == "F"
    # Asked for the teacher's completed batches, a full page, and the detail of the one found only.
    assert ("batches_completed", (LAST_BATCH_SEARCH,)) in fake.arguments
    assert ("batch_detail", (UUID(scenario.BATCH_ID),)) in fake.arguments
    assert {user for _, user in fake.calls} == {TEACHER}


async def test_no_batch_has_used_the_assignment_yet():
    fake = owners()
    fake.answers["batches_completed"]["items"][1]["assignment_id"] = None
    view = await pages(fake).assignment(TEACHER, ASSIGNMENT)
    assert view.last_batch is None
    assert view.batches_searched == 2
    assert view.gaps == []
    assert "batch_detail" not in [name for name, _ in fake.calls]


@pytest.mark.parametrize(
    ("failing", "part"), [("anchors", "anchors"), ("batches_completed", "last_batch"), ("batch_detail", "last_batch")]
)
async def test_an_optional_part_that_fails_is_a_named_gap(failing: str, part: str):
    view = await pages(owners(**{failing: FAIL})).assignment(TEACHER, ASSIGNMENT)
    assert [gap.part for gap in view.gaps] == [part]
    assert view.assignment.title == "Climate essay"
    assert (view.anchors == []) == (failing == "anchors")
    assert (view.last_batch is None) == (part == "last_batch")


async def test_parts_are_fetched_at_once_and_a_hang_is_a_gap_after_its_timeout():
    loop = asyncio.get_running_loop()
    started = loop.time()
    view = await pages(owners(anchors=HANG, batches_completed=HANG)).assignment(TEACHER, ASSIGNMENT)
    assert loop.time() - started < TIMEOUT_S * 2
    assert sorted(gap.part for gap in view.gaps) == ["anchors", "last_batch"]
    assert all("did not answer in time" in gap.reason for gap in view.gaps)


async def test_an_assignment_that_is_not_the_teachers_is_a_404():
    with pytest.raises(NotFoundError):
        await pages(owners(assignment=NOT_FOUND)).assignment(TEACHER, ASSIGNMENT)


@pytest.mark.parametrize(("behaviour", "error"), [(FAIL, ServiceUnavailableError), (HANG, DependencyTimeoutError)])
async def test_without_the_assessment_service_the_page_fails(behaviour: str, error: type[Exception]):
    with pytest.raises(error):
        await pages(owners(assignment=behaviour)).assignment(TEACHER, ASSIGNMENT)


def test_grade_scales_are_every_registered_scale_lowest_grade_first():
    scales = {scale.name: scale for scale in grade_scales().scales}
    assert set(scales) == {scale.name for scale in BUILT_IN_SCALES}
    # The grade below the lowest step comes first: it is a grade an anchor or an essay can have.
    assert scales["eng5_np"].grades[:3] == ["F", "F+", "E-"]
    assert scales["swedish_f_a"].display_name == "Swedish F-A"
