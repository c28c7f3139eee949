"""The exports composed: every page of comparisons, the job's settings, a missing part named in the file, and the
agreement report's CSV."""

from __future__ import annotations

import copy
import csv
import io
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook

from bff_teacher_service.service_layer.batch_views import BatchViews
from bff_teacher_service.service_layer.exports import Exports
from bff_teacher_service.service_layer.ports import OwnerReply
from common_core.http.cj_assessment import MAX_COMPARISON_PAGE
from common_core.http.examples import example_of
from huleedu_service_libs.errors import NotFoundError, ServiceUnavailableError
from services.bff_teacher_service.tests.service_layer import scenario
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, NOT_FOUND, FakeOwners

TEACHER = "teacher-1"
BATCH = UUID(scenario.BATCH_ID)


def exports(fake: FakeOwners) -> Exports:
    return Exports(BatchViews(fake, 0.2), fake, 0.2)


def paged(total: int) -> Any:
    def page(_job: UUID, limit: int, offset: int) -> dict[str, Any]:
        answer = copy.deepcopy(scenario.answers()["job_comparisons"])
        template = answer["comparisons"][0]
        answer["comparisons"] = [
            {**template, "pair_id": str(UUID(int=i + 1)), "wave": i // 100}
            for i in range(offset, min(offset + limit, total))
        ]
        answer.update(total=total, limit=limit, offset=offset)
        return answer

    return page


async def test_the_csv_has_one_row_per_student_essay_and_a_download_name():
    export = await exports(FakeOwners(answers=scenario.answers())).csv(TEACHER, BATCH)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r[0] or r[1] for r in rows[1:]] == ["anna.docx", "Tuva Karlsson", "late.txt"]
    assert export.content_disposition.startswith('attachment; filename="Argumentative_essays-results.csv"')
    assert "filename*=UTF-8''Argumentative%20essays%20results.csv" in export.content_disposition


async def test_the_xlsx_holds_every_page_of_comparisons_and_the_jobs_settings():
    total = MAX_COMPARISON_PAGE * 2 + 5
    fake = FakeOwners(answers={**scenario.answers(), "job_comparisons": paged(total)})
    export = await exports(fake).xlsx(TEACHER, BATCH)
    book = load_workbook(io.BytesIO(export.content))
    assert book["Comparisons"].max_row == total + 1
    assert book["Comparisons"]["C2"].value == "anna.docx"
    assert book["Comparisons"]["D2"].value == "Anchor C1"
    offsets = sorted(args[2] for name, args in fake.arguments if name == "job_comparisons")
    assert offsets == [0, MAX_COMPARISON_PAGE, MAX_COMPARISON_PAGE * 2]
    settings = {row[0].value: row[1].value for row in book["Assessment"].iter_rows(min_row=2)}
    assert settings["Reliability (marginal)"] == 0.81
    assert settings["Max comparisons per essay"] is not None
    assert not any(str(key).startswith("Missing") for key in settings)


async def test_an_xlsx_without_cj_still_has_the_essays_and_says_what_is_missing():
    export = await exports(FakeOwners({"job_comparisons": FAIL}, scenario.answers())).xlsx(TEACHER, BATCH)
    book = load_workbook(io.BytesIO(export.content))
    assert book["Essays"].max_row == 4
    assert book["Comparisons"].max_row == 1
    settings = {row[0].value: row[1].value for row in book["Assessment"].iter_rows(min_row=2)}
    assert "could not be reached" in str(settings["Missing: comparisons"])


async def test_another_teachers_batch_has_no_export():
    with pytest.raises(NotFoundError):
        await exports(FakeOwners({"batch_detail": NOT_FOUND}, scenario.answers())).csv(TEACHER, BATCH)


async def test_the_xlsx_has_the_agreement_report_once_teachers_have_judged():
    fake = FakeOwners(answers=scenario.answers())  # CJ's report example: two teacher judgements
    book = load_workbook(io.BytesIO((await exports(fake).xlsx(TEACHER, BATCH)).content))
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment", "Moderation"]
    rows = [[cell.value for cell in row] for row in book["Moderation"].iter_rows(min_row=2)]
    parts = [row[0] for row in rows]
    assert rows[0][:3] == ["Teacher judgements", None, 2]
    assert rows[1][:5] == ["Agreement", "AI-teacher", 0.5, 0.0945, 0.9055]
    assert parts.count("Moderated rank") == 2
    # Essays by the batch page's names: the anchor's label and the confirmed student.
    (disagreement,) = [row for row in rows if row[0] == "Disagreement"]
    assert disagreement[1] == "Anchor C1 / Tuva Karlsson"
    assert [row[1] for row in rows if row[0] == "Moderated rank"] == ["Tuva Karlsson", "Anchor C1"]
    assert ("moderation:GET report", "teacher-1") in fake.calls


async def test_the_xlsx_has_no_moderation_sheet_without_teacher_judgements_or_a_completed_job():
    report = {**example_of("ModerationReport"), "teacher_judgements": 0}
    none_yet = FakeOwners(answers={**scenario.answers(), "moderation:GET report": report})
    book = load_workbook(io.BytesIO((await exports(none_yet).xlsx(TEACHER, BATCH)).content))
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment"]
    refusal = OwnerReply(409, b'{"error": {"code": "CONFLICT", "message": "not completed"}}')
    running = FakeOwners(answers={**scenario.answers(), "moderation:GET report": refusal})
    book = load_workbook(io.BytesIO((await exports(running).xlsx(TEACHER, BATCH)).content))
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment"]
    keys = {row[0].value for row in book["Assessment"].iter_rows(min_row=2)}
    assert not any(str(key).startswith("Missing") for key in keys)
    down = FakeOwners({"moderation:GET report": FAIL}, scenario.answers())
    book = load_workbook(io.BytesIO((await exports(down).xlsx(TEACHER, BATCH)).content))
    settings = {row[0].value: row[1].value for row in book["Assessment"].iter_rows(min_row=2)}
    assert "could not be reached" in str(settings["Missing: moderation report"])


