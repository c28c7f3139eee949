"""A service killed in the middle of a job (SIGKILL: no shutdown hook runs) loses and duplicates nothing.

CJ keeps its waves and pairs in PostgreSQL and sends through the outbox; LPS keeps its queue in
Redis; every consumer is idempotent and commits after success. So after any of them dies mid-job,
the job must still complete, and the comparisons counted in CJ, in CJ's completed event and in the
result aggregator's results must agree exactly, with no pair judged twice in a wave.
"""

from __future__ import annotations

import pytest

from scripts.demo import run_demo
from tests.e2e import faults

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(900)]


def test_cj_killed_three_times_mid_job_completes_with_exact_counts(gateway: run_demo.Gateway) -> None:
    with faults.judge(faults.SLOW_JUDGE):
        batch_id = faults.start_batch(gateway, essays=24, mode="per_request", seed=2001)
        done = 0
        for _ in range(3):
            faults.wait_for_progress(gateway, batch_id, at_least=done + 8)
            done = faults.comparisons_done(gateway, batch_id)
            faults.kill(faults.CJ)
            faults.restart(faults.CJ)
        detail = faults.follow(gateway, batch_id)
    counts = faults.assert_counts_agree(gateway, batch_id, detail)
    assert counts.in_cj > done, "the job finished before the last kill: the test interrupted nothing"


# The items the killed LPS had leased come back to the queue when their lease runs out: shortened
# from two minutes so that the test does not wait that long.
SHORT_LEASES = faults.SLOW_JUDGE | {"LLM_PROVIDER_SERVICE_LEASE_S": "10"}


def test_llm_provider_killed_mid_job_loses_and_duplicates_nothing(gateway: run_demo.Gateway) -> None:
    with faults.judge(SHORT_LEASES):
        batch_id = faults.start_batch(gateway, essays=24, mode="per_request", seed=2002)
        faults.wait_for_progress(gateway, batch_id, at_least=8)
        faults.kill(faults.LPS)
        faults.restart(faults.LPS, SHORT_LEASES)
        detail = faults.follow(gateway, batch_id)
    faults.assert_counts_agree(gateway, batch_id, detail)
