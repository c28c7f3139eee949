"""The consumer runner every service uses: parse, deduplicate, handle, commit, dead-letter.

Commit policy (ARCHITECTURE §3): records are handled one at a time, in partition order, and a
record's offset is committed only after its effects are durable. A retryable failure is retried
with backoff and never committed past. A poison record, or one whose handler fails permanently,
goes to ``<topic>.dlq`` and then the offset moves on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.typing import FilteringBoundLogger

from common_core.envelope import EventEnvelope, headers_to_dict
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.idempotency import claim_event
from huleedu_service_libs.kafka.backoff import RetryPolicy
from huleedu_service_libs.kafka.dead_letter import (
    FailureKind,
    dead_letter_headers,
    dead_letter_topic,
    failure_kind,
    loggable,
    parse_envelope,
)
from huleedu_service_libs.kafka.lag import forget_lag, report_lag
from huleedu_service_libs.kafka.limits import MAX_RECORD_BYTES
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.metrics import (
    CONSUMER_DLQ,
    CONSUMER_DUPLICATES,
    CONSUMER_FAILURES,
    CONSUMER_PROCESSED,
)

M = TypeVar("M", bound=BaseModel)

_log: FilteringBoundLogger = structlog.get_logger()


@dataclass(frozen=True)
class HandlerContext:
    """Where the record came from, and the transaction its effects belong to."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: Mapping[str, str]
    attempt: int
    # The runner's per-record transaction, when it has a session factory. Write through it and
    # never commit it: the runner commits it together with the idempotency claim.
    session: AsyncSession | None


Handler = Callable[[EventEnvelope[M], HandlerContext], Awaitable[None]]


@dataclass(frozen=True)
class _Route:
    envelope_model: type[EventEnvelope[Any]]
    handler: Handler[Any]


