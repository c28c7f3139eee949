"""Every event payload and HTTP model round-trips through its JSON schema, and the checked-in
schema snapshots match the models (a contract change is a visible diff)."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from common_core.envelope import EventEnvelope
from common_core.events.catalog import EVENTS
from common_core.http.examples import example_names, example_of
from common_core.schema_export import DEFAULT_DIR, diff_against, dump, export, http_models, render_schemas
from common_core.topics import Topic

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
IDS = [uuid.UUID(int=i) for i in range(1, 10)]

EVENT_EXAMPLES: dict[str, dict[str, Any]] = {
    Topic.BATCH_REGISTERED: {
        "batch_id": IDS[0], "user_id": "teacher-1", "title": "Argumentative essays", "course_code": "ENG5",
        "class_id": IDS[1], "assignment_id": None, "created_at": NOW,
    },
    Topic.ESSAY_UPLOADED: {
        "batch_id": IDS[0], "essay_id": IDS[2], "filename": "anna.docx", "text_ref": "a" * 64, "word_count": 412,
        "author_hint": "Anna Berg",
    },
    Topic.CJ_ASSESSMENT_REQUESTED: {
        "batch_id": IDS[0], "request_id": IDS[3], "user_id": "teacher-1", "course_code": "ENG5", "language": "en",
        "essays": [{"essay_id": IDS[2], "text_ref": "a" * 64}, {"essay_id": IDS[4], "text_ref": "b" * 64}],
        "llm": {"provider": "mock", "model": "mock-judge", "temperature": 0.0, "batching_mode": "serial_bundle"},
        "budget": {"max_comparisons_per_essay": 8, "target_reliability": 0.8},
    },
    Topic.LLM_COMPARISON_RESULT: {
        "request_id": "job1:pair7", "correlation_id": IDS[5], "request_metadata": {"job_id": str(IDS[6]), "pair_id": 7},
        "winner": "A", "confidence": 4, "justification": "Clearer argument.", "provider": "mock",
        "model": "mock-judge", "usage": {"input_tokens": 900, "output_tokens": 40}, "cost_usd": 0.0,
        "completed_at": NOW,
    },
    Topic.CJ_ASSESSMENT_PROGRESS: {
        "batch_id": IDS[0], "job_id": IDS[6], "state": "comparing", "wave": 2, "comparisons_done": 20,
        "comparisons_planned": 40, "progress_percentage": 50.0, "reliability_ssr": 0.62, "request_id": IDS[3],
    },
    Topic.CJ_ASSESSMENT_COMPLETED: {
        "batch_id": IDS[0], "job_id": IDS[6], "essays_assessed": 2, "anchors_used": 1, "comparisons_completed": 40,
        "comparisons_failed": 1, "duration_seconds": 12.5, "request_id": IDS[3],
    },
    Topic.ASSESSMENT_RESULT_PUBLISHED: {
        "batch_id": IDS[0], "job_id": IDS[6], "grade_scale": "eng5_np",
        "model_used": {"provider": "mock", "model": "mock-judge"}, "reliability_ssr": 0.83, "completed_at": NOW,
        "results": [
            {"essay_id": IDS[2], "is_anchor": False, "rank": 1, "bt_score": 1.2, "standard_error": 0.4,
             "normalized_score": 80.0, "grade": "C+", "grade_probabilities": {"C+": 0.7, "C-": 0.3},
             "confidence": 0.7, "confidence_label": "medium", "comparison_count": 9},
            {"essay_id": IDS[4], "is_anchor": True, "rank": 2, "bt_score": -1.2, "standard_error": 0.5,
             "normalized_score": 20.0, "grade": "E+", "grade_probabilities": {"E+": 1.0},
             "confidence": 1.0, "confidence_label": "high", "comparison_count": 8, "known_grade": "E+"},
        ],
        "grade_cut_points": [
            {"lower_grade": lower, "upper_grade": upper, "bt_score": score, "boundary_sd": sd, "source": source}
            for lower, upper, score, sd, source in [
                ("F", "F+", -2.9, 0.5, "extrapolated"), ("F+", "E-", -2.3, 0.35, "extrapolated"),
                ("E-", "E+", -1.7, 0.0, "fitted"), ("E+", "D-", -0.6, 0.0, "fitted"),
                ("D-", "D+", -0.1, 0.2, "interpolated"), ("D+", "C-", 0.4, 0.0, "fitted"),
                ("C-", "C+", 0.9, 0.0, "fitted"), ("C+", "B", 1.6, 0.35, "extrapolated"),
                ("B", "A", 2.2, 0.5, "extrapolated"),
            ]
        ],
    },
    Topic.CJ_ASSESSMENT_FAILED: {
        "batch_id": IDS[0], "job_id": None, "error": {"code": "TOO_FEW_ESSAYS", "message": "At least 2 essays."},
    },
    Topic.CLASS_CREATED: {
        "class_id": IDS[1], "user_id": "teacher-1", "name": "9B", "course_code": "ENG5", "created_at": NOW,
    },
    Topic.CLASS_UPDATED: {
        "class_id": IDS[1], "user_id": "teacher-1", "name": "9B", "course_code": "ENG5", "updated_at": NOW,
    },
    Topic.STUDENT_CREATED: {
        "student_id": IDS[7], "user_id": "teacher-1", "class_ids": [IDS[1]], "first_name": "Anna",
        "last_name": "Berg", "created_at": NOW,
    },
    Topic.STUDENT_UPDATED: {
        "student_id": IDS[7], "user_id": "teacher-1", "first_name": "Anna", "last_name": "Berg", "updated_at": NOW,
    },
    Topic.ESSAY_STUDENT_ASSOCIATIONS_CONFIRMED: {
        "batch_id": IDS[0], "class_id": IDS[1], "user_id": "teacher-1",
        "associations": [{"essay_id": IDS[2], "student_id": IDS[7]}], "confirmed_at": NOW,
    },
    Topic.BATCH_UPDATED: {
        "batch_id": IDS[0], "user_id": "teacher-1", "title": "Argumentative essays (final)", "course_code": "ENG5",
        "updated_at": NOW,
    },
    Topic.BATCH_DELETED: {"batch_id": IDS[0], "user_id": "teacher-1", "deleted_at": NOW},
    Topic.STUDENT_ERASED: {
        "student_id": IDS[7], "user_id": "teacher-1", "essays": [{"batch_id": IDS[0], "essay_id": IDS[2]}],
        "erased_at": NOW,
    },
    Topic.TEACHER_ACCOUNT_DELETED: {"user_id": "teacher-1", "deleted_at": NOW},
}  # fmt: skip

# One example per HTTP model, one file each: a service adding its contract adds a file, never
# an edit to a shared table.
HTTP_EXAMPLES: dict[str, dict[str, Any]] = {name: example_of(name) for name in example_names()}


def test_every_registered_event_and_http_model_has_an_example():
    assert set(EVENT_EXAMPLES) == {topic for topic, _ in EVENTS}
    assert set(HTTP_EXAMPLES) == {model.__name__ for model in http_models()}


@pytest.mark.parametrize("topic", [t for t, _ in EVENTS])
def test_event_envelope_round_trips_through_its_schema(topic: str):
    model = EVENTS.model_for(topic)
    envelope = EventEnvelope[model](  # type: ignore[valid-type]
        event_type=topic,
        source_service="test",
        correlation_id=IDS[8],
        data=model.model_validate(EVENT_EXAMPLES[topic]),
    )
    wire = json.loads(envelope.to_bytes())
    jsonschema.validate(wire, render_schemas()[f"events/{topic}.json"])
    assert EventEnvelope[model].from_bytes(envelope.to_bytes()) == envelope  # type: ignore[valid-type]


@pytest.mark.parametrize("model", http_models(), ids=lambda m: m.__name__)
def test_http_model_round_trips_through_its_schema(model: type[BaseModel]):
    example = HTTP_EXAMPLES[model.__name__]
    jsonschema.validate(example, render_schemas()[f"http/{model.__name__}.json"])
    instance = model.model_validate(example)
    assert model.model_validate_json(instance.model_dump_json()) == instance


def test_checked_in_snapshots_match_the_models():
    problems = diff_against(DEFAULT_DIR)
    assert problems == [], "contract changed: run `pdm run export-schemas` and review the diff: " + ", ".join(problems)


def test_snapshot_check_notices_a_changed_file(tmp_path: Path):
    export(tmp_path)
    assert diff_against(tmp_path) == []
    target = tmp_path / "http" / "ErrorResponse.json"
    target.write_text(dump({"changed": True}))
    (tmp_path / "http" / "Gone.json").write_text("{}")
    assert diff_against(tmp_path) == ["changed: http/ErrorResponse.json", "stale: http/Gone.json"]
