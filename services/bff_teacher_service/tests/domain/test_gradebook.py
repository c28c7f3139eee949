"""The exports as a spreadsheet program reads them: Swedish names intact, formulas never run."""

from __future__ import annotations

import csv
import io
from uuid import uuid4

from openpyxl import load_workbook

from bff_teacher_service.domain.gradebook import ResultsWorkbook, essays_csv, moderation_csv, results_xlsx, safe_text
from common_core.http.bff import EssayRow


def row(student: str | None, filename: str, rank: int, bt: float) -> EssayRow:
    return EssayRow(
        essay_id=uuid4(),
        is_anchor=False,
        name=student or filename,
        student_name=student,
        filename=filename,
        word_count=300,
        rank=rank,
        grade="B",
        grade_probability=0.6543,
        grade_probabilities={"B": 0.6543, "C": 0.3457},
        bt_score=bt,
        standard_error=0.41,
        normalized_score=61.26,
        confidence=0.6543,
        confidence_label="medium",
        comparison_count=8,
        known_grade=None,
        anchor_inconsistent=None,
        flags=["few_comparisons"] if rank == 2 else [],
    )


ROWS = [row("Åsa Öberg", "åsa.docx", 1, 0.8), row('=HYPERLINK("http://x")', "-rm.txt", 2, -0.53)]


def test_csv_starts_with_a_bom_keeps_swedish_names_and_escapes_formula_cells():
    data = essays_csv(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Student", "File", "Rank", "Grade"]
    assert rows[1][:2] == ["Åsa Öberg", "åsa.docx"]
    assert rows[2][:2] == ['\'=HYPERLINK("http://x")', "'-rm.txt"]
    # Numbers are numbers: a negative score is not mistaken for a formula.
    assert rows[2][6] == "-0.53"
    assert rows[1][4:9] == ["0.654", "61.3", "0.8", "0.41", "8"]
    assert rows[2][10] == "few_comparisons"


def test_the_agreement_csv_has_the_sheets_columns_a_bom_and_the_same_formula_guard():
    data = moderation_csv([("Disagreement", "=1+1 / Åsa", -0.42, None, None, "+46 chose")])
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["Part", "Name", "Value", "Low (95 %)", "High (95 %)", "Detail"],
        ["Disagreement", "'=1+1 / Åsa", "-0.42", "", "", "'+46 chose"],
    ]


def test_safe_text_leaves_ordinary_text_alone():
    assert [safe_text(v) for v in ["Bo", "@me", "+46", "\tx", "a=b"]] == ["Bo", "'@me", "'+46", "'\tx", "a=b"]


def test_xlsx_has_the_essays_comparisons_and_settings_with_names_as_text_not_formulas():
    workbook = ResultsWorkbook(
        essays=ROWS, comparisons=[], names={}, settings=[("Batch", "=cmd"), ("Reliability (marginal)", 0.81)]
    )
    book = load_workbook(io.BytesIO(results_xlsx(workbook)))
    assert book.sheetnames == ["Essays", "Comparisons", "Assessment"]
    essays = book["Essays"]
    assert essays["A2"].value == "Åsa Öberg"
    assert (essays["A3"].value, essays["A3"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert essays["G3"].value == -0.53
    assert book["Assessment"]["B2"].data_type == "s"
    assert book["Assessment"]["B3"].value == 0.81
    assert [cell.value for cell in book["Comparisons"][1]][:3] == ["Wave", "Attempt", "Shown first"]
