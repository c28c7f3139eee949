"""Assessments across two replicas each of CJ, the LLM provider and the result aggregator, with one
replica of each killed (SIGKILL) mid-job: the jobs complete with exact counts.

``dev-up --replicas`` starts the second replicas beside the stack's own; they share the consumer
groups, outbox tables and the Redis queue. The replicas killed have work in hand: the second CJ and
RAS have consumed records of these jobs (one job per partition), and the LLM provider that CJ sends
to has answered some; afterwards the survivors take over their partitions, outbox rows and leased
queue items.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from common_core.events.catalog import EVENTS
from common_core.events.cj_assessment import CJAssessmentCompletedV1
from scripts.demo import run_demo
from scripts.demo.essays import student_essays
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


# CJ and RAS replicas share the work through Kafka consumer groups: what shows that the second one
# did part of it is the records it consumed.
CONSUMED = "huleedu_consumer_processed_total"
# CJ sends comparisons to one LPS address (a load balancer's, in a real deployment): that replica
# always holds in-flight work, so it is the LPS replica killed, then started again at that address;
# its leased items come back to the shared queue for either replica.
LPS_WORK = "llm_provider_comparison_callbacks_total"


def _consumed(entry: dict[str, Any]) -> float:
    try:
        return faults.metric_total(f"http://127.0.0.1:{entry['port']}", CONSUMED)
    except httpx.HTTPError:
        return 0.0


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


def batches_on_every_partition(gateway: run_demo.Gateway, essays: int) -> list[str]:
    """One started batch per partition of the batch-keyed topics, so that whichever partitions the
    second CJ and RAS hold, records of these jobs reach them. Two random batch ids missed a replica's
    partitions often enough to fail CI (the chance is up to 4 in 9 with three partitions); batches
    created on a partition already covered are deleted unstarted."""
    partitions = asyncio.run(
        faults.partition_count(faults.kafka_bootstrap(), EVENTS.topic_for(CJAssessmentCompletedV1))
    )
    assignment_id = run_demo.demo_assignment(gateway)
    chosen: dict[int, str] = {}
    seed = 2101
    while len(chosen) < partitions:
        batch_id = run_demo.create_batch(gateway, assignment_id, student_essays(count=essays, seed=seed))
        seed += 1
        partition = faults.partition_of(batch_id, partitions)
        if partition in chosen:
            gateway.call("DELETE", f"/v1/batches/{batch_id}")
        else:
            chosen[partition] = batch_id
    for batch_id in chosen.values():
        run_demo.start_assessment(gateway, batch_id, "per_request")
    return list(chosen.values())


def test_a_job_across_two_replicas_survives_one_of_each_killed(gateway: run_demo.Gateway) -> None:
    with two_of_each() as second:
        batch_ids = batches_on_every_partition(gateway, essays=12)
        for batch_id in batch_ids:
            faults.wait_for_progress(gateway, batch_id, at_least=6)
        # The second CJ and RAS have taken part in these jobs before they are killed.
        wait_until(
            lambda: _consumed(second[faults.CJ]) > 0 and _consumed(second[faults.RAS]) > 0,
            120.0,
            "the second CJ and RAS to consume records",
        )
        lps = run_demo.service_url(faults.LPS)
        assert faults.metric_total(lps, LPS_WORK) > 0, "the LPS to be killed answered nothing yet"
        for name in (faults.CJ, faults.RAS):
            faults.kill_pid(second[name]["pid"], f"{name}#2")
        faults.kill(faults.LPS)
        faults.restart(faults.LPS, JUDGE)
        details = [faults.follow(gateway, batch_id) for batch_id in batch_ids]
        assert not any(pid_alive(second[name]["pid"]) for name in (faults.CJ, faults.RAS))
    for batch_id, detail in zip(batch_ids, details, strict=True):
        faults.assert_counts_agree(gateway, batch_id, detail)
