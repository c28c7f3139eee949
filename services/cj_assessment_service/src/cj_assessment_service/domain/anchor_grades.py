"""The grades file of a bulk anchor upload: CSV (label,grade) or JSON ({label: grade} or a list)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import PurePath

from common_core.grade_scales import GradeScale

# A grades file lists a few dozen anchors: a few kilobytes. The bound keeps parsing it trivial.
MAX_GRADES_FILE_BYTES = 200_000
MAX_LABEL_CHARS = 200  # AnchorCreateRequest.label
# PostgreSQL text cannot hold NUL, and no other control character belongs in a label.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A name sent as raw non-UTF-8 bytes arrives with each undecodable byte as a lone surrogate.
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class GradesFileError(ValueError):
    """The grades file cannot be read; the message says why, for the teacher."""


def anchor_label(filename: str) -> str:
    """A file's anchor label: its name without the folder and the extension."""
    return PurePath(filename.replace("\\", "/")).stem.strip()


def printable(filename: str | None) -> str:
    """The name with control characters and undecodable bytes as U+FFFD: safe to quote and to log."""
    return _NOT_TEXT.sub("\ufffd", filename or "")


def label_problem(filename: str) -> str | None:
    """Why the anchor file's name cannot make a stored label, or ``None`` when it can."""
    if _CONTROL.search(filename):
        return "the file name contains control characters (such as NUL); rename the file"
    if _NOT_TEXT.search(filename):
        return "the file name is not valid text (send it as UTF-8); rename the file"
    label = anchor_label(filename)
    if not label:
        return "the file name has no name before its extension"
    if len(label) > MAX_LABEL_CHARS:
        return f"the file name is longer than {MAX_LABEL_CHARS} characters; rename the file"
    return None


def parse_grades_file(filename: str, data: bytes) -> dict[str, str]:
    """label -> grade as written. Keys may be labels or file names; both are reduced to labels."""
    if len(data) > MAX_GRADES_FILE_BYTES:
        raise GradesFileError(f"{filename}: too large for a grades file (at most {MAX_GRADES_FILE_BYTES} bytes)")
    if b"\x00" in data:
        raise GradesFileError(f"{filename}: holds a NUL byte; save it as UTF-8 CSV or JSON")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GradesFileError(f"{filename}: not UTF-8 text") from exc
    is_json = filename.lower().endswith(".json")
    entries = _json_entries(filename, text) if is_json else _csv_entries(filename, text)
    grades: dict[str, str] = {}
    for key, grade in entries:
        if _CONTROL.search(key) or _CONTROL.search(grade):
            raise GradesFileError(f"{filename}: an entry holds control characters (such as NUL)")
        label = anchor_label(key)
        if not label or not grade.strip():
            raise GradesFileError(f"{filename}: an entry has an empty label or grade")
        if label in grades:
            raise GradesFileError(f"{filename}: {label!r} is listed twice")
        grades[label] = grade.strip()
    if not grades:
        raise GradesFileError(f"{filename}: no grades found")
    return grades


def _json_entries(filename: str, text: str) -> list[tuple[str, str]]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GradesFileError(f"{filename}: not valid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise GradesFileError(f"{filename}: not a grades file (nested too deeply)") from exc
    if isinstance(parsed, dict):
        return [(str(k), str(v)) for k, v in parsed.items()]
    if isinstance(parsed, list) and all(isinstance(e, dict) for e in parsed):
        try:
            return [(str(e.get("label") or e["filename"]), str(e["grade"])) for e in parsed]
        except KeyError as exc:
            raise GradesFileError(f"{filename}: each entry needs a label (or filename) and a grade") from exc
    raise GradesFileError(f"{filename}: expected an object {{label: grade}} or a list of {{label, grade}}")


def _csv_entries(filename: str, text: str) -> list[tuple[str, str]]:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and [c.strip().lower() for c in rows[0][:2]] in (["label", "grade"], ["filename", "grade"]):
        rows = rows[1:]
    if any(len(row) < 2 for row in rows):
        raise GradesFileError(f"{filename}: every CSV row needs two columns, label and grade")
    return [(row[0].strip(), row[1]) for row in rows]


def validate_grades(grades: dict[str, str], scale: GradeScale) -> dict[str, str]:
    """Canonical grades; the error names every bad grade and the scale (a 400 for the caller)."""
    canonical: dict[str, str] = {}
    bad: list[str] = []
    for label, grade in grades.items():
        try:
            canonical[label] = scale.validate_grade(grade)
        except ValueError:
            bad.append(grade)
    if bad:
        allowed = ", ".join(scale.all_grades)
        raise GradesFileError(
            f"grade {', '.join(repr(g) for g in sorted(set(bad)))} is not on the {scale.name} scale ({allowed})"
        )
    return canonical
