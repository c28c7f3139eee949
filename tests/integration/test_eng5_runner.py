"""The ENG5 runner end to end against the running stack (mock judge), as a user runs it.

``execute --demo``, then ``anchor-align`` on its report, then ``compare --demo`` (per_request against
serial_bundle), each as ``python -m scripts.eng5`` in a subprocess: every one exits 0, every JSON report
follows the schema, every student essay has a result, and the comparisons in a report are the job's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from common_core.events.cj_assessment import AssessmentResultPublishedV1, CJAssessmentCompletedV1
from llm_provider_service.config import Settings as LPSSettings
from scripts.demo import run_demo
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.devstack.state import load_state
from scripts.eng5 import report_json
from scripts.eng5.demo_set import demo_paths
from scripts.eng5.inputs import read_inputs
from tests.e2e import faults

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(300)]

RESULT_EVENTS = (CJAssessmentCompletedV1, AssessmentResultPublishedV1)
SCHEMA_DIR = REPO_ROOT / "libs" / "common_core" / "schemas" / "events"
BUNDLE_SIZE = LPSSettings.model_fields["serial_bundle_size"].default  # K: the stack runs with the default


def _runner(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.eng5", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def _consistent(report: dict[str, Any]) -> None:
    report_json.validate(report)
    students = {e.filename for e in read_inputs(demo_paths()).essays}
    assert report["job"]["status"] == "completed"
    assert {e["filename"] for e in report["essays"]} == students
    assert all(e["rank"] is not None and e["grade"] for e in report["essays"]), report["essays"]
    answered = [c for c in report["comparisons"] if c["status"] == "answered"]
    assert len(answered) == report["job"]["comparisons_completed"] > 0
    assert len({c["pair_id"] for c in report["comparisons"]}) == len(report["comparisons"])
    assert report["position_bias"]["answered"] == len(answered)


def _counters() -> dict[str, float]:
    """The figures the heavy lane watches, from the stack's CJ and LPS."""
    cj, lps = run_demo.service_url(faults.CJ), run_demo.service_url(faults.LPS)
    per_call = "llm_provider_serial_bundle_items_per_call"
    return {
        "late_callbacks": faults.metric_total(cj, "cj_callbacks_for_inactive_jobs_total"),
        "per_request": faults.metric_total(cj, "cj_llm_requests_total", {"batching_mode": "per_request"}),
        "serial_bundle": faults.metric_total(cj, "cj_llm_requests_total", {"batching_mode": "serial_bundle"}),
        "bundle_calls": faults.metric_total(lps, "llm_provider_serial_bundle_calls_total"),
        "bundled_items": faults.metric_total(lps, f"{per_call}_sum"),
        "bundle_calls_observed": faults.metric_total(lps, f"{per_call}_count"),
        "bundle_calls_within_k": faults.metric_total(lps, f"{per_call}_bucket", {"le": f"{float(BUNDLE_SIZE)}"}),
    }


async def _result_events_follow_their_schemas(batch_id: str) -> int:
    bootstrap = load_state(DevstackSettings.from_env())["kafka"]["bootstrap"]
    records = await faults.batch_records(bootstrap, batch_id, RESULT_EVENTS)
    for topic, _key, value in records:
        jsonschema.validate(json.loads(value), json.loads((SCHEMA_DIR / f"{topic}.json").read_text("utf-8")))
    return len({topic for topic, _, _ in records})


async def test_execute_anchor_align_and_compare_on_the_demo_set(gateway: run_demo.Gateway, tmp_path: Path) -> None:
    before = _counters()
    _runner("execute", "--demo", "--out", str(tmp_path / "run"), "--timeout", "150")
    run = report_json.read(tmp_path / "run" / "report.json")
    _consistent(run)
    assert run["estimate"]["source"] == "gateway"
    html = (tmp_path / "run" / "report.html").read_text()
    assert "<svg" in html
    assert "http://" not in html

    printed = _runner("anchor-align", "--report", str(tmp_path / "run" / "report.json"), "--out", str(tmp_path / "al"))
    alignment = report_json.read(tmp_path / "al" / "anchor-align.json")
    report_json.validate(alignment)
    assert alignment["anchor_alignment"]["anchors_scored"] == len(run["anchors"]) == 6
    assert "Kendall tau" in printed

    _runner("compare", "--demo", "--out", str(tmp_path / "cmp"), "--timeout", "150")
    compared = report_json.read(tmp_path / "cmp" / "compare.json")
    report_json.validate(compared)
    for side in ("a", "b"):
        _consistent(compared["runs"][side])
    assert compared["runs"]["a"]["settings"]["batching_mode"] == "per_request"
    assert compared["runs"]["b"]["settings"]["batching_mode"] == "serial_bundle"
    assert compared["agreement"]["essays_compared"] == 14
    tau = compared["agreement"]["kendall_tau"]
    assert tau is not None, compared["agreement"]
    assert tau > 0.3, compared["agreement"]  # the mock judge reads the same essays alike

    after = {name: value - before[name] for name, value in _counters().items()}
    assert after["late_callbacks"] == 0, "a callback arrived for a finished job"
    assert after["per_request"] >= 1, after
    assert after["serial_bundle"] >= 1, after
    assert after["bundle_calls"] >= 1, after
    # Every serial-bundle call carried between 1 and K comparisons.
    assert after["bundle_calls_within_k"] == after["bundle_calls_observed"] >= 1, after
    assert after["bundled_items"] >= after["bundle_calls_observed"], after
    for side in ("a", "b"):
        batch_id = str(compared["runs"][side]["ids"]["batch_id"])
        assert await _result_events_follow_their_schemas(batch_id) == len(RESULT_EVENTS)
