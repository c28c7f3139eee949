"""The JSON reports (``docs/eng5/report.schema.json``): one per run, per comparison of two runs, and per
anchor alignment. Built from the gateway's answers (the result aggregator's batch results and the
teacher's essay pages) and written next to the HTML report."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from scripts.eng5.agreement import (
    anchor_tau,
    grade_agreement,
    inversions,
    kendall_tau,
    position_bias,
    spearman_rho,
)
from scripts.eng5.inputs import RunInputs, RunSettings, eng5_scale

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "eng5" / "report.schema.json"
RANGE_FIGURES = ("comparisons", "llm_calls", "input_tokens", "output_tokens", "cost_usd", "duration_seconds")
Report = dict[str, Any]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def estimate_section(found: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The estimate's ranges; ``source`` says whether the gateway or the local computation gave them."""
    section: dict[str, Any] = {"source": source}
    for name in RANGE_FIGURES:
        section[name] = {k: found[name][k] for k in ("minimum", "typical", "maximum")}
    section["notes"] = list(found.get("notes") or [])
    return section


def settings_section(settings: RunSettings) -> dict[str, Any]:
    return {
        "provider": settings.provider,
        "model": settings.model,
        "batching_mode": settings.batching_mode.value,
        "max_comparisons_per_essay": settings.max_comparisons_per_essay,
        "target_reliability": settings.target_reliability,
    }


def inputs_section(inputs: RunInputs) -> dict[str, Any]:
    paths = inputs.paths
    return {
        "essays_dir": str(paths.essays),
        "anchors_dir": str(paths.anchors),
        "anchors_csv": str(paths.anchors_csv),
        "instructions": str(paths.instructions),
        "rubric": str(paths.rubric),
        "essay_count": len(inputs.essays),
        "anchor_count": len(inputs.anchors),
    }


def run_report(
    *,
    settings: RunSettings,
    inputs: RunInputs,
    estimate: dict[str, Any] | None,
    assignment_id: str,
    detail: Mapping[str, Any],
    comparisons: Sequence[Mapping[str, Any]],
) -> Report:
    """One run: the settings, the estimate, the job's outcome and usage, every result and comparison."""
    batch = detail["batch"]
    job = detail.get("current_job") or {}
    summary = batch.get("result_summary") or {}
    essays, anchors = [], []
    for row in detail["essays"]:
        result = row["result"] or {}
        common = {
            "essay_id": row["essay_id"],
            "rank": result.get("rank"),
            "grade": result.get("grade"),
            "bt_score": result.get("bt_score"),
            "standard_error": result.get("standard_error"),
            "confidence": result.get("confidence"),
            "comparison_count": result.get("comparison_count", 0),
        }
        if row["is_anchor"]:
            anchors.append({**common, "label": row["anchor_label"], "known_grade": result.get("known_grade")})
        else:
            essays.append({**common, "filename": row["filename"]})
    essays.sort(key=lambda e: (e["rank"] is None, e["rank"] or 0, e["filename"] or ""))
    anchors.sort(key=lambda a: (a["rank"] is None, a["rank"] or 0, a["label"] or ""))
    bias = position_bias([c.get("winner") for c in comparisons])
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "run",
        "created_at": now(),
        "settings": settings_section(settings),
        "inputs": inputs_section(inputs),
        "estimate": estimate,
        "ids": {"assignment_id": assignment_id, "batch_id": batch["batch_id"], "job_id": job.get("job_id")},
        "job": {
            "status": batch["status"],
            "stop_reason": job.get("stop_reason"),
            "stop_detail": job.get("stop_detail"),
            "waves": job.get("wave"),
            "comparisons_completed": job.get("comparisons_completed") or 0,
            "comparisons_failed": job.get("comparisons_failed") or 0,
            "duration_seconds": job.get("duration_seconds"),
            "reliability": job.get("reliability"),
            "reliability_ssr": job.get("reliability_ssr"),
            "position_bias": job.get("position_bias"),
            "position_bias_se": job.get("position_bias_se"),
            "partial": bool(job.get("partial")),
            "grade_projection_note": job.get("grade_projection_note"),
            "failure": job.get("failure"),
        },
        "usage": job.get("usage"),
        "essays": essays,
        "anchors": anchors,
        "grade_cut_points": [
            {k: cut[k] for k in ("lower_grade", "upper_grade", "bt_score", "source")}
            for cut in job.get("grade_cut_points") or []
        ],
        "grade_distribution": dict(summary.get("grade_distribution") or {}),
        "comparisons": [dict(c) for c in comparisons],
        "position_bias": {**asdict(bias), "first_win_rate": bias.first_win_rate},
        "anchor_alignment": anchor_alignment(anchors),
    }


