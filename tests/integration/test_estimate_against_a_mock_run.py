"""The estimate before the start, then the same batch run with the mock judge through the running services:
the comparisons, LLM calls, tokens and cost the run really spent fall within the estimate's range (issue 15).

The actuals are the job's own totals in the read model: its comparisons, and the usage CJ summed from
LPS's callbacks (calls told apart by the provider's request id, a bundle's tokens split over its
comparisons).
"""

from __future__ import annotations

import pytest

from common_core.http.estimates import AmountRange, AssessmentEstimate, CountRange
from scripts.demo import run_demo
from scripts.demo.essays import ANCHOR_GRADES, student_essays

pytestmark = pytest.mark.timeout(600)

START = {"llm": {"provider": "mock", "model": "mock-judge", "batching_mode": "serial_bundle"}}


def assert_within(what: str, span: CountRange | AmountRange, actual: float) -> None:
    assert span.minimum <= actual <= span.maximum, f"{what}: {actual:g} outside {span.minimum}..{span.maximum}"


def test_a_mock_run_of_a_batch_spends_what_its_estimate_said(gateway: run_demo.Gateway):
    essays = student_essays(10, seed=29)
    assignment_id = run_demo.demo_assignment(gateway)
    batch_id = run_demo.create_batch(gateway, assignment_id, essays)

    answer = gateway.call("POST", f"/v1/batches/{batch_id}/estimate", json=START)
    estimate = AssessmentEstimate.model_validate(answer)
    assert (str(estimate.batch_id), estimate.essay_count) == (batch_id, len(essays))
    assert estimate.anchor_count == len(ANCHOR_GRADES)
    assert estimate.provider_configured is True

    gateway.call(
        "POST",
        f"/v1/batches/{batch_id}/assessments",
        json=START,  # the very body that was estimated
        headers={"Idempotency-Key": f"estimate-test-{batch_id}"},
    )
    detail = run_demo.follow(gateway, batch_id, timeout_s=480)

    job = detail["current_job"]
    assert detail["batch"]["status"] == "completed", job
    usage = job["usage"]
    assert usage["unreported"] == 0  # the mock reports usage on every call
    assert_within("comparisons", estimate.comparisons, job["comparisons_completed"])
    assert_within("LLM calls", estimate.llm_calls, usage["llm_calls"])
    assert_within("input tokens", estimate.input_tokens, usage["input_tokens"])
    assert_within("output tokens", estimate.output_tokens, usage["output_tokens"])
    assert_within("cost", estimate.cost_usd, usage["cost_usd"])
