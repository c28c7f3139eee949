"""The batch as files for a gradebook: CSV (one row per student essay) and XLSX (essays, comparisons, settings),
and the agreement report of teacher moderation as a CSV of its own.

Both are written for spreadsheet programs, which need two precautions. A text cell that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to them, so a student called
``=HYPERLINK(...)`` could run one on a colleague's machine: such cells get a leading apostrophe in
both CSVs, and XLSX cells are written as strings, never formulas. Both CSVs start with a UTF-8 byte-order
mark, without which Excel reads "Åsa Öberg" as Latin-1 mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bff_teacher_service.domain.moderation_sheet import MODERATION_COLUMNS
from common_core.http.bff import EssayRow
from common_core.http.cj_assessment import JobComparison

CSV_BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESSAY_COLUMNS = (
    "Student",
    "File",
    "Rank",
    "Grade",
    "Probability of grade",
    "Score (0-100)",
    "BT score",
    "SE",
    "Comparisons",
    "Confidence",
    "Flags",
)
COMPARISON_COLUMNS = (
    "Wave",
    "Attempt",
    "Shown first",
    "Shown second",
    "Winner",
    "Status",
    "Judge confidence (1-5)",
    "Justification",
    "Provider",
    "Model",
    "Input tokens",
    "Output tokens",
    "Cost (USD)",
    "Answered at",
)
Cell = str | int | float | None


def safe_text(value: str) -> str:
    """A text cell a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def essay_cells(row: EssayRow) -> tuple[Cell, ...]:
    """One gradebook row; text is raw here and escaped (CSV) or typed as a string (XLSX) when written."""
    return (
        row.student_name or "",
        row.filename or "",
        row.rank,
        row.grade or "",
        _rounded(row.grade_probability, 3),
        _rounded(row.normalized_score, 1),
        _rounded(row.bt_score, 3),
        _rounded(row.standard_error, 3),
        row.comparison_count,
        row.confidence_label or "",
        " ".join(row.flags),
    )


def essays_csv(essays: Sequence[EssayRow]) -> bytes:
    return _csv(ESSAY_COLUMNS, [essay_cells(row) for row in essays])


def moderation_csv(rows: Sequence[tuple[Cell, ...]]) -> bytes:
    """The agreement report on its own (the XLSX's ``Moderation`` sheet as a CSV): the gradebook CSV stays one
    row per student essay, so that it still imports into a gradebook."""
    return _csv(MODERATION_COLUMNS, rows)


def _csv(columns: Sequence[str], rows: Sequence[tuple[Cell, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return (CSV_BOM + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class ResultsWorkbook:
    """What the XLSX holds besides the essays: every comparison, and the job's settings as label/value pairs."""

    essays: Sequence[EssayRow]
    comparisons: Sequence[JobComparison]
    names: dict[str, str]
    settings: Sequence[tuple[str, Cell]]
    # The agreement report's rows (``moderation_sheet``): a ``Moderation`` sheet only when there are some.
    moderation: Sequence[Sequence[Cell]] = ()


def results_xlsx(content: ResultsWorkbook) -> bytes:
    """Written row by row (openpyxl's write-only mode): a few thousand comparisons in a fraction of the
    time and memory of a workbook built cell by cell. CPU-bound: call it off the event loop."""
    book = Workbook(write_only=True)
    _write(book.create_sheet("Essays"), ESSAY_COLUMNS, [essay_cells(row) for row in content.essays])
    comparisons = [_comparison_cells(c, content.names) for c in content.comparisons]
    _write(book.create_sheet("Comparisons"), COMPARISON_COLUMNS, comparisons)
    _write(book.create_sheet("Assessment"), ("Setting", "Value"), list(content.settings))
    if content.moderation:
        _write(book.create_sheet("Moderation"), MODERATION_COLUMNS, content.moderation)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet: WriteOnlyWorksheet, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    for values in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in values])


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> SheetCell | int | float | None:
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        # openpyxl turns a string starting with "=" into a formula; a student's name is data.
        cell.data_type = "s"
        return cell
    return value


def _comparison_cells(comparison: JobComparison, names: dict[str, str]) -> tuple[Cell, ...]:
    first, second = str(comparison.essay_a_id), str(comparison.essay_b_id)
    winner = str(comparison.winner_essay_id) if comparison.winner_essay_id else None
    return (
        comparison.wave,
        comparison.attempt,
        names.get(first, first),
        names.get(second, second),
        names.get(winner, winner) if winner else "",
        comparison.status,
        comparison.confidence,
        comparison.justification or "",
        comparison.provider or "",
        comparison.model or "",
        comparison.input_tokens,
        comparison.output_tokens,
        comparison.cost_usd,
        _timestamp(comparison.answered_at),
    )


def _csv_cell(cell: Cell) -> Cell:
    if cell is None:
        return ""
    return safe_text(cell) if isinstance(cell, str) else cell


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _timestamp(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
