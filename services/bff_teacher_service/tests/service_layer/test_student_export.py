"""The student data export composed from fake owners: only the student's essays, each comparison from
the essay's side with no trace of the other essay, every call an export, and each failing owner a gap.

Anna (essay 3 of the scenario batch) is the student; Bo (essay 5) is another student in the same batch,
and essay 4 an anchor. Anna was assessed twice: the current job (7) and an earlier one (6).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from typing import Any
from uuid import UUID

import pytest

from bff_teacher_service.service_layer.student_export import MAX_CALLS_AT_ONCE, StudentExports
from common_core.http.examples import example_of
from huleedu_service_libs.errors import DependencyTimeoutError, NotFoundError, ServiceUnavailableError
from services.bff_teacher_service.tests.service_layer import scenario
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, HANG, NOT_FOUND, FakeOwners

TEACHER = "teacher-1"
STUDENT = UUID("6f1c1e1a-8a44-4b7e-9c35-1a6f7f0e2b11")
EARLIER_JOB = "00000000-0000-0000-0000-000000000006"
SECOND_BATCH = "00000000-0000-0000-0000-0000000000b2"
ANNA_IN_SECOND_BATCH = "00000000-0000-0000-0000-0000000000a2"
BO_TEXT_REF = "b" * 64
BO_TEXT = "Bo's own words, which are not Anna's to take."
TIMEOUT_S = 0.2


def record(*essays: tuple[str, str, str]) -> dict[str, Any]:
    answer = copy.deepcopy(example_of("StudentRecord"))
    answer["student"]["student_id"] = str(STUDENT)
    answer["essays"] = [{"batch_id": b, "essay_id": e, "filename": f} for b, e, f in essays]
    return answer


def essay_list(batch_id: UUID) -> dict[str, Any]:
    template = example_of("EssayList")["items"][0]
    items = [
        {**template, "essay_id": scenario.ANNA, "filename": "anna.docx", "text_ref": scenario.ANNA_TEXT},
        {**template, "essay_id": scenario.BO, "filename": "bo.pdf", "text_ref": BO_TEXT_REF},
    ]
    if str(batch_id) == SECOND_BATCH:
        items = [{**template, "essay_id": ANNA_IN_SECOND_BATCH, "filename": "anna-2.docx", "text_ref": "c" * 64}]
    return {"batch_id": str(batch_id), "items": items}


def text(ref: str) -> dict[str, Any]:
    content = {scenario.ANNA_TEXT: "Skoluniformer är en dålig idé.", BO_TEXT_REF: BO_TEXT}.get(ref, "Another text.")
    return {**example_of("StoredText"), "text_id": ref, "content": content}


def comparisons(job_id: UUID, essay_id: UUID) -> dict[str, Any]:
    """From the essay's side: a win over Bo, a loss to the anchor, a failed call, a planned and an abandoned pair."""
    template = example_of("EssayComparisons")["comparisons"][0]
    rows = [
        {**template, "opponent_essay_id": scenario.BO, "won": True, "justification": "Clearer argument."},
        {
            **template,
            "opponent_essay_id": scenario.ANCHOR,
            "opponent_is_anchor": True,
            "side": "B",
            "won": False,
            "justification": "The anchor uses evidence better.",
        },
        {**template, "opponent_essay_id": scenario.BO, "status": "failed", "won": None, "justification": None},
        {**template, "opponent_essay_id": scenario.BO, "status": "planned", "won": None, "answered_at": None},
        {**template, "opponent_essay_id": scenario.BO, "status": "abandoned", "won": None, "answered_at": None},
    ]
    rows = [{**row, "pair_id": str(UUID(int=i + 1))} for i, row in enumerate(rows)]
    if str(job_id) == EARLIER_JOB:
        rows = rows[:1]
    return {"job_id": str(job_id), "essay_id": str(essay_id), "is_anchor": False, "comparisons": rows}


def history(batch_id: UUID) -> dict[str, Any]:
    answer = copy.deepcopy(example_of("BatchHistoryResponse"))
    answer["batch_id"] = str(batch_id)
    return answer


def batch_detail(batch_id: UUID) -> dict[str, Any]:
    detail = scenario.batch_detail()
    detail["batch"]["batch_id"] = str(batch_id)
    return detail