class ConsumerRunner:
    """Consumes the subscribed topics as the consumer group ``consumer_name`` until :meth:`stop`.

    With ``session_factory`` and ``processed_events`` each record is handled in one database
    transaction that also claims its event id, so a redelivered event is skipped. The
    ``publisher`` (for dead letters) belongs to the service, which stops it; :meth:`run` starts it
    if nobody has yet. A runner runs once.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        service_name: str,
        consumer_name: str,
        publisher: EventPublisher,
        registry: EventRegistry,
        *,
        session_factory: async_sessionmaker[AsyncSession] | None = None,
        processed_events: Table | None = None,
        retry: RetryPolicy | None = None,
        handler_timeout_s: float = 60.0,
        poll_timeout_ms: int = 500,
        max_poll_records: int = 100,
        request_timeout_ms: int = 30_000,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        max_poll_interval_ms: int = 600_000,
        start_timeout_s: float = 30.0,
        commit_timeout_s: float = 15.0,
        stop_timeout_s: float = 30.0,
    ) -> None:
        if (session_factory is None) != (processed_events is None):
            raise ValueError("session_factory and processed_events go together")
        self.retry = retry or RetryPolicy()
        # Inline retries happen between polls; if they outlast max_poll_interval the broker
        # evicts this member mid-record.
        worst_case_s = self.retry.max_inline_attempts * (
            handler_timeout_s + publisher.delivery_timeout_s + self.retry.max_backoff_s
        )
        if worst_case_s * 1000 >= max_poll_interval_ms:
            raise ValueError(
                f"inline retries of one record can take {worst_case_s:.0f} s; "
                "max_poll_interval_ms must be longer than that"
            )
        self.service_name = service_name
        self.consumer_name = consumer_name
        self._publisher = publisher
        self._registry = registry
        self._idempotency: tuple[async_sessionmaker[AsyncSession], Table] | None = None
        if session_factory is not None and processed_events is not None:
            self._idempotency = (session_factory, processed_events)
        self._handler_timeout_s = handler_timeout_s
        self._poll_timeout_ms = poll_timeout_ms
        self._request_timeout_s = request_timeout_ms / 1000
        self._start_timeout_s = start_timeout_s
        self._commit_timeout_s = commit_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._consumer_options: dict[str, object] = {
            "bootstrap_servers": bootstrap_servers,
            "group_id": consumer_name,
            "client_id": f"{service_name}.{consumer_name}",
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": max_poll_records,
            "request_timeout_ms": request_timeout_ms,
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "max_poll_interval_ms": max_poll_interval_ms,
            "max_partition_fetch_bytes": MAX_RECORD_BYTES,
        }
        self._routes: dict[str, _Route] = {}
        # Per partition: (offset of the record that keeps failing, failed attempts so far). It
        # survives a seek-back, so the backoff keeps growing across polls instead of resetting.
        self._failures: dict[TopicPartition, tuple[int, int]] = {}
        self._stopping = asyncio.Event()
        self._stopped = asyncio.Event()
        self._ran = False

    @property
    def topics(self) -> list[str]:
        """The topics subscribed so far, in subscription order."""
        return list(self._routes)

    def subscribe(self, model: type[M], handler: Handler[M]) -> None:
        """Route the registry topic of ``model`` to ``handler``; call before :meth:`run`."""
        if self._ran:
            raise RuntimeError("subscribe before run()")
        topic = self._registry.topic_for(model)
        if topic in self._routes:
            raise ValueError(f"{topic} already has a handler")
        self._routes[topic] = _Route(EventEnvelope[model], handler)  # type: ignore[valid-type]

    async def run(self) -> None:
        """Consume until :meth:`stop`. An exception out of here leaves the failed record uncommitted."""
        if self._ran:
            raise RuntimeError("a ConsumerRunner runs once")
        if not self._routes:
            raise RuntimeError("subscribe a handler before run()")
        self._ran = True
        if not self._publisher.started:
            # Dead letters go through it. A service that boots while Kafka is down (LPS) starts its
            # producer lazily; a broker that cannot be reached fails this start like the consumer's own.
            async with asyncio.timeout(self._start_timeout_s):
                await self._publisher.start()
        consumer = AIOKafkaConsumer(**self._consumer_options)
        try:
            async with asyncio.timeout(self._start_timeout_s):
                await consumer.start()
            consumer.subscribe(topics=list(self._routes), listener=_RebalanceLogger(self.consumer_name, self._forget))
            _log.info("consumer.started", consumer=self.consumer_name, topics=list(self._routes))
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=self._poll_timeout_ms)
                await self._report_lag(consumer)
                await self._process_batch(consumer, batch)
        finally:
            await self._leave(consumer)

    async def stop(self) -> None:
        """Let the record in flight finish and commit, then leave the group; returns once run() has."""
        self._stopping.set()
        if self._ran:
            await self._stopped.wait()

    async def _process_batch(self, consumer: AIOKafkaConsumer, batch: Mapping[TopicPartition, list[Any]]) -> None:
        for tp, records in batch.items():
            for record in records:
                if self._stopping.is_set():
                    return
                if tp not in consumer.assignment():
                    break  # revoked mid-batch: the new owner resumes from the last commit
                if not await self._process(consumer, tp, record):
                    break  # not done with: it, and everything after it, is fetched again

    async def _process(self, consumer: AIOKafkaConsumer, tp: TopicPartition, record: ConsumerRecord) -> bool:
        """Retry ``record`` inline until it is done with (``True``), or give it back to the next poll."""
        route = self._routes[record.topic]
        log = _log.bind(
            consumer=self.consumer_name, topic=record.topic, partition=record.partition, offset=record.offset
        )
        for _ in range(self.retry.max_inline_attempts):
            failed_offset, failures = self._failures.get(tp, (record.offset, 0))
            attempt = failures + 1 if failed_offset == record.offset else 1
            error = await self._attempt(route, record, attempt, log)
            if error is None:
                self._failures.pop(tp, None)
                await self._commit_offset(consumer, tp, record.offset + 1)
                return True
            self._failures[tp] = (record.offset, attempt)
            if not await self._pause(self.retry.delay(attempt, error)):
                return False
        # Going back to poll keeps the group membership alive; the seek makes the next fetch
        # start at this record again, so nothing behind it is handled (or committed) first.
        if tp in consumer.assignment():
            consumer.seek(tp, record.offset)
        log.warning("consumer.record_requeued", attempts=self._failures.get(tp, (record.offset, 0))[1])
        return False

    async def _attempt(
        self, route: _Route, record: ConsumerRecord, attempt: int, log: FilteringBoundLogger
    ) -> Exception | None:
        """One try: ``None`` once the record is done with (handled, duplicate or dead-lettered), else the error."""
        try:
            envelope = parse_envelope(route.envelope_model, record.topic, record.value)
            log = log.bind(event_id=str(envelope.event_id), correlation_id=str(envelope.correlation_id))
            with correlation_scope(envelope.correlation_id):
                duplicate = await self._handle(route, envelope, record, attempt)
        except Exception as exc:
            kind = failure_kind(exc)
            CONSUMER_FAILURES.labels(self.service_name, self.consumer_name, record.topic, kind).inc()
            if kind == "retryable":
                log.warning("consumer.attempt_failed", attempt=attempt, error=repr(exc))
                return exc
            return await self._dead_letter(record, exc, kind, log)
        labels = (self.service_name, self.consumer_name, record.topic)
        if duplicate:
            CONSUMER_DUPLICATES.labels(*labels).inc()
            log.info("consumer.duplicate_skipped")
        else:
            CONSUMER_PROCESSED.labels(*labels).inc()
            log.debug("consumer.handled", attempt=attempt)
        return None

    async def _handle(self, route: _Route, envelope: EventEnvelope[Any], record: ConsumerRecord, attempt: int) -> bool:
        """Run the handler; ``True`` if the event was processed before and the handler skipped."""

        def context(session: AsyncSession | None) -> HandlerContext:
            return HandlerContext(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                headers=headers_to_dict(record.headers),
                attempt=attempt,
                session=session,
            )

        async with asyncio.timeout(self._handler_timeout_s):
            if self._idempotency is None:
                await route.handler(envelope, context(None))
                return False
            factory, table = self._idempotency
            async with factory() as session, session.begin():
                if not await claim_event(session, table, self.consumer_name, envelope.event_id):
                    return True
                await route.handler(envelope, context(session))
            return False

    async def _dead_letter(
        self, record: ConsumerRecord, error: Exception, kind: FailureKind, log: FilteringBoundLogger
    ) -> Exception | None:
        target = dead_letter_topic(record.topic)
        headers = dead_letter_headers(
            record.headers,
            error,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            consumer=self.consumer_name,
            failed_at=datetime.now(UTC),
        )
        try:
            await self._publisher.publish_raw(target, record.value or b"", key=record.key, headers=headers)
        except Exception as exc:
            # Never commit past a record that is neither handled nor dead-lettered: retry it.
            log.error("consumer.dead_letter_failed", dlq_topic=target, error=repr(exc))
            return exc
        CONSUMER_DLQ.labels(self.service_name, self.consumer_name, record.topic).inc()
        log.error("consumer.dead_lettered", kind=kind, dlq_topic=target, error=loggable(error))
        return None

    async def _commit_offset(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        try:
            async with asyncio.timeout(self._commit_timeout_s):
                await consumer.commit({tp: offset})
        except Exception as exc:
            # The effects are durable already: a lost commit means a redelivery, which idempotent
            # handling absorbs, and the next commit on this partition covers it anyway.
            _log.warning(
                "consumer.commit_failed",
                consumer=self.consumer_name,
                topic=tp.topic,
                partition=tp.partition,
                offset=offset - 1,
                error=repr(exc),
            )

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        await report_lag(consumer, self.service_name, self.consumer_name, self._request_timeout_s)

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds``; ``False`` if :meth:`stop` came first."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return True
        return False

    def _forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Drop retry state and the lag gauge of partitions this member no longer owns."""
        partitions = list(partitions)
        for tp in partitions:
            self._failures.pop(tp, None)
        forget_lag(self.service_name, self.consumer_name, partitions)

    async def _leave(self, consumer: AIOKafkaConsumer) -> None:
        try:
            self._forget(consumer.assignment())
            async with asyncio.timeout(self._stop_timeout_s):
                await consumer.stop()
            _log.info("consumer.stopped", consumer=self.consumer_name)
        except Exception as exc:
            _log.warning("consumer.stop_failed", consumer=self.consumer_name, error=repr(exc))
        finally:
            self._stopped.set()


class _RebalanceLogger(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka ships no types
    """Logs assignment changes. Offsets are committed per record, so nothing is pending on revoke."""

    def __init__(self, consumer_name: str, forget: Callable[[Iterable[TopicPartition]], None]) -> None:
        self._consumer_name = consumer_name
        self._forget = forget

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._forget(revoked)
        if revoked:
            _log.info("consumer.partitions_revoked", consumer=self._consumer_name, partitions=_describe(revoked))

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        _log.info("consumer.partitions_assigned", consumer=self._consumer_name, partitions=_describe(assigned))


def _describe(partitions: Iterable[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in partitions)
