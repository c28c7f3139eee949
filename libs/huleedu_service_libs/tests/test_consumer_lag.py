"""huleedu_consumer_lag: set from each owned partition's end and position, dropped when it is given up."""

from __future__ import annotations

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from huleedu_service_libs.kafka.lag import forget_lag, report_lag

SERVICE, CONSUMER = "lag_test_service", "lag_test_consumer"


class _Positions:
    """What report_lag reads of an aiokafka consumer: its partitions, their ends and its positions."""

    def __init__(self, ends: dict[TopicPartition, int | None], positions: dict[TopicPartition, int]) -> None:
        self.ends, self.positions = ends, positions

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.ends[tp]

    async def position(self, tp: TopicPartition) -> int:
        if tp not in self.positions:
            raise RuntimeError("revoked meanwhile")
        return self.positions[tp]


def lag(topic: str, partition: int) -> float | None:
    labels = {"service": SERVICE, "consumer": CONSUMER, "topic": topic, "partition": str(partition)}
    return REGISTRY.get_sample_value("huleedu_consumer_lag", labels)


async def test_lag_is_set_per_partition_and_forgotten_on_revoke():
    behind, caught_up = TopicPartition("t", 0), TopicPartition("t", 1)
    unfetched, revoked = TopicPartition("t", 2), TopicPartition("t", 3)
    consumer = _Positions(
        {behind: 10, caught_up: 5, unfetched: None, revoked: 7}, {behind: 4, caught_up: 5, unfetched: 0}
    )
    await report_lag(consumer, SERVICE, CONSUMER, timeout_s=1.0)
    assert (lag("t", 0), lag("t", 1)) == (6, 0)
    assert lag("t", 2) is None  # not fetched from yet: no end to measure against
    assert lag("t", 3) is None
    forget_lag(SERVICE, CONSUMER, [behind, revoked])  # one never reported: nothing to drop, no error
    assert (lag("t", 0), lag("t", 1)) == (None, 0)