def owners(**behaviour: str) -> FakeOwners:
    return FakeOwners(
        behaviour=behaviour,
        answers={
            "student_record": record((scenario.BATCH_ID, scenario.ANNA, "anna-cms.docx")),
            "batch_detail": batch_detail,
            "batch_history": history,
            "batch_essays": essay_list,
            "text": text,
            "essay_comparisons": comparisons,
        },
    )


def export(fake: FakeOwners) -> StudentExports:
    return StudentExports(fake, TIMEOUT_S)


def called(fake: FakeOwners, name: str) -> list[tuple[Any, ...]]:
    return [args for call, args in fake.arguments if call == name]


async def test_the_export_holds_the_student_and_their_essay_with_its_text_result_and_judgements():
    fake = owners()
    found = await export(fake).export(TEACHER, STUDENT)

    assert (found.schema_version, found.exported_by, found.gaps) == (1, TEACHER, [])
    assert (found.student.student_id, found.student.first_name) == (STUDENT, "Astrid")
    assert [c.name for c in found.student.classes] == ["9B"]
    [essay] = found.essays
    assert (str(essay.essay_id), str(essay.batch_id)) == (scenario.ANNA, scenario.BATCH_ID)
    assert (essay.batch_title, essay.file_name) == ("Argumentative essays", "anna.docx")
    assert essay.uploaded_at is not None
    assert essay.uploaded_at.isoformat() == "2026-11-30T12:01:00+00:00"
    assert essay.text == "Skoluniformer är en dålig idé."
    assert essay.result is not None
    assert (essay.result.rank, essay.result.score, essay.result.standard_error) == (1, 1.2, 0.4)
    assert (essay.result.grade, essay.result.confidence) == ("A", "medium")
    assert essay.result.grade_probabilities == {"A": 0.7, "B": 0.3}
    # The current job's judged comparisons, then the earlier job's; planned and abandoned pairs judged nothing.
    assert [(c.other_essay_id, c.outcome, c.justification) for c in essay.comparisons] == [
        (scenario.BO, "won", "Clearer argument."),
        (scenario.ANCHOR, "lost", "The anchor uses evidence better."),
        (scenario.BO, "error", None),
        (scenario.BO, "won", "Clearer argument."),
    ]
    assert sorted(str(args[0]) for args in called(fake, "essay_comparisons")) == [EARLIER_JOB, scenario.JOB_ID]


async def test_only_the_students_essays_are_exported_and_nothing_of_the_other_essays():
    fake = owners()
    found = await export(fake).export(TEACHER, STUDENT)

    assert [str(e.essay_id) for e in found.essays] == [scenario.ANNA]
    assert called(fake, "text") == [(scenario.ANNA_TEXT,)]
    assert {str(args[1]) for args in called(fake, "essay_comparisons")} == {scenario.ANNA}
    document = found.model_dump_json()
    # Bo appears as an opponent's id, never with his text, file or name.
    assert BO_TEXT not in document
    assert "bo.pdf" not in document
    assert "Tuva" not in document
    assert set(json.loads(document)["essays"][0]["comparisons"][0]) == {
        "assessment_job_id",
        "other_essay_id",
        "outcome",
        "justification",
        "judged_at",
    }


async def test_every_owner_call_says_it_is_for_an_export():
    fake = owners()
    await export(fake).export(TEACHER, STUDENT)

    names = {name for name, _ in fake.purposes}
    assert names == {"student_record", "batch_detail", "batch_history", "batch_essays", "text", "essay_comparisons"}
    assert {purpose for _, purpose in fake.purposes} == {"export"}
    assert {user for _, user in fake.calls} == {TEACHER}


async def test_essays_in_two_batches_ask_each_batchs_owners_once():
    fake = owners()
    fake.answers["student_record"] = record(
        (scenario.BATCH_ID, scenario.ANNA, "anna.docx"), (SECOND_BATCH, ANNA_IN_SECOND_BATCH, "anna-2.docx")
    )
    found = await export(fake).export(TEACHER, STUDENT)

    assert [str(e.essay_id) for e in found.essays] == [scenario.ANNA, ANNA_IN_SECOND_BATCH]
    assert [e.file_name for e in found.essays] == ["anna.docx", "anna-2.docx"]
    assert sorted(str(args[0]) for args in called(fake, "batch_detail")) == [scenario.BATCH_ID, SECOND_BATCH]
    assert len(called(fake, "batch_essays")) == 2
    # The second batch's results do not hold the essay (the scenario's detail), so it has none.
    assert found.essays[1].result is None


