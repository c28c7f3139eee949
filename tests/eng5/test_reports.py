"""The JSON reports follow docs/eng5/report.schema.json; the HTML reports need nothing from outside."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scripts.eng5 import report_html, report_json
from scripts.eng5.demo_set import demo_paths
from scripts.eng5.inputs import BatchingMode, RunSettings, read_inputs

ESTIMATE = {
    name: {"minimum": 1, "typical": 2, "maximum": 3}
    for name in ("comparisons", "llm_calls", "input_tokens", "output_tokens", "cost_usd", "duration_seconds")
}


def _result(essay_id: str, rank: int, score: float, grade: str, known: str | None = None) -> dict[str, Any]:
    return {
        "essay_id": essay_id,
        "rank": rank,
        "bt_score": score,
        "standard_error": 0.9,
        "grade": grade,
        "confidence": 0.5,
        "comparison_count": 2,
        "known_grade": known,
    }


def _detail(scores: dict[str, float]) -> dict[str, Any]:
    """The result aggregator's batch results, as the gateway returns them, for essays e1.. and two anchors."""
    essays = [
        {"essay_id": name, "is_anchor": False, "filename": f"{name}.txt", "anchor_label": None,
         "result": _result(name, i + 1, score, "C+" if score > 0 else "E+")}
        for i, (name, score) in enumerate(scores.items())
    ]  # fmt: skip
    anchors = [
        {"essay_id": "x1", "is_anchor": True, "filename": None, "anchor_label": "anchor_A",
         "result": _result("x1", 9, 2.0, "A", known="A")},
        {"essay_id": "x2", "is_anchor": True, "filename": None, "anchor_label": "anchor_E",
         "result": _result("x2", 10, 2.5, "A", known="E+")},
    ]  # fmt: skip
    return {
        "batch": {
            "batch_id": "b1",
            "status": "completed",
            "progress_percentage": 100.0,
            "result_summary": {"grade_distribution": {"E+": 1, "C+": 2, "A": 0}},
        },
        "current_job": {
            "job_id": "j1",
            "wave": 2,
            "comparisons_completed": 2,
            "comparisons_failed": 0,
            "duration_seconds": 1.5,
            "reliability": 0.85,
            "reliability_ssr": 0.8,
            "position_bias": 0.1,
            "position_bias_se": 0.3,
            "stop_reason": "reliability_reached",
            "stop_detail": "reached",
            "usage": {"llm_calls": 1, "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.0, "unreported": 0},
            "grade_cut_points": [
                {"lower_grade": "E+", "upper_grade": "C+", "bt_score": 0.0, "boundary_sd": 0.1, "source": "fitted"}
            ],
        },
        "essays": essays + anchors,
    }


COMPARISONS = [
    {"pair_id": "p1", "wave": 0, "first_essay_id": "e1", "second_essay_id": "e2", "status": "answered",
     "winner": "first", "confidence": 3, "justification": "Essay A <b>is</b> clearer.", "provider": "mock",
     "model": "mock-judge", "answered_at": "2026-01-01T00:00:00Z"},
    {"pair_id": "p2", "wave": 1, "first_essay_id": "x1", "second_essay_id": "e3", "status": "failed",
     "winner": None, "confidence": None, "justification": None, "provider": None, "model": None, "answered_at": None},
]  # fmt: skip


def _run(mode: BatchingMode = BatchingMode.SERIAL_BUNDLE, scores: dict[str, float] | None = None) -> dict[str, Any]:
    return report_json.run_report(
        settings=RunSettings(batching_mode=mode),
        inputs=read_inputs(demo_paths()),
        estimate=report_json.estimate_section({**ESTIMATE, "notes": ["n"]}, "gateway"),
        assignment_id="a1",
        detail=_detail(scores or {"e1": 1.0, "e2": 0.5, "e3": -1.0}),
        comparisons=COMPARISONS,
    )


def test_a_run_report_follows_the_schema_and_counts_what_it_holds() -> None:
    report = _run()
    report_json.validate(report)
    assert [e["filename"] for e in report["essays"]] == ["e1.txt", "e2.txt", "e3.txt"]
    assert report["position_bias"] == {"answered": 1, "first_wins": 1, "second_wins": 0, "first_win_rate": 1.0}
    alignment = report["anchor_alignment"]
    assert alignment["inversions"] == [{"lower": "anchor_E", "higher": "anchor_A"}]
    assert alignment["kendall_tau"] == pytest.approx(-1.0)
    assert [a["steps_off"] for a in alignment["anchors"]] == [6, 0]  # E+ projected A: six steps up


def test_a_report_that_breaks_the_schema_is_refused() -> None:
    report = _run()
    broken = copy.deepcopy(report)
    broken["comparisons"][0]["winner"] = "left"
    with pytest.raises(jsonschema.ValidationError):
        report_json.validate(broken)
    del report["job"]
    with pytest.raises(jsonschema.ValidationError):
        report_json.validate(report)


def test_compare_and_alignment_reports_follow_the_schema() -> None:
    first = _run(BatchingMode.PER_REQUEST)
    second = _run(BatchingMode.SERIAL_BUNDLE, {"e1": 0.9, "e2": -2.0, "e3": -1.0})
    compared = report_json.compare_report(first, second, ("per_request", "serial_bundle"))
    report_json.validate(compared)
    agreement = compared["agreement"]
    assert agreement["essays_compared"] == 3
    assert agreement["kendall_tau"] == pytest.approx(1 / 3)  # e2/e3 swapped: (2 - 1) / 3
    assert agreement["grade_exact"] == pytest.approx(2 / 3)  # e2 goes from C+ to E+
    report_json.validate(report_json.alignment_report("r.json", first))


def test_a_report_is_written_only_when_valid(tmp_path: Path) -> None:
    report = _run()
    report_json.write(report, tmp_path / "out" / "report.json")
    assert report_json.read(tmp_path / "out" / "report.json") == report
    report["kind"] = "unknown"
    with pytest.raises(jsonschema.ValidationError):
        report_json.write(report, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def _assert_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I), "an external address"
    assert "http://" not in html
    assert "https://" not in html
    assert "<svg" in html


def test_the_html_reports_are_self_contained() -> None:
    first = _run(BatchingMode.PER_REQUEST)
    html = report_html.run_html(first)
    _assert_self_contained(html)
    assert html.count("<svg") == 4  # the scale, grade distribution, position bias and cost
    compared = report_json.compare_report(first, _run(), ("a", "b"))
    _assert_self_contained(report_html.compare_html(compared))
    _assert_self_contained(report_html.alignment_html(report_json.alignment_report("r.json", first)))


def test_text_from_the_judge_is_escaped() -> None:
    report = _run()
    report["essays"][0]["filename"] = "<img src=x>.txt"
    html = report_html.run_html(report)
    assert "<img" not in html
    assert "&lt;img src=x&gt;.txt" in html
