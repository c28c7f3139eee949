"""The batch page and the essay page composed from fake owners: names, flags, gaps and 404s."""

from __future__ import annotations

from uuid import UUID

import pytest

from bff_teacher_service.service_layer.batch_views import BatchViews
from huleedu_service_libs.errors import DependencyTimeoutError, NotFoundError, ServiceUnavailableError
from services.bff_teacher_service.tests.service_layer import scenario
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, HANG, NOT_FOUND, FakeOwners

TEACHER = "teacher-1"
BATCH = UUID(scenario.BATCH_ID)


def owners(**behaviour: str) -> FakeOwners:
    return FakeOwners(behaviour, scenario.answers())


def pages(fake: FakeOwners) -> BatchViews:
    return BatchViews(fake, 0.2)


async def test_the_batch_page_names_ranks_and_flags_the_essays_and_lists_the_anchors_apart():
    view = await pages(owners()).batch(TEACHER, BATCH)
    assert view.gaps == []
    assert view.batch.class_name == "9B"
    assert [(row.name, row.rank, row.student_name) for row in view.essays] == [
        ("anna.docx", 1, None),
        # Third on the scale, behind the anchor: second among the students.
        ("Tuva Karlsson", 2, "Tuva Karlsson"),
        ("late.txt", None, None),
    ]
    anna, bo, late = view.essays
    assert anna.grade == "A"
    assert anna.grade_probability == 0.7
    assert anna.flags == ["no_confirmed_student"]
    assert bo.flags == ["low_confidence"]
    assert late.flags == ["not_assessed", "no_confirmed_student"]
    assert [(a.name, a.known_grade, a.rank, a.flags) for a in view.anchors] == [("Anchor C1", "C", None, [])]
    assert view.job is not None
    assert view.job.grade_cut_points[0].lower_grade == "F"


async def test_without_class_management_the_page_has_no_names_and_says_so():
    view = await pages(owners(student_names=FAIL, batch_class_info=FAIL)).batch(TEACHER, BATCH)
    assert sorted(gap.part for gap in view.gaps) == ["class_name", "student_names"]
    assert view.batch.class_name is None
    assert [row.name for row in view.essays] == ["anna.docx", "bo.pdf", "late.txt"]
    # Unknown names are not "unconfirmed": no essay is flagged for a match it may well have.
    assert all("no_confirmed_student" not in row.flags for row in view.essays)


async def test_a_batch_class_management_has_not_registered_yet_has_no_names_and_no_gap():
    view = await pages(owners(student_names=NOT_FOUND)).batch(TEACHER, BATCH)
    assert view.gaps == []
    assert all(row.student_name is None for row in view.essays)


async def test_another_teachers_batch_is_not_found():
    with pytest.raises(NotFoundError):
        await pages(owners(batch_detail=NOT_FOUND)).batch(TEACHER, BATCH)


async def test_without_the_result_aggregator_the_page_fails():
    with pytest.raises(ServiceUnavailableError):
        await pages(owners(batch_detail=FAIL)).batch(TEACHER, BATCH)
    with pytest.raises(DependencyTimeoutError):
        await pages(owners(batch_detail=HANG)).batch(TEACHER, BATCH)


async def test_the_essay_page_has_the_text_and_the_comparisons_from_the_essays_side():
    fake = owners()
    view = await pages(fake).essay(TEACHER, BATCH, UUID(scenario.ANNA))
    assert view.gaps == []
    assert view.text == "Skoluniformer är en dålig idé."
    assert view.essay.grade_probabilities == {"A": 0.7, "B": 0.3}
    [comparison] = view.comparisons
    assert (comparison.opponent_name, comparison.opponent_known_grade) == ("Anchor C1", "C")
    assert (comparison.shown_first, comparison.outcome) == (True, "won")
    assert comparison.justification == "Essay A develops its argument further."
    assert ("text", (scenario.ANNA_TEXT,)) in fake.arguments
    assert ("essay_comparisons", (UUID(scenario.JOB_ID), UUID(scenario.ANNA))) in fake.arguments


async def test_an_essay_page_without_content_or_cj_keeps_the_grades_and_names_both_gaps():
    view = await pages(owners(text=FAIL, essay_comparisons=HANG)).essay(TEACHER, BATCH, UUID(scenario.ANNA))
    assert sorted(gap.part for gap in view.gaps) == ["comparisons", "text"]
    assert (view.text, view.comparisons, view.essay.grade) == (None, [], "A")


async def test_an_anchors_page_has_no_text_and_no_gap_for_it():
    fake = owners()
    view = await pages(fake).essay(TEACHER, BATCH, UUID(scenario.ANCHOR))
    assert (view.text, view.gaps, view.essay.is_anchor) == (None, [], True)
    assert "text" not in [name for name, _ in fake.calls]


async def test_an_essay_outside_the_batch_is_not_found():
    with pytest.raises(NotFoundError):
        await pages(owners()).essay(TEACHER, BATCH, UUID(int=42))
