"""What the cross-service fault tests share: killing and restarting parts of the running dev stack,
a slow or failing mock judge, and the comparison counts that must agree after a fault.

Every test drives the platform as a client would, through the gateway; the stack is put back
as it was (default settings, every part running) when a test ends, whatever happened.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from common_core.events.catalog import EVENTS
from huleedu_service_libs.kafka.dlq_depth import partitions_of
from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.devstack.procs import pid_alive, wait_until
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.devstack.state import load_state

CJ = "cj_assessment_service"
LPS = "llm_provider_service"
RAS = "result_aggregator_service"
# Slow enough that a 24-essay job runs for tens of seconds (time to interrupt it), fast enough for CI.
SLOW_JUDGE = {"LLM_PROVIDER_SERVICE_MOCK_LATENCY_MS_MEAN": "400", "LLM_PROVIDER_SERVICE_MOCK_LATENCY_MS_JITTER": "100"}


def devstack(*args: str, env: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.devstack", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"devstack {' '.join(args)} failed:\n{result.stdout}{result.stderr}"


def pid_of(part: str) -> int:
    """The pid of a service, or of ``kafka``, as the dev stack's state records it."""
    state = load_state(DevstackSettings.from_env())
    entry = state["kafka"] if part == "kafka" else state["services"][part]
    return int(entry["pid"])


def kill(part: str) -> None:
    """SIGKILL, no chance to clean up: what a crash or an OOM kill does."""
    kill_pid(pid_of(part), part)


def kill_pid(pid: int, what: str) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    wait_until(lambda: not pid_alive(pid), 30.0, f"{what} (pid {pid}) to die")


def restart(service: str, settings: Mapping[str, str] | None = None) -> None:
    """The stack's own restart of one service, with ``settings`` added to its environment."""
    devstack("restart", service, env=settings)


def bring_up() -> None:
    """``dev-up``: starts whatever part of the stack is not running (Kafka after it was killed)."""
    devstack("up")


@contextmanager
def judge(settings: Mapping[str, str]) -> Iterator[None]:
    """The stack's LLM provider restarted with mock-judge ``settings``; restarted with the defaults after."""
    restart(LPS, settings)
    try:
        yield
    finally:
        restart(LPS)


def start_batch(gw: run_demo.Gateway, essays: int, mode: str, seed: int) -> str:
    """A demo batch of ``essays`` generated essays, with the demo assignment's anchors, started."""
    batch_id = run_demo.create_batch(gw, run_demo.demo_assignment(gw), student_essays(count=essays, seed=seed))
    run_demo.start_assessment(gw, batch_id, mode)
    return batch_id


def kafka_bootstrap() -> str:
    return str(load_state(DevstackSettings.from_env())["kafka"]["bootstrap"])


