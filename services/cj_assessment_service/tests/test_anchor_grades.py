"""Bulk anchor grades: CSV or JSON, labels from file names, grades checked against the scale."""

import pytest

from cj_assessment_service.domain.anchor_grades import (
    MAX_GRADES_FILE_BYTES,
    GradesFileError,
    anchor_label,
    label_problem,
    parse_grades_file,
    printable,
    validate_grades,
)
from common_core.grade_scales import get_grade_scale


def test_csv_with_or_without_header():
    assert parse_grades_file("g.csv", b"label,grade\na1.txt,C\na2,B\n") == {"a1": "C", "a2": "B"}
    assert parse_grades_file("g.csv", b"a1,C\n\n") == {"a1": "C"}


def test_json_object_or_list():
    assert parse_grades_file("g.json", b'{"essays/a1.docx": "E-"}') == {"a1": "E-"}
    assert parse_grades_file("g.json", b'[{"filename": "a2.pdf", "grade": "A"}]') == {"a2": "A"}


@pytest.mark.parametrize(
    "data", [b"", b"a1\n", b"a1,C\na1.txt,B\n", b"a1,  \n"], ids=["empty", "one-column", "twice", "blank-grade"]
)
def test_bad_csv_is_explained(data: bytes):
    with pytest.raises(GradesFileError):
        parse_grades_file("g.csv", data)


def test_bad_json_is_explained():
    with pytest.raises(GradesFileError, match="not valid JSON"):
        parse_grades_file("g.json", b"{")
    with pytest.raises(GradesFileError, match="label"):
        parse_grades_file("g.json", b'[{"grade": "A"}]')


def test_a_name_with_undecodable_bytes_makes_no_label():
    # The multipart parser keeps raw non-UTF-8 bytes of a name as lone surrogates.
    assert label_problem("\udcc5sa.txt") == "the file name is not valid text (send it as UTF-8); rename the file"
    assert printable("\udcc5sa\x00.txt") == "\ufffdsa\ufffd.txt"
    assert label_problem("Åsa Öberg.txt") is None


def test_labels_drop_folders_and_extensions():
    assert anchor_label("C:\\anchors\\essay 1.docx") == "essay 1"


def test_grades_off_the_scale_name_grade_and_scale():
    scale = get_grade_scale("swedish_f_a")
    with pytest.raises(GradesFileError) as raised:
        validate_grades({"a": "C", "b": "E+"}, scale)
    assert "'E+'" in str(raised.value)
    assert "swedish_f_a" in str(raised.value)


def test_grades_are_made_canonical():
    assert validate_grades({"a": " E\u2212 "}, get_grade_scale("eng5_np")) == {"a": "E-"}


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("g.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("g.json", b'{"a1": "' + b"x" * (MAX_GRADES_FILE_BYTES + 1) + b'"}', "too large"),
        ("g.csv", b"a1,\xff\xfe\n", "not UTF-8 text"),
        ("g.csv", b"a1,C\x00\n", "holds a NUL"),
        ("g.json", b'{"a\\u0000b": "C"}', "control characters"),
    ],
)
def test_a_hostile_grades_file_is_a_grades_file_error_naming_the_file(filename: str, data: bytes, reason: str):
    with pytest.raises(GradesFileError, match=reason) as caught:
        parse_grades_file(filename, data)
    assert str(caught.value).startswith(f"{filename}: ")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("essay 1.txt", None),
        ("Åsa Öberg.docx", None),
        ("a\x00b.txt", "control characters"),
        ("tab\there.txt", "control characters"),
        (" .txt", "no name"),
        ("x" * 300 + ".txt", "longer than 200"),
    ],
)
def test_anchor_file_names_must_make_a_storable_label(name: str, problem: str | None):
    found = label_problem(name)
    assert found is None if problem is None else problem in (found or "")
