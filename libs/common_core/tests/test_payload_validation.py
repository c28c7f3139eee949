"""The rules a payload enforces on its own: aware timestamps, finite scores, grades on the scale,
one confidence scale per field, and a verdict xor an error."""

import copy
import math
from typing import Any

import pytest
from pydantic import ValidationError

from common_core.events.cj_assessment import AssessmentResultPublishedV1, CJAssessmentRequestedV1, LLMSettings
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.topics import Topic

from .test_contract_schemas import EVENT_EXAMPLES


def _result(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EVENT_EXAMPLES[Topic.ASSESSMENT_RESULT_PUBLISHED])
    data["results"][0].update(changes)
    return data


def test_result_example_is_valid():
    AssessmentResultPublishedV1.model_validate(_result())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grade": "Z"}, "not on the eng5_np scale"),
        ({"grade_probabilities": {"Q": 1.0}}, "not on the eng5_np scale"),
        ({"bt_score": math.inf}, "finite"),
        ({"bt_score": math.nan}, "finite"),
        ({"standard_error": 0.0}, "greater than 0"),
        ({"confidence": 4}, "less than or equal to 1"),
        ({"grade_probabilities": {"C+": 0.5, "C-": 0.2}}, "sum to 1"),
        ({"known_grade": "C+"}, "only for anchors"),
        ({"rank": 2}, "ranks must be"),
    ],
)
def test_result_rules(changes: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        AssessmentResultPublishedV1.model_validate(_result(**changes))


def _with_cut(index: int, **changes: Any) -> dict[str, Any]:
    data = _result()
    data["grade_cut_points"][index].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with_cut(0, lower_grade="Z"), "not on the eng5_np scale"),
        (_with_cut(8, upper_grade="A+"), "not on the eng5_np scale"),
        (_with_cut(3, lower_grade="E-", upper_grade="D-"), "every boundary of the eng5_np scale"),
        (_with_cut(4, bt_score=-0.6), "strictly increasing bt_score"),
        (_with_cut(4, bt_score=math.inf), "finite"),
        (_with_cut(4, boundary_sd=-0.1), "greater than or equal to 0"),
        (_with_cut(4, source="guessed"), "fitted"),
    ],
)
def test_cut_point_rules(data: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        AssessmentResultPublishedV1.model_validate(data)


def test_cut_points_are_all_the_boundaries_lowest_first_or_none():
    shuffled = _result()
    shuffled["grade_cut_points"].reverse()
    with pytest.raises(ValidationError, match="every boundary"):
        AssessmentResultPublishedV1.model_validate(shuffled)
    missing = _result()
    del missing["grade_cut_points"][-1]
    with pytest.raises(ValidationError, match="every boundary"):
        AssessmentResultPublishedV1.model_validate(missing)
    # A publisher that predates the field (or a job without grades): no cut points, still valid.
    older = _result()
    del older["grade_cut_points"]
    assert AssessmentResultPublishedV1.model_validate(older).grade_cut_points == []


def test_anchor_needs_its_known_grade():
    data = _result()
    del data["results"][1]["known_grade"]
    with pytest.raises(ValidationError, match="anchor result needs known_grade"):
        AssessmentResultPublishedV1.model_validate(data)


def test_unknown_grade_scale_is_rejected():
    data = _result()
    data["grade_scale"] = "made_up"
    with pytest.raises(ValidationError, match="unknown grade scale"):
        AssessmentResultPublishedV1.model_validate(data)


def test_naive_timestamp_is_rejected():
    data = _result()
    data["completed_at"] = "2026-11-30T12:00:00"
    with pytest.raises(ValidationError, match="timezone"):
        AssessmentResultPublishedV1.model_validate(data)


def _callback(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EVENT_EXAMPLES[Topic.LLM_COMPARISON_RESULT])
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"confidence": 0}, "greater than or equal to 1"),
        ({"confidence": 6}, "less than or equal to 5"),
        ({"confidence": None}, "needs a confidence"),
        ({"error": {"code": "X", "message": "m", "retryable": False}}, "exactly one of winner and error"),
        ({"winner": None}, "exactly one of winner and error"),
        ({"winner": "C"}, "'A' or 'B'"),
    ],
)
def test_callback_rules(changes: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        LLMComparisonResultV1.model_validate(_callback(**changes))


def test_error_callback_has_no_verdict_or_confidence():
    error = {"code": "EXPIRED", "message": "expired in queue", "retryable": True}
    ok = LLMComparisonResultV1.model_validate(_callback(winner=None, confidence=None, error=error))
    assert ok.error is not None
    with pytest.raises(ValidationError, match="no confidence"):
        LLMComparisonResultV1.model_validate(_callback(winner=None, error=error))


def test_temperature_zero_is_kept_not_replaced_by_a_default():
    assert LLMSettings(temperature=0.0).temperature == 0.0
    assert LLMSettings().temperature is None


def test_request_rejects_repeated_essays():
    data = copy.deepcopy(EVENT_EXAMPLES[Topic.CJ_ASSESSMENT_REQUESTED])
    data["essays"].append(data["essays"][0])
    with pytest.raises(ValidationError, match="repeat an essay_id"):
        CJAssessmentRequestedV1.model_validate(data)