async def partition_count(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return len(partitions_of(await admin.describe_topics([topic]), [topic]))
    finally:
        await admin.close()


def partition_of(batch_id: str, partitions: int) -> int:
    """The partition of a batch's events: they are keyed by the batch id and placed by aiokafka's default
    partitioner (Java's murmur2), as every outbox relay sends them."""
    return int(DefaultPartitioner()(batch_id.encode("utf-8"), list(range(partitions)), []))


def comparisons_done(gw: run_demo.Gateway, batch_id: str) -> int:
    try:
        detail = gw.call("GET", f"/v1/results/batches/{batch_id}")
    except run_demo.DemoError as exc:
        if "404" in str(exc):
            return 0
        raise
    job = detail.get("current_job") or {}
    return int(job.get("comparisons_done") or 0)


def wait_for_progress(gw: run_demo.Gateway, batch_id: str, at_least: int, timeout_s: float = 180.0) -> None:
    wait_until(
        lambda: comparisons_done(gw, batch_id) >= at_least, timeout_s, f"{at_least} comparisons of batch {batch_id}"
    )


@dataclass(frozen=True)
class Counts:
    """The comparisons of a finished batch, counted where each service keeps them."""

    in_cj: int  # answered comparisons, from CJ (the teacher's essay pages)
    in_completed_event: int  # the job's comparisons_completed, from CJ's completed event (RAS)
    in_ras_results: int  # half the sum of the essays' comparison counts (RAS, from the result event)
    judged_twice_in_a_wave: list[tuple[int, frozenset[str]]]
    listed_twice: list[tuple[str, str]]  # (essay, pair) shown twice on one essay's page


def count_comparisons(gw: run_demo.Gateway, batch_id: str, detail: Mapping[str, Any]) -> Counts:
    answered_sides = 0
    pairs_by_wave: Counter[tuple[int, frozenset[str]]] = Counter()
    listed_twice: list[tuple[str, str]] = []
    answered_pair_ids: set[str] = set()
    for row in detail["essays"]:
        essay_id = str(row["essay_id"])
        page = gw.call("GET", f"/bff/v1/teacher/batches/{batch_id}/essays/{essay_id}")
        seen = Counter(str(c["pair_id"]) for c in page["comparisons"])
        listed_twice += [(essay_id, pair) for pair, n in seen.items() if n > 1]
        for comparison in page["comparisons"]:
            if comparison["outcome"] not in ("won", "lost"):
                continue
            answered_sides += 1
            pair_id = str(comparison["pair_id"])
            if pair_id not in answered_pair_ids:
                answered_pair_ids.add(pair_id)
                pairs_by_wave[(comparison["wave"], frozenset({essay_id, str(comparison["opponent_essay_id"])}))] += 1
    results = [row["result"] for row in detail["essays"] if row["result"] is not None]
    job = detail["current_job"]
    return Counts(
        in_cj=answered_sides // 2 if answered_sides % 2 == 0 else -answered_sides,  # odd: a side is missing
        in_completed_event=int(job["comparisons_completed"]),
        in_ras_results=sum(int(r["comparison_count"]) for r in results) // 2,
        judged_twice_in_a_wave=[key for key, n in pairs_by_wave.items() if n > 1],
        listed_twice=listed_twice,
    )


def assert_counts_agree(gw: run_demo.Gateway, batch_id: str, detail: Mapping[str, Any]) -> Counts:
    assert detail["batch"]["status"] == "completed", detail["batch"]
    assert all(row["result"] is not None for row in detail["essays"]), "an essay has no result"
    counts = count_comparisons(gw, batch_id, detail)
    assert counts.listed_twice == [], f"comparisons stored twice: {counts.listed_twice}"
    assert counts.judged_twice_in_a_wave == [], f"pairs judged twice in one wave: {counts.judged_twice_in_a_wave}"
    assert counts.in_cj > 0
    assert counts.in_cj == counts.in_completed_event == counts.in_ras_results, counts
    return counts


def follow(gw: run_demo.Gateway, batch_id: str, timeout_s: float = 600.0) -> dict[str, Any]:
    """The batch once final, quietly (the demo's follow prints each status change)."""
    return run_demo.follow(gw, batch_id, timeout_s, on_progress=lambda _detail: None)


def metric_total(url: str, name: str, labels: Mapping[str, str] | None = None) -> float:
    """The sum of a metric's samples (those with ``labels``) at a service's /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10.0).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in (labels or {}).items()):
                total += sample.value
    return total


async def batch_records(
    bootstrap: str, batch_id: str, models: Iterable[type[BaseModel]]
) -> list[tuple[str, bytes | None, bytes]]:
    """(topic, key, value) of every record about the batch on the topics of ``models``, in each partition's
    order, read from the start without a consumer group (nothing is committed, no group disturbed)."""
    topics = [EVENTS.topic_for(model) for model in models]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = partitions_of(await admin.describe_topics(), topics)
    finally:
        await admin.close()
    assert len({tp.topic for tp in partitions}) == len(topics), f"missing topics among {topics}"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[tuple[str, bytes | None, bytes]] = []
        deadline = time.monotonic() + 60.0
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            assert time.monotonic() < deadline, "reading RAS's topics back took over a minute"
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    if record.value is not None and _batch_of(record.value) == batch_id:
                        found.append((record.topic, record.key, record.value))
        return found
    finally:
        await consumer.stop()


def _batch_of(value: bytes) -> str | None:
    """The batch id an event on a shared topic is about; None for a record that is no event at all
    (a poison record someone sent by hand: the consumers dead-letter those, and so must the reader skip them)."""
    try:
        event = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    data = event.get("data") if isinstance(event, dict) else None
    return data.get("batch_id") if isinstance(data, dict) else None
