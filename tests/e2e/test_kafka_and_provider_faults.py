"""The broker dying mid-job, and a provider that fails a quarter of its calls.

Kafka killed (SIGKILL) and restarted: producers (the outboxes) and consumers reconnect, nothing sent
is lost, and idempotent consumers make the records delivered again after the restart harmless, so
the job completes with exact counts and no duplicate results. A provider failing 25 % of calls
(429, 500, timeouts, malformed answers) is retried within the job's budget, and the errors show in
the LLM provider's and CJ's metrics.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from common_core.events.cj_assessment import AssessmentBudget
from scripts.demo import run_demo
from tests.e2e import faults

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(900)]

# 25 % of calls fail, evenly over the four kinds (the mock draws a fault per call and attempt).
FAULTY_JUDGE = {
    "LLM_PROVIDER_SERVICE_MOCK_PROFILE": "error_injection",
    "LLM_PROVIDER_SERVICE_MOCK_RATE_429": "0.0625",
    "LLM_PROVIDER_SERVICE_MOCK_RATE_500": "0.0625",
    "LLM_PROVIDER_SERVICE_MOCK_RATE_TIMEOUT": "0.0625",
    "LLM_PROVIDER_SERVICE_MOCK_RATE_MALFORMED": "0.0625",
    # Retried as in production but sooner: the test is about the retries, not about the backoff's length.
    "LLM_PROVIDER_SERVICE_RETRY_BASE_S": "0.2",
    "LLM_PROVIDER_SERVICE_RETRY_CAP_S": "2",
}

ERRORS = "llm_provider_provider_errors_total"
INJECTED_CODES = ("RATE_LIMIT", "PROVIDER_UNAVAILABLE", "TIMEOUT", "INVALID_RESPONSE")


def test_kafka_killed_and_restarted_mid_job_completes_without_duplicate_results(gateway: run_demo.Gateway) -> None:
    with faults.judge(faults.SLOW_JUDGE):
        batch_id = faults.start_batch(gateway, essays=24, mode="per_request", seed=2003)
        faults.wait_for_progress(gateway, batch_id, at_least=8)
        faults.kill("kafka")
        time.sleep(5)  # down long enough for every producer and consumer to lose its connection
        faults.bring_up()
        detail = faults.follow(gateway, batch_id)
    faults.assert_counts_agree(gateway, batch_id, detail)
    essays = Counter(str(row["essay_id"]) for row in detail["essays"])
    assert [essay for essay, n in essays.items() if n > 1] == [], "an essay has two results"


def test_a_quarter_of_provider_calls_failing_still_completes_within_budget(gateway: run_demo.Gateway) -> None:
    lps = run_demo.service_url(faults.LPS)
    with faults.judge(FAULTY_JUDGE):  # a fresh LPS process: its counters start at zero
        batch_id = faults.start_batch(gateway, essays=16, mode="per_request", seed=2004)
        detail = faults.follow(gateway, batch_id)
        errors = {code: faults.metric_total(lps, ERRORS, {"code": code}) for code in INJECTED_CODES}
    counts = faults.assert_counts_agree(gateway, batch_id, detail)
    essays = len(detail["essays"])  # students and anchors: every one is compared
    budget = AssessmentBudget().max_comparisons_per_essay  # the demo starts with the default budget
    assert counts.in_cj <= budget * essays // 2, f"{counts.in_cj} comparisons for {essays} essays"
    # LPS retries these itself, so they show in its error counter, one code per injected kind.
    assert all(n > 0 for n in errors.values()), f"{ERRORS} by code: {errors}"
