"""The live streams' source: CJ's progress, completion and failure topics, handed to the hub.

Consumer policy, deliberately not the shared ``ConsumerRunner``'s: every BFF instance must see
every event (it fans them out to its own open streams), so each consumes in a group of its own,
``bff_teacher_service-<host>-<pid>-<random>``, from the latest offset. A stream opens with a
snapshot from the result aggregator, so history is never needed and nothing is committed: the
feed has no durable effect to protect, and a restarted instance simply starts at the end again.
A group that never commits leaves no offsets behind, and the broker forgets it once it is empty.

A record that cannot be read is logged and skipped. There is no dead-letter topic here: the
owners of these topics (the result aggregator, the content service) dead-letter what they cannot
process, and a fan-out that commits nothing has nothing to retry; stopping on one bad record
would freeze every teacher's progress.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from pydantic import BaseModel

from bff_teacher_service.domain.live_progress import LiveEvent, completed_event, failed_event, progress_event
from bff_teacher_service.service_layer.progress_hub import ProgressHub
from common_core.envelope import EventEnvelope
from common_core.events.cj_assessment import CJAssessmentCompletedV1, CJAssessmentFailedV1, CJAssessmentProgressV1
from common_core.topics import Topic
from huleedu_service_libs.kafka.dead_letter import parse_envelope
from huleedu_service_libs.kafka.lag import forget_lag, report_lag
from huleedu_service_libs.kafka.limits import MAX_RECORD_BYTES

M = TypeVar("M", bound=BaseModel)
Reader = Callable[[bytes | None], LiveEvent]

_log = structlog.stdlib.get_logger(__name__)

# The consumer label of huleedu_consumer_lag: one stable name, not the per-instance group id, so a
# restarted instance reports under the same series.
LAG_CONSUMER_NAME = "progress_feed"


def _reader(topic: Topic, model: type[M], to_event: Callable[[M], LiveEvent]) -> Reader:
    envelope: type[EventEnvelope[M]] = EventEnvelope[model]  # type: ignore[valid-type]

    def read(value: bytes | None) -> LiveEvent:
        return to_event(parse_envelope(envelope, topic.value, value).data)

    return read


READERS: dict[str, Reader] = {
    Topic.CJ_ASSESSMENT_PROGRESS.value: _reader(Topic.CJ_ASSESSMENT_PROGRESS, CJAssessmentProgressV1, progress_event),
    Topic.CJ_ASSESSMENT_COMPLETED.value: _reader(
        Topic.CJ_ASSESSMENT_COMPLETED, CJAssessmentCompletedV1, completed_event
    ),
    Topic.CJ_ASSESSMENT_FAILED.value: _reader(Topic.CJ_ASSESSMENT_FAILED, CJAssessmentFailedV1, failed_event),
}


def instance_group_id(service_name: str) -> str:
    """A consumer group of this process alone, named so that an operator can tell whose it is."""
    return f"{service_name}-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def deliver(hub: ProgressHub, topic: str, value: bytes | None) -> bool:
    """Hand one record to the hub; False (logged) when it cannot be read."""
    try:
        event = READERS[topic](value)
    except Exception as exc:
        _log.error("progress_feed.record_skipped", topic=topic, error=repr(exc)[:1000])
        return False
    hub.publish(event)
    return True


class KafkaProgressFeed:
    """Consumes until :meth:`stop`; runs once (the supervisor builds a new one for each restart)."""

    def __init__(
        self,
        bootstrap_servers: str,
        group_id: str,
        hub: ProgressHub,
        *,
        service_name: str,
        poll_timeout_ms: int = 500,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 10.0,
        lag_timeout_s: float = 5.0,
    ) -> None:
        self.group_id = group_id
        self._service_name = service_name
        self._hub = hub
        self._bootstrap_servers = bootstrap_servers
        self._poll_timeout_ms = poll_timeout_ms
        self._start_timeout_s = start_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._lag_timeout_s = lag_timeout_s
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._ran = False

    async def run(self) -> None:
        if self._ran:
            raise RuntimeError("a KafkaProgressFeed runs once")
        self._ran = True
        consumer = AIOKafkaConsumer(
            *READERS,
            bootstrap_servers=self._bootstrap_servers,
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            max_partition_fetch_bytes=MAX_RECORD_BYTES,  # a large batch's result event is over 1 MB
        )
        try:
            async with asyncio.timeout(self._start_timeout_s):
                await consumer.start()
            _log.info("progress_feed.started", group_id=self.group_id, topics=list(READERS))
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=self._poll_timeout_ms)
                await report_lag(consumer, self._service_name, LAG_CONSUMER_NAME, self._lag_timeout_s)
                for records in batch.values():
                    self._deliver_all(records)
        finally:
            await self._leave(consumer)

    async def stop(self) -> None:
        self._stopping.set()
        if self._ran:
            await self._stopped.wait()

    def _deliver_all(self, records: list[ConsumerRecord]) -> None:
        for record in records:
            deliver(self._hub, record.topic, record.value)

    async def _leave(self, consumer: AIOKafkaConsumer) -> None:
        forget_lag(self._service_name, LAG_CONSUMER_NAME, consumer.assignment())
        try:
            async with asyncio.timeout(self._stop_timeout_s):
                await consumer.stop()
        except Exception as exc:
            _log.warning("progress_feed.stop_failed", group_id=self.group_id, error=repr(exc))
        finally:
            self._stopped.set()


@dataclass(frozen=True)
class ProgressFeeds:
    """Builds the feed afresh for each (re)start, in this process's one consumer group."""

    bootstrap_servers: str
    group_id: str
    hub: ProgressHub
    service_name: str

    def __call__(self) -> KafkaProgressFeed:
        return KafkaProgressFeed(self.bootstrap_servers, self.group_id, self.hub, service_name=self.service_name)