def agreement_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads the names right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def test_the_agreement_report_csv_is_the_moderation_sheet_with_the_batch_pages_names():
    fake = FakeOwners(answers=scenario.answers())  # CJ's report example: two teacher judgements
    export = await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not isinstance(export, OwnerReply)
    rows = agreement_rows(export.content)
    assert rows[0] == ["Part", "Name", "Value", "Low (95 %)", "High (95 %)", "Detail"]
    assert rows[1][:3] == ["Teacher judgements", "", "2"]
    assert rows[2][:5] == ["Agreement", "AI-teacher", "0.5", "0.0945", "0.9055"]
    assert [row[1] for row in rows if row[0] == "Disagreement"] == ["Anchor C1 / Tuva Karlsson"]
    assert [row[1] for row in rows if row[0] == "Moderated rank"] == ["Tuva Karlsson", "Anchor C1"]
    # CJ's llm_usage of the example: 12 answered, 1 pending, 3,400 tokens, $0.004.
    (checks,) = [row for row in rows if row[0] == "LLM checks of moderation pairs"]
    assert checks[2:] == ["12", "", "", "answered; 0 failed, 1 pending; 3400 tokens, USD 0.0040"]
    assert export.content_disposition.startswith('attachment; filename="Argumentative_essays-agreement-report.csv"')
    assert "filename*=UTF-8''Argumentative%20essays%20agreement%20report.csv" in export.content_disposition
    assert ("moderation:GET report", "teacher-1") in fake.calls


async def test_the_agreement_report_says_when_the_llms_checks_reported_no_usage_or_came_from_an_older_cj():
    report = copy.deepcopy(example_of("ModerationReport"))
    report["llm_usage"] = {"answered": 2, "failed": 1, "pending": 0, "unreported": 2}
    fake = FakeOwners(answers={**scenario.answers(), "moderation:GET report": report})
    export = await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not isinstance(export, OwnerReply)
    (checks,) = [row for row in agreement_rows(export.content) if row[0] == "LLM checks of moderation pairs"]
    assert checks[2:] == [
        "2",
        "",
        "",
        "answered; 1 failed, 0 pending; tokens not reported, cost not reported; 2 answered without usage",
    ]
    del report["llm_usage"]
    export = await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not isinstance(export, OwnerReply)
    assert not [row for row in agreement_rows(export.content) if row[0] == "LLM checks of moderation pairs"]


async def test_the_agreement_report_csv_escapes_formula_looking_cells():
    report = copy.deepcopy(example_of("ModerationReport"))
    report["by_teacher"][0]["user_id"] = '=HYPERLINK("http://x")'
    for disagreement in report["disagreements"]:
        disagreement["teacher_user_id"] = "@evil"
    fake = FakeOwners(answers={**scenario.answers(), "moderation:GET report": report})
    export = await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not isinstance(export, OwnerReply)
    rows = agreement_rows(export.content)
    (by_teacher,) = [row for row in rows if row[0] == "Agreement by teacher"]
    assert by_teacher[1] == '\'=HYPERLINK("http://x")'
    # A cell that only contains the text further in is left alone: only its start makes a formula.
    assert all(row[5].startswith("teacher @evil") for row in rows if row[0] == "Disagreement")
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


async def test_the_agreement_report_csv_without_teacher_judgements_says_so():
    report = {**example_of("ModerationReport"), "teacher_judgements": 0}
    fake = FakeOwners(answers={**scenario.answers(), "moderation:GET report": report})
    export = await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not isinstance(export, OwnerReply)
    assert agreement_rows(export.content)[1:] == [["Teacher judgements", "", "0", "", "", ""]]


async def test_the_agreement_report_csv_passes_cjs_refusal_on_and_fails_without_cj():
    refusal = OwnerReply(409, b'{"error": {"code": "CONFLICT", "message": "not completed"}}')
    running = FakeOwners(answers={**scenario.answers(), "moderation:GET report": refusal})
    assert await exports(running).moderation_csv(TEACHER, BATCH) == refusal
    down = FakeOwners({"moderation:GET report": FAIL}, scenario.answers())
    with pytest.raises(ServiceUnavailableError):
        await exports(down).moderation_csv(TEACHER, BATCH)
    garbled = FakeOwners(answers={**scenario.answers(), "moderation:GET report": OwnerReply(200, b'{"job_id": 1}')})
    with pytest.raises(ServiceUnavailableError, match="outside its contract"):
        await exports(garbled).moderation_csv(TEACHER, BATCH)


async def test_the_agreement_report_csv_is_the_batchs_teachers_only():
    # A colleague who moderates: the aggregator does not give them the batch, so neither names nor a report.
    fake = FakeOwners({"batch_detail": NOT_FOUND}, scenario.answers())
    with pytest.raises(NotFoundError):
        await exports(fake).moderation_csv(TEACHER, BATCH)
    assert not [call for call in fake.calls if call[0].startswith("moderation:")]
