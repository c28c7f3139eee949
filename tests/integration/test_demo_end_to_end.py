"""End to end: the demo batch through the public API (the gateway) and the running services, mock judge.

This is the platform's main job (`pdm run demo`), checked field by field: every student essay and
anchor comes back ranked and graded, with real grade distributions, actual comparison counts, and a
ranking that follows the essays' hidden quality.
"""

import math
import re

import pytest

from scripts.demo import run_demo
from scripts.demo.essays import ANCHOR_GRADES, student_essays

pytestmark = pytest.mark.timeout(600)


def test_a_demo_batch_is_assessed_end_to_end(gateway: run_demo.Gateway, capsys: pytest.CaptureFixture[str]):
    essays = student_essays(8, seed=11)
    assignment_id = run_demo.demo_assignment(gateway)
    batch_id = run_demo.create_batch(gateway, assignment_id, essays)
    estimated = run_demo.estimate(gateway, batch_id, "serial_bundle")
    run_demo.start_assessment(gateway, batch_id, "serial_bundle")
    detail = run_demo.follow(gateway, batch_id, timeout_s=480)

    assert detail["batch"]["status"] == "completed", detail
    assert run_demo.report(detail, essays, estimated) == 0
    # The demo ends by saying where to read the batch in the browser and how to sign in there.
    where = run_demo.dashboard_lines(gateway, batch_id)
    assert f"dashboard: {gateway.base_url}/  (this batch: {gateway.base_url}/batches/{batch_id})" in where, where
    assert f"sign in as {run_demo.DEMO_EMAIL} with the password {run_demo.DEMO_PASSWORD}" in where
    # The honest (marginal-likelihood) reliability is printed first; SSR only beside it.
    printed = capsys.readouterr().out
    assert re.search(r"^reliability: (\d\.\d\d \(marginal likelihood; SSR|- \(fewer than)", printed, re.M), printed
    # Why it stopped, what it cost (the mock is free), and the estimate given before starting beside the actuals.
    job = detail["current_job"]
    assert re.search(rf"^stopped: {job['stop_reason']} \(", printed, re.M), printed
    assert re.search(
        r"^cost: \d+ LLM calls to mock/mock-judge, [\d,]+ input and [\d,]+ output tokens, USD 0\.00", printed, re.M
    )
    assert job["usage"]["cost_usd"] == 0.0
    assert job["usage"]["input_tokens"] > 0
    assert estimated["comparisons"]["minimum"] <= job["comparisons_completed"] <= estimated["comparisons"]["maximum"]
    assert re.search(r"^comparisons\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+[\d,]+$", printed, re.M), printed
    results = [e["result"] for e in detail["essays"]]
    students = [r for r in results if not r["is_anchor"]]
    anchors = [r for r in results if r["is_anchor"]]
    assert len(students) == len(essays)
    assert sorted(a["known_grade"] for a in anchors) == sorted(g for g, _ in ANCHOR_GRADES)
    assert sorted(r["rank"] for r in results) == list(range(1, len(results) + 1))
    for r in results:
        assert r["standard_error"] > 0
        assert math.isclose(sum(r["grade_probabilities"].values()), 1.0, abs_tol=1e-6)
        assert r["grade"] in r["grade_probabilities"]
        assert r["comparison_count"] >= 1
    # The mock judge reads the essays, so better essays must rank higher on the whole.
    quality = {e.filename: e.quality for e in essays}
    by_quality = sorted(
        (e for e in detail["essays"] if not e["is_anchor"]), key=lambda e: quality[e["filename"]], reverse=True
    )
    best, worst = by_quality[0]["result"]["rank"], by_quality[-1]["result"]["rank"]
    assert best < worst
