"""An assessment across two replicas each of CJ, the LLM provider and the result aggregator, with one
replica of each killed (SIGKILL) mid-job: the job completes with exact counts.

``dev-up --replicas`` starts the second replicas beside the stack's own; they share the consumer
groups, outbox tables and the Redis queue. Before the kill, each second replica must have done part
of the work (consumed records), so the kill interrupts something; afterwards the survivors take
over their partitions, outbox rows and leased queue items.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from scripts.demo import run_demo
from scripts.devstack.procs import pid_alive, wait_until
from scripts.devstack.settings import DevstackSettings
from scripts.devstack.state import load_state
from tests.e2e import faults

pytestmark = [pytest.mark.integration, pytest.mark.heavy, pytest.mark.timeout(900)]

SCALED = (faults.CJ, faults.LPS, faults.RAS)
# Both LLM providers judge slowly, two calls at a time each (so one alone cannot take a whole wave
# and leave the other idle), and a killed one's leased items come back after 10 s, not 2 min.
JUDGE = faults.SLOW_JUDGE | {
    "LLM_PROVIDER_SERVICE_MOCK_MAX_CONCURRENCY": "2",
    "LLM_PROVIDER_SERVICE_LEASE_S": "10",
}


def _second_replicas() -> dict[str, dict[str, Any]]:
    extra = load_state(DevstackSettings.from_env()).get("replicas", {})
    return {name: extra[name][0] for name in SCALED}


# What shows that a replica did part of the jobs' work: CJ and RAS consume Kafka records; LPS takes
# requests over HTTP and works its Redis queue, answering with callbacks.
WORK = {
    faults.CJ: "huleedu_consumer_processed_total",
    faults.LPS: "llm_provider_comparison_callbacks_total",
    faults.RAS: "huleedu_consumer_processed_total",
}


def _work_done(second: dict[str, dict[str, Any]]) -> dict[str, float]:
    done = {}
    for name, entry in second.items():
        try:
            done[name] = faults.metric_total(f"http://127.0.0.1:{entry['port']}", WORK[name])
        except httpx.HTTPError:
            done[name] = 0.0
    return done


@contextmanager
def two_of_each() -> Iterator[dict[str, dict[str, Any]]]:
    """Two replicas of CJ, LPS and RAS (LPS with ``JUDGE``); one of each again afterwards."""
    faults.restart(faults.LPS, JUDGE)
    spec = ",".join(f"{name}=2" for name in SCALED)
    faults.devstack("up", "--replicas", spec, env=JUDGE)
    try:
        yield _second_replicas()
    finally:
        faults.devstack("up", "--replicas", ",".join(f"{name}=1" for name in SCALED))
        faults.restart(faults.LPS)


def test_a_job_across_two_replicas_survives_one_of_each_killed(gateway: run_demo.Gateway) -> None:
    with two_of_each() as second:
        batch_ids = [faults.start_batch(gateway, essays=16, mode="per_request", seed=seed) for seed in (2101, 2102)]
        for batch_id in batch_ids:
            faults.wait_for_progress(gateway, batch_id, at_least=6)
        # Each second replica has taken part in these jobs before it is killed.
        wait_until(lambda: all(_work_done(second).values()), 120.0, "every second replica to do part of the work")
        for name, entry in second.items():
            faults.kill_pid(entry["pid"], f"{name}#2")
        details = [faults.follow(gateway, batch_id) for batch_id in batch_ids]
        assert not any(pid_alive(entry["pid"]) for entry in second.values())
    for batch_id, detail in zip(batch_ids, details, strict=True):
        faults.assert_counts_agree(gateway, batch_id, detail)