def anchor_alignment(anchors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How well the scale recovers the anchors' known grades: τ of grade order against score order,
    the pairs out of order, and each anchor's projected grade beside its known one."""
    scale = eng5_scale()
    scored = [a for a in anchors if a.get("bt_score") is not None and a.get("known_grade")]
    known = {a["label"]: a["known_grade"] for a in scored}
    scores = {a["label"]: a["bt_score"] for a in scored}
    rows = []
    for a in sorted(scored, key=lambda a: (scale.rank(a["known_grade"]), a["label"])):
        projected = a.get("grade")
        steps = scale.rank(projected) - scale.rank(a["known_grade"]) if projected else None
        rows.append(
            {
                "label": a["label"],
                "known_grade": a["known_grade"],
                "projected_grade": projected,
                "bt_score": a["bt_score"],
                "steps_off": steps,
            }
        )
    return {
        "anchors_scored": len(scored),
        "kendall_tau": anchor_tau(known, scores, scale),
        "inversions": [asdict(i) for i in inversions(known, scores, scale)],
        "exact": sum(r["steps_off"] == 0 for r in rows),
        "anchors": rows,
    }


def compare_report(first: Report, second: Report, labels: tuple[str, str]) -> Report:
    """Two runs of the same essays: agreement of their rankings and grades, and their costs side by side.
    Essays are matched by file name."""
    scores_a = {e["filename"]: e for e in first["essays"] if e["bt_score"] is not None}
    scores_b = {e["filename"]: e for e in second["essays"] if e["bt_score"] is not None}
    shared = sorted(set(scores_a) & set(scores_b))
    graded = [name for name in shared if scores_a[name]["grade"] and scores_b[name]["grade"]]
    grades = grade_agreement(
        [scores_a[n]["grade"] for n in graded], [scores_b[n]["grade"] for n in graded], eng5_scale()
    )
    score_pairs = ([scores_a[n]["bt_score"] for n in shared], [scores_b[n]["bt_score"] for n in shared])
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "compare",
        "created_at": now(),
        "labels": {"a": labels[0], "b": labels[1]},
        "agreement": {
            "essays_compared": len(shared),
            "kendall_tau": kendall_tau(*score_pairs),
            "spearman_rho": spearman_rho(*score_pairs),
            "grade_exact": grades.exact,
            "grade_adjacent": grades.adjacent,
        },
        "side_by_side": [
            {"measure": name, "a": value(first), "b": value(second)} for name, value in SIDE_BY_SIDE.items()
        ],
        "runs": {"a": first, "b": second},
    }


def _usage(report: Report, key: str) -> float | None:
    usage = report.get("usage") or {}
    value = usage.get(key)
    return None if value is None else float(value)


SIDE_BY_SIDE = {
    "comparisons": lambda r: float(r["job"]["comparisons_completed"]),
    "llm_calls": lambda r: _usage(r, "llm_calls"),
    "input_tokens": lambda r: _usage(r, "input_tokens"),
    "output_tokens": lambda r: _usage(r, "output_tokens"),
    "cost_usd": lambda r: _usage(r, "cost_usd"),
    "duration_seconds": lambda r: r["job"]["duration_seconds"],
    "reliability": lambda r: r["job"]["reliability"],
}


def alignment_report(source: str, run: Report) -> Report:
    """``anchor-align`` on an existing run report: the alignment, recomputed from its anchors."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "anchor_alignment",
        "created_at": now(),
        "source_report": source,
        "settings": run["settings"],
        "anchors": run["anchors"],
        "grade_cut_points": run["grade_cut_points"],
        "anchor_alignment": anchor_alignment(run["anchors"]),
    }


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def validate(report: Report) -> None:
    """Raises ``jsonschema.ValidationError`` when the report does not follow the published schema."""
    jsonschema.Draft202012Validator(schema()).validate(report)


def write(report: Report, path: Path) -> None:
    validate(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> Report:
    loaded: Report = json.loads(path.read_text(encoding="utf-8"))
    return loaded
