"""The self-contained HTML reports: tables and inline SVG charts (``charts.py``), inline CSS, no scripts
and no external address, so the file opens anywhere, offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from scripts.eng5.charts import Cut, Point, RangeRow, bar_chart, estimate_chart, scale_chart, scatter_chart
from scripts.eng5.report_json import RANGE_FIGURES, Report

STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;"
    "text-align:left}td.n{text-align:right}h2{margin-top:1.6em}.muted{color:#777}"
)


def _page(title: str, sections: Sequence[str]) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )


def _cell(value: Any) -> str:
    if value is None:
        return "<td>-</td>"
    if isinstance(value, float):
        return f'<td class="n">{value:,.3f}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _scale(report: Report) -> str:
    essays = [Point(e["filename"] or "", e["bt_score"]) for e in report.get("essays", []) if e["bt_score"] is not None]
    anchors = [Point(a["known_grade"] or "?", a["bt_score"]) for a in report["anchors"] if a["bt_score"] is not None]
    cuts = [Cut(c["upper_grade"], c["bt_score"]) for c in report["grade_cut_points"]]
    return "<h2>The scale with anchors</h2>" + scale_chart(essays, anchors, cuts)


def _alignment(alignment: Mapping[str, Any]) -> str:
    tau = alignment["kendall_tau"]
    inversions = alignment["inversions"]
    listed = ", ".join(f"{i['lower']} above {i['higher']}" for i in inversions) or "none"
    return (
        "<h2>Anchor alignment</h2>"
        f"<p>Kendall τ between known grade order and score order: {'-' if tau is None else f'{tau:.3f}'}; "
        f"{alignment['exact']} of {alignment['anchors_scored']} anchors projected to their known grade; "
        f"inversions: {escape(listed)}.</p>"
        + _table(
            ["anchor", "known", "projected", "steps off", "score"],
            [
                [a["label"], a["known_grade"], a["projected_grade"], a["steps_off"], a["bt_score"]]
                for a in alignment["anchors"]
            ],
        )
    )


def run_html(report: Report) -> str:
    settings, job, usage = report["settings"], report["job"], report.get("usage") or {}
    title = f"ENG5 run: {settings['provider']}/{settings['model']}, {settings['batching_mode']}"
    summary = _table(
        ["", ""],
        [
            ["batch", report["ids"]["batch_id"]],
            ["status", job["status"]],
            ["stopped", f"{job['stop_reason'] or '-'} ({job['stop_detail'] or 'no detail'})"],
            ["comparisons", job["comparisons_completed"]],
            ["reliability", job["reliability"]],
            ["LLM calls", usage.get("llm_calls")],
            ["input / output tokens", f"{usage.get('input_tokens')} / {usage.get('output_tokens')}"],
            ["cost (USD)", usage.get("cost_usd")],
            ["duration (s)", job["duration_seconds"]],
        ],
    )
    essays = _table(
        ["rank", "essay", "grade", "score", "SE", "comparisons"],
        [
            [e["rank"], e["filename"], e["grade"], e["bt_score"], e["standard_error"], e["comparison_count"]]
            for e in report["essays"]
        ],
    )
    grades = {g: float(n) for g, n in report["grade_distribution"].items()}
    bias = report["position_bias"]
    sections = [
        summary,
        _scale(report),
        "<h2>Results</h2>" + essays,
        "<h2>Grade distribution</h2>" + bar_chart(grades, "grade distribution"),
        "<h2>Position bias</h2>"
        + f"<p>The essay shown first won {bias['first_wins']} of {bias['answered']} answered comparisons "
        + f"(CJ's fitted position bias: {_number(job['position_bias'])} ± {_number(job['position_bias_se'])}).</p>"
        + bar_chart({"shown first won": bias["first_wins"], "shown second won": bias["second_wins"]}, "position bias"),
        "<h2>Cost: estimate and actual</h2>" + _estimate(report),
        _alignment(report["anchor_alignment"]),
        f'<p class="muted">{len(report["comparisons"])} comparisons, with the judge\'s reasons, are in the JSON.</p>',
    ]
    return _page(title, sections)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _estimate(report: Report) -> str:
    estimate = report.get("estimate")
    if estimate is None:
        return "<p>No estimate was asked for.</p>"
    job, usage = report["job"], report.get("usage") or {}
    actual = {
        "comparisons": job["comparisons_completed"],
        "duration_seconds": job["duration_seconds"],
        **{k: usage.get(k) for k in ("llm_calls", "input_tokens", "output_tokens", "cost_usd")},
    }
    rows = [
        RangeRow(
            name=name,
            minimum=float(estimate[name]["minimum"]),
            typical=float(estimate[name]["typical"]),
            maximum=float(estimate[name]["maximum"]),
            actual=None if actual[name] is None else float(actual[name]),
        )
        for name in RANGE_FIGURES
    ]
    return f'<p class="muted">estimate from: {escape(estimate["source"])}</p>' + estimate_chart(rows)


def compare_html(report: Report) -> str:
    labels, agreement = report["labels"], report["agreement"]
    runs = report["runs"]
    a_scores = {e["filename"]: e for e in runs["a"]["essays"]}
    points = [
        (name, a_scores[name]["bt_score"], e["bt_score"])
        for e in runs["b"]["essays"]
        if (name := e["filename"]) in a_scores and e["bt_score"] is not None and a_scores[name]["bt_score"] is not None
    ]
    sections = [
        "<h2>Agreement</h2>" + _table(["measure", "value"], [[k.replace("_", " "), v] for k, v in agreement.items()]),
        scatter_chart(points, f"score, {labels['a']}", f"score, {labels['b']}"),
        "<h2>Side by side</h2>"
        + _table(["", labels["a"], labels["b"]], [[r["measure"], r["a"], r["b"]] for r in report["side_by_side"]]),
        f"<h2>Run A: {escape(labels['a'])}</h2>" + _scale(runs["a"]),
        f"<h2>Run B: {escape(labels['b'])}</h2>" + _scale(runs["b"]),
    ]
    return _page(f"ENG5 comparison: {labels['a']} against {labels['b']}", sections)


def alignment_html(report: Report) -> str:
    sections = [
        f'<p class="muted">from {escape(report["source_report"])}</p>',
        _scale(report),
        _alignment(report["anchor_alignment"]),
    ]
    return _page("ENG5 anchor alignment", sections)


def write(html: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
