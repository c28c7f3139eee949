"""huleedu_dlq_depth: records between each DLQ partition's beginning and end, summed per topic."""

from __future__ import annotations

from typing import Any

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from common_core.topics import Topic, dlq_topic
from huleedu_service_libs.kafka.dlq_depth import DlqDepthMonitor, dlq_depths, partitions_of, registry_dlq_topics

A, B, ABSENT = "test.a.v1.dlq", "test.b.v1.dlq", "test.absent.v1.dlq"


def depth(topic: str) -> float | None:
    return REGISTRY.get_sample_value("huleedu_dlq_depth", {"topic": topic})


def test_every_registry_topic_has_its_dlq_watched():
    assert registry_dlq_topics() == [dlq_topic(topic) for topic in Topic]
    assert all(name.endswith(".dlq") for name in registry_dlq_topics())


def test_depth_sums_partitions_and_counts_only_retained_records():
    a0, a1, b0 = TopicPartition(A, 0), TopicPartition(A, 1), TopicPartition(B, 0)
    beginnings = {a0: 0, a1: 5, b0: 7}  # retention already removed b's first seven records
    ends = {a0: 3, a1: 9, b0: 7}
    assert dlq_depths([A, B, ABSENT], beginnings, ends) == {A: 7, B: 0, ABSENT: 0}


def test_only_the_watched_topics_partitions_are_asked_for():
    metadata = [
        {"topic": A, "partitions": [{"partition": 0}, {"partition": 1}]},
        {"topic": "test.a.v1", "partitions": [{"partition": 0}]},
    ]
    assert partitions_of(metadata, [A, ABSENT]) == [TopicPartition(A, 0), TopicPartition(A, 1)]


class _Cluster:
    """The admin client's metadata and the consumer's offsets, as one stand-in for both."""

    def __init__(self, offsets: dict[TopicPartition, tuple[int, int]]) -> None:
        self.offsets = offsets

    async def describe_topics(self) -> list[dict[str, Any]]:
        topics: dict[str, list[dict[str, int]]] = {}
        for tp in self.offsets:
            topics.setdefault(tp.topic, []).append({"partition": tp.partition})
        return [{"topic": topic, "partitions": partitions} for topic, partitions in topics.items()]

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.offsets[tp][0] for tp in partitions}

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.offsets[tp][1] for tp in partitions}


async def test_a_pass_sets_the_gauge_of_every_watched_topic_and_follows_a_replay():
    monitor = DlqDepthMonitor("unused:9092", topics=[A, ABSENT])
    cluster = _Cluster({TopicPartition(A, 0): (0, 4)})
    await monitor.refresh_once(cluster, cluster)
    assert (depth(A), depth(ABSENT)) == (4, 0)
    cluster.offsets[TopicPartition(A, 0)] = (4, 4)  # retention (or a purge after replay) emptied it
    await monitor.refresh_once(cluster, cluster)
    assert depth(A) == 0
