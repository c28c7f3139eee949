"""Bulk anchor grades: CSV or JSON, labels from file names, grades checked against the scale."""

import pytest

from cj_assessment_service.domain.anchor_grades import (
    GradesFileError,
    anchor_label,
    parse_grades_file,
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
