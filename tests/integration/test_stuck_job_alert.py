"""The stuck-job alert fires on a job that really is stuck (issue 19).

The stack's CJ service is stopped for the test and a second one takes its place: the same database
and Kafka group, but an LLM provider address where nothing listens (so no comparison is ever
answered) and a stuck-job threshold of seconds instead of 15 minutes. A job started through the
gateway then makes no progress; its ``cj_stuck_jobs`` gauge must go positive, and a Prometheus
loaded with the checked-in alert rules must evaluate ``CjJobStuck``'s expression as positive and
fire the alert. The stack's CJ is restarted afterwards, whatever happened, and the job cancelled.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.devstack.procs import ensure_packages, free_port, spawn, terminate, wait_until
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.devstack.state import load_state
from scripts.observability import prometheus_server
from scripts.observability.render import RULES_DIR
from tests.integration.stack import extra_service

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

CJ = "cj_assessment_service"
ALERT = "CjJobStuck"
# Threshold below the monitor's interval: every pass finds the job idle past the threshold again
# (the re-submit it triggers counts as activity), so the gauge stays up instead of flickering.
STUCK_SETTINGS = {
    "CJ_ASSESSMENT_SERVICE_STUCK_AFTER_S": "2",
    "CJ_ASSESSMENT_SERVICE_MONITOR_INTERVAL_S": "4",
    # Keep re-submitting rather than failing the job while the test watches it.
    "CJ_ASSESSMENT_SERVICE_STUCK_MAX_RESUBMITS": "1000",
}


def _rule_expr(alert: str) -> str:
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == alert:
                    return str(rule["expr"])
    raise AssertionError(f"no alert rule named {alert}")


def _stuck_gauge(cj_url: str) -> float:
    text = httpx.get(f"{cj_url}/metrics", timeout=5.0).text
    for family in text_string_to_metric_families(text):
        if family.name == "cj_stuck_jobs":
            return float(family.samples[0].value)
    raise AssertionError("cj_stuck_jobs is not exported")


@contextmanager
def stack_cj_stopped() -> Iterator[None]:
    """The dev stack's CJ process stopped for the block, and restarted (``dev-restart``) after it."""
    state = load_state(DevstackSettings.from_env())
    assert terminate(state["services"][CJ]["pid"]), "the stack's CJ service was not running"
    try:
        yield
    finally:
        restarted = subprocess.run(
            [sys.executable, "-m", "scripts.devstack", "restart", CJ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert restarted.returncode == 0, f"restarting the stack's CJ failed:\n{restarted.stdout}{restarted.stderr}"


@contextmanager
def prometheus_scraping(target_url: str, work: Path) -> Iterator[str]:
    """A throwaway Prometheus scraping ``target_url`` every second, with the checked-in alert rules."""
    ensure_packages({"prometheus": "prometheus"}, DevstackSettings.from_env().allow_apt)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES_DIR / "*.yml")],
        "scrape_configs": [
            {
                "job_name": "huleedu",
                "static_configs": [{"targets": [target_url.removeprefix("http://")], "labels": {"service": CJ}}],
            }
        ],
    }
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    cmd = prometheus_server.command("prometheus", config_path, work / "data", port)
    log_file = work / "prometheus.log"
    pid = spawn(cmd, log_file, cwd=work)
    try:
        wait_until(lambda: prometheus_server.is_ready(port), 60.0, "the test's Prometheus", log_file)
        yield prometheus_server.base_url(port)
    finally:
        terminate(pid)


def _query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=5.0).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def _firing(prometheus: str, alert: str) -> bool:
    answer = httpx.get(f"{prometheus}/api/v1/alerts", timeout=5.0).json()
    return any(a["labels"].get("alertname") == alert and a["state"] == "firing" for a in answer["data"]["alerts"])


def test_a_job_without_answers_raises_the_stuck_gauge_and_fires_the_alert(
    gateway: run_demo.Gateway, tmp_path: Path
) -> None:
    expr = _rule_expr(ALERT)
    batch_id = run_demo.create_batch(gateway, run_demo.demo_assignment(gateway), student_essays(count=4, seed=1919))
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = STUCK_SETTINGS | {"CJ_ASSESSMENT_SERVICE_LLM_PROVIDER_SERVICE_URL": nowhere}
    with stack_cj_stopped(), extra_service(CJ, settings, tmp_path / "cj.log") as (cj_url, _):
        assert _stuck_gauge(cj_url) == 0, "a job was stuck before this test started one"
        run_demo.start_assessment(gateway, batch_id, "per_request")
        wait_until(lambda: _stuck_gauge(cj_url) >= 1, 120.0, "cj_stuck_jobs to count the job", tmp_path / "cj.log")

        with prometheus_scraping(cj_url, tmp_path / "prometheus") as prometheus:
            wait_until(lambda: bool(_query(prometheus, expr)), 60.0, f"{ALERT}'s expression to be positive")
            (sample,) = _query(prometheus, expr)
            assert sample["metric"]["service"] == CJ
            assert float(sample["value"][1]) >= 1
            wait_until(lambda: _firing(prometheus, ALERT), 60.0, f"{ALERT} to fire")

    # The stack's own CJ is back: the stuck job can be cancelled through the public route.
    wait_until(lambda: _cancelled(gateway, batch_id), 60.0, "the stuck job to be cancelled through the gateway")


def _cancelled(gateway: run_demo.Gateway, batch_id: str) -> bool:
    try:
        answer = gateway.call("POST", f"/v1/batches/{batch_id}/cancel")
    except run_demo.DemoError as exc:
        if " 50" in str(exc):  # the restarted CJ is still coming up
            return False
        if "has no assessment to cancel" in str(exc):  # the read model has not seen the job's first event yet
            return False
        raise
    return bool(answer)