@pytest.mark.parametrize(
    ("behaviour", "raised"),
    [(NOT_FOUND, NotFoundError), (FAIL, ServiceUnavailableError), (HANG, DependencyTimeoutError)],
)
async def test_without_class_managements_record_there_is_no_export(behaviour: str, raised: type[Exception]):
    fake = owners(student_record=behaviour)
    with pytest.raises(raised):
        await export(fake).export(TEACHER, STUDENT)
    assert [name for name, _ in fake.calls] == ["student_record"]


async def test_the_result_aggregator_down_is_a_gap_and_leaves_out_results_and_comparisons():
    fake = owners(batch_detail=FAIL, batch_history=FAIL)
    found = await export(fake).export(TEACHER, STUDENT)

    assert found.gaps == ["result_aggregator_service"]
    [essay] = found.essays
    assert (essay.batch_title, essay.result, essay.comparisons) == (None, None, [])
    # Content answered: the text and the upload are still there.
    assert (essay.text, essay.file_name) == ("Skoluniformer är en dålig idé.", "anna.docx")
    # Without the batch's jobs there is nothing to ask CJ about.
    assert called(fake, "essay_comparisons") == []


async def test_cj_down_is_a_gap_and_leaves_out_the_comparisons_only():
    found = await export(owners(essay_comparisons=FAIL)).export(TEACHER, STUDENT)

    assert found.gaps == ["cj_assessment_service"]
    [essay] = found.essays
    assert essay.comparisons == []
    assert essay.result is not None
    assert essay.text is not None


async def test_content_down_is_a_gap_and_the_file_name_and_upload_time_come_from_the_others():
    found = await export(owners(batch_essays=FAIL)).export(TEACHER, STUDENT)

    assert found.gaps == ["content_service"]
    [essay] = found.essays
    assert essay.text is None
    assert essay.file_name == "anna-cms.docx"  # class management's record
    assert essay.uploaded_at is not None
    assert essay.uploaded_at.isoformat() == "2026-11-30T09:05:00+00:00"


async def test_a_part_the_owner_no_longer_holds_is_missing_without_a_gap():
    found = await export(owners(text=NOT_FOUND, essay_comparisons=NOT_FOUND)).export(TEACHER, STUDENT)

    assert found.gaps == []
    [essay] = found.essays
    assert (essay.text, essay.comparisons) == (None, [])


async def test_a_student_without_essays_asks_no_one_else():
    fake = owners()
    fake.answers["student_record"] = record()
    found = await export(fake).export(TEACHER, STUDENT)

    assert (found.essays, found.gaps) == ([], [])
    assert [name for name, _ in fake.calls] == ["student_record"]


@dataclasses.dataclass
class CountingOwners(FakeOwners):
    """Owners that take a moment to answer and count the calls in flight (shared with ``exporting()``)."""

    in_flight: dict[str, int] = dataclasses.field(default_factory=lambda: {"now": 0, "most": 0})

    async def _answer(self, name: str, user_id: str, example: str, *args: Any) -> Any:
        self.in_flight["now"] += 1
        self.in_flight["most"] = max(self.in_flight["most"], self.in_flight["now"])
        try:
            await asyncio.sleep(0.01)
            return await super()._answer(name, user_id, example, *args)
        finally:
            self.in_flight["now"] -= 1


async def test_many_essays_are_asked_for_a_few_calls_at_a_time_and_a_hanging_owner_only_once_over():
    essays = [(scenario.BATCH_ID, str(UUID(int=1000 + i)), f"essay-{i}.txt") for i in range(30)]
    fake = CountingOwners(behaviour={"essay_comparisons": HANG}, answers=owners().answers)
    fake.answers["student_record"] = record(*essays)
    found = await export(fake).export(TEACHER, STUDENT)

    assert len(found.essays) == 30
    assert found.gaps == ["cj_assessment_service"]
    assert fake.in_flight["most"] <= MAX_CALLS_AT_ONCE
    # 60 comparison calls were due (30 essays, 2 jobs); once CJ had timed out, the rest were not made,
    # so the export waited out one timeout rather than one for every slot's worth of calls.
    assert 1 <= len(called(fake, "essay_comparisons")) <= MAX_CALLS_AT_ONCE
