import pytest
from pydantic import ValidationError

from common_core import grade_scales
from common_core.grade_scales import (
    GradeScale,
    UnknownGradeScaleError,
    get_grade_scale,
    grade_scale_names,
    normalize_grade,
    register_grade_scale,
)


def test_built_in_scales():
    assert get_grade_scale("swedish_f_a").grades == ("F", "E", "D", "C", "B", "A")
    eng5 = get_grade_scale("eng5_np")
    assert eng5.grades == ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")
    assert eng5.below_lowest == "F"
    assert eng5.all_grades[0] == "F"
    assert get_grade_scale("numeric_1_9").grades == tuple("123456789")


def test_unicode_minus_and_en_dash_mean_minus():
    eng5 = get_grade_scale("eng5_np")
    assert normalize_grade(" E\u2212 ") == "E-"
    assert eng5.validate_grade("D\u2013") == "D-"
    assert eng5.rank("A") == len(eng5.all_grades) - 1
    assert eng5.rank("F") == 0


def test_a_grade_off_the_scale_names_the_grade_and_the_scale():
    with pytest.raises(ValueError, match=r"grade 'G' is not on the swedish_f_a scale \(F, E, D, C, B, A\)"):
        get_grade_scale("swedish_f_a").validate_grade("G")


def test_a_new_scale_is_one_registration_away(monkeypatch: pytest.MonkeyPatch):
    # A registry of its own: the scale registered here must not leak into later tests in the run.
    monkeypatch.setattr(grade_scales, "_SCALES", dict(grade_scales._SCALES))
    scale = GradeScale(name="test_pass_fail", display_name="Pass/fail", grades=("fail", "pass"))
    register_grade_scale(scale)
    assert get_grade_scale("test_pass_fail") is scale
    assert "test_pass_fail" in grade_scale_names()
    with pytest.raises(ValueError, match="already registered"):
        register_grade_scale(scale)


def test_bad_scales_are_rejected():
    with pytest.raises(ValidationError, match="repeats a grade"):
        GradeScale(name="dup", display_name="d", grades=("A", "A"))
    with pytest.raises(ValidationError, match="canonically"):
        GradeScale(name="uni", display_name="u", grades=("E\u2212", "E+"))
    with pytest.raises(UnknownGradeScaleError, match="known:"):
        get_grade_scale("nope")
