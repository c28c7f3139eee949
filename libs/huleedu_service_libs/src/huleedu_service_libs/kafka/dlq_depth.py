"""``huleedu_dlq_depth{topic}``: the records held in each dead-letter topic of the registry.

The counter ``huleedu_consumer_dlq_total`` says how many records a consumer sent to a DLQ since it
started; an operator also needs what is sitting there now, across restarts and services. The
depth of a topic is, summed over its partitions, its end offset minus its beginning offset (the
oldest record retention still keeps), read without a consumer group, so it commits nothing and
joins no group.

One process exports it for the platform (the result aggregator: see its README), since every
instance would report the same figure. Each pass is bounded by a timeout; a pass that fails (the
broker away) leaves the last figures in place and is logged, and the next pass tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from common_core.topics import Topic, dlq_topic
from huleedu_service_libs.metrics import DLQ_DEPTH

_log = structlog.get_logger(__name__)

INTERVAL_S = 30.0
TIMEOUT_S = 10.0


def registry_dlq_topics() -> list[str]:
    return [dlq_topic(topic) for topic in Topic]


def dlq_depths(
    topics: Iterable[str], beginnings: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int]
) -> dict[str, int]:
    """Records per topic; a topic with no partitions known (never created) holds none."""
    depths = dict.fromkeys(topics, 0)
    for tp, end in ends.items():
        if tp.topic in depths:
            depths[tp.topic] += max(end - beginnings.get(tp, end), 0)
    return depths


def partitions_of(metadata: Sequence[Mapping[str, Any]], topics: Iterable[str]) -> list[TopicPartition]:
    """The partitions of ``topics`` in the admin client's metadata (topics the cluster lacks are left out)."""
    wanted = set(topics)
    return [
        TopicPartition(entry["topic"], partition["partition"])
        for entry in metadata
        if entry["topic"] in wanted
        for partition in entry["partitions"]
    ]


class DlqDepthMonitor:
    """Refreshes ``huleedu_dlq_depth`` every ``interval_s`` until :meth:`stop`; runs once (supervised)."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        topics: Sequence[str] | None = None,
        interval_s: float = INTERVAL_S,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = list(topics) if topics is not None else registry_dlq_topics()
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        # Only the admin client's all-topics metadata is read: naming a topic in a metadata request
        # can make a broker with auto-creation create it.
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers, client_id="dlq_depth")
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap_servers, group_id=None, client_id="dlq_depth")
        try:
            async with asyncio.timeout(self._timeout_s):
                await admin.start()
                await consumer.start()
            while not self._stopping.is_set():
                try:
                    async with asyncio.timeout(self._timeout_s):
                        await self.refresh_once(admin, consumer)
                except Exception as exc:
                    _log.warning("dlq_depth.refresh_failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval_s):
                        await self._stopping.wait()
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            with contextlib.suppress(Exception):
                await admin.close()

    async def stop(self) -> None:
        self._stopping.set()

    async def refresh_once(self, admin: Any, consumer: Any) -> dict[str, int]:
        partitions = partitions_of(await admin.describe_topics(), self._topics)
        beginnings = await consumer.beginning_offsets(partitions) if partitions else {}
        ends = await consumer.end_offsets(partitions) if partitions else {}
        depths = dlq_depths(self._topics, beginnings, ends)
        for topic, depth in depths.items():
            DLQ_DEPTH.labels(topic).set(depth)
        return depths
