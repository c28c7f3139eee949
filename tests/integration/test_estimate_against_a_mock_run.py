"""The estimate before the start, then the same batch run with the mock judge through the running services:
the comparisons, LLM calls and tokens the run really spent fall within the estimate's range (issue 15).

The run's comparisons come from the read model; its calls and tokens from what the LLM provider service
counted at the provider boundary while the run went on (``llm_provider_provider_latency_seconds`` has one
observation per call, ``llm_provider_tokens_total`` the tokens each call reported). Those are per process,
so the test first checks that the callbacks LPS sent in that time are exactly this run's comparisons.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from common_core.http.estimates import AssessmentEstimate, CountRange
from scripts.demo import run_demo
from scripts.demo.essays import ANCHOR_GRADES, student_essays
from scripts.devstack import service_procs
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import REPO_ROOT

pytestmark = pytest.mark.timeout(600)

MOCK = {"provider": "mock", "model": "mock-judge"}
START = {"llm": {**MOCK, "batching_mode": "serial_bundle"}}


@pytest.fixture(scope="module")
def gateway() -> run_demo.Gateway:
    services = run_demo.Services.from_env()
    ports = [int(services.urls[svc.name].rsplit(":", 1)[1]) for svc in SERVICES if service_procs.is_built(svc)]
    if not all(service_procs.healthy(port) for port in ports):
        result = subprocess.run(
            [sys.executable, "-m", "scripts.devstack", "up"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"dev-up failed:\n{result.stdout}\n{result.stderr}"
    gw = run_demo.Gateway(run_demo.Services.from_env(), timeout_s=120.0)
    run_demo.sign_in(gw)
    return gw


def lps_counts(gw: run_demo.Gateway) -> dict[str, float]:
    """The mock's calls and tokens and every callback, as LPS's /metrics counts them now."""
    text = httpx.get(gw.services.urls["llm_provider_service"] + "/metrics", timeout=10).text
    counts = {"calls": 0.0, "input": 0.0, "output": 0.0, "callbacks": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            mock = {k: sample.labels.get(k) for k in ("provider", "model")} == MOCK
            if sample.name == "llm_provider_provider_latency_seconds_count" and mock:
                counts["calls"] += sample.value
            elif sample.name == "llm_provider_tokens_total" and mock and sample.labels["direction"] in counts:
                counts[sample.labels["direction"]] += sample.value
            elif sample.name == "llm_provider_comparison_callbacks_total":
                counts["callbacks"] += sample.value
    return counts


def assert_within(what: str, span: CountRange, actual: float) -> None:
    assert span.minimum <= actual <= span.maximum, f"{what}: {actual:g} outside {span.minimum}..{span.maximum}"


def test_a_mock_run_of_a_batch_spends_what_its_estimate_said(gateway: run_demo.Gateway):
    essays = student_essays(10, seed=29)
    assignment_id = run_demo.demo_assignment(gateway)
    batch_id = run_demo.create_batch(gateway, assignment_id, essays)

    answer = gateway.call("POST", "content_service", f"/v1/batches/{batch_id}/estimate", json=START)
    estimate = AssessmentEstimate.model_validate(answer)
    assert (str(estimate.batch_id), estimate.essay_count) == (batch_id, len(essays))
    assert estimate.anchor_count == len(ANCHOR_GRADES)
    assert estimate.provider_configured is True

    before = lps_counts(gateway)
    gateway.call(
        "POST",
        "content_service",
        f"/v1/batches/{batch_id}/assessments",
        json=START,  # the very body that was estimated
        headers={"Idempotency-Key": f"estimate-test-{batch_id}"},
    )
    detail = run_demo.follow(gateway, batch_id, timeout_s=480)
    spent = {k: v - before[k] for k, v in lps_counts(gateway).items()}

    job = detail["current_job"]
    assert detail["batch"]["status"] == "completed", job
    comparisons = job["comparisons_completed"] + job["comparisons_failed"]
    assert spent["callbacks"] == comparisons, "another run used LPS meanwhile: its calls cannot be told apart"
    assert_within("comparisons", estimate.comparisons, job["comparisons_completed"])
    assert_within("LLM calls", estimate.llm_calls, spent["calls"])
    assert_within("input tokens", estimate.input_tokens, spent["input"])
    assert_within("output tokens", estimate.output_tokens, spent["output"])
