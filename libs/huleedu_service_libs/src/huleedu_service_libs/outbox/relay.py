"""The outbox relay: publishes committed outbox rows to Kafka in order, at least once.

Delivery is at least once: a relay that dies after a publish but before its commit leaves the
row pending, and the next cycle sends it again. Consumers deduplicate on ``event_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from aiokafka.errors import (
    BrokerNotAvailableError,
    KafkaError,
    KafkaTimeoutError,
    KafkaUnavailableError,
    ProducerClosed,
)
from sqlalchemy import DateTime, Executable, Interval, Result, Table, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.metrics import (
    OUTBOX_DEAD,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
    OUTBOX_PRUNED,
    OUTBOX_PUBLISHED,
)
from huleedu_service_libs.outbox.listener import OutboxListener, describe
from huleedu_service_libs.outbox.table import STATUS_DEAD, STATUS_PENDING, STATUS_PUBLISHED, notify_channel

# aiokafka marks these as not retriable, yet each only says the broker was not reachable in time.
_BROKER_UNAVAILABLE: tuple[type[BaseException], ...] = (
    KafkaTimeoutError,
    KafkaUnavailableError,
    BrokerNotAvailableError,
    ProducerClosed,
)
# A half-open TCP connection never reports its loss, so an idle listener is probed this often.
_LISTENER_CHECK_S = 30.0
# Published rows are kept this long for an operator's inspection, then deleted: their payloads hold
# personal data (file names, author hints, grades) that an erasure must not leave behind for long.
DEFAULT_PUBLISHED_RETENTION_S = 3600.0
_PRUNE_EVERY_S = 60.0
_PRUNE_BATCH = 1000


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` says Kafka is unreachable now, not that this row can never be published.

    A transient failure must not spend a row's attempts: an outage would otherwise kill every
    row in the outbox. A missing topic also ends in a metadata timeout, so it counts as
    transient and shows as a growing oldest-pending age rather than as dead rows.
    """
    if isinstance(exc, (TimeoutError, OSError, *_BROKER_UNAVAILABLE)):
        return True
    return isinstance(exc, KafkaError) and bool(exc.retriable)


def backoff_delay(failures: int, base_s: float, cap_s: float) -> float:
    """Capped exponential backoff: ``base_s`` after the first failure, doubling up to ``cap_s``."""
    if failures <= 0:
        return 0.0
    return float(min(cap_s, base_s * 2 ** min(failures - 1, 32)))


@dataclass(frozen=True)
class _Row:
    id: int
    event_id: uuid.UUID
    topic: str
    key: bytes | None
    value: bytes
    headers: Any
    attempts: int


@dataclass
class _BatchResult:
    published: int = 0
    failed: int = 0
    claimed: int = 0
    broker_down: bool = False


def _engine_of(db: AsyncEngine | async_sessionmaker[AsyncSession]) -> AsyncEngine:
    if isinstance(db, AsyncEngine):
        return db
    bind = db.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the outbox relay needs an AsyncEngine, or a session factory bound to one")
    return bind


class OutboxRelay:
    """Publishes pending outbox rows with ``EventPublisher.publish_raw`` until ``stop()``.

    Each cycle claims due pending rows in ``id`` order with ``FOR UPDATE SKIP LOCKED``, so any
    number of replicas can run without publishing a row twice, and keeps that transaction open
    while it publishes the batch.

    Per-key order: a row is held back while an earlier pending row with the same key is not
    in this relay's claim (it is waiting for a retry, or another replica holds it), and once a
    row fails, the rest of its key waits for the next cycle. Rows without a key have no order.

    Failures: an unreachable broker leaves rows untouched and backs the whole relay off
    (``backoff_base_s`` doubling to ``backoff_cap_s``); rows drain once Kafka is back. A
    failure that belongs to one row (too large, rejected) spends one of its ``max_attempts``
    and retries after the same backoff; the last attempt moves the row to the terminal
    ``dead`` state, which no claim selects again.

    Wake-up: a dedicated asyncpg connection LISTENs on the table's channel, which
    ``add_to_outbox`` notifies in the writer's transaction; otherwise the relay polls every
    ``poll_interval_s``. The relay starts the publisher when it first has rows to send (so it
    can boot while Kafka is down); stopping the publisher stays with its owner.

    Metrics, labelled by ``service_name``: every failed publish attempt, transient or not,
    counts in ``OUTBOX_FAILURES``; rows count in ``OUTBOX_PUBLISHED`` and ``OUTBOX_DEAD`` once
    committed; ``OUTBOX_PENDING`` and ``OUTBOX_OLDEST_AGE`` are refreshed after every cycle.
    """

    def __init__(
        self,
        db: AsyncEngine | async_sessionmaker[AsyncSession],
        table: Table,
        publisher: EventPublisher,
        service_name: str,
        *,
        batch_size: int = 100,
        max_attempts: int = 5,
        poll_interval_s: float = 1.0,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        db_timeout_s: float = 10.0,
        published_retention_s: float = DEFAULT_PUBLISHED_RETENTION_S,
    ) -> None:
        if batch_size < 1 or max_attempts < 1:
            raise ValueError("batch_size and max_attempts must be at least 1")
        if poll_interval_s <= 0 or db_timeout_s <= 0 or backoff_base_s < 0 or backoff_cap_s < backoff_base_s:
            raise ValueError("poll and timeout must be positive, and 0 <= backoff_base_s <= backoff_cap_s")
        if published_retention_s < 0:
            raise ValueError("published_retention_s must not be negative")
        self._engine = _engine_of(db)
        self._table = table
        self._publisher = publisher
        self._service = service_name
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._poll_interval_s = poll_interval_s
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._db_timeout_s = db_timeout_s
        self._published_retention_s = published_retention_s
        self._pruned_at: float | None = None
        self._channel = notify_channel(table)
        self._log = structlog.get_logger(service=service_name, outbox_table=table.name)
        self._wake = asyncio.Event()
        self._stopping = False
        self._listener = OutboxListener(
            self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            self._channel,
            self._wake,
            timeout_s=db_timeout_s,
            log=self._log,
        )
        self._broker_failures = 0
        self._db_failures = 0

    async def publish_pending_once(self) -> int:
        """Run one cycle: publish what is due, refresh the gauges; returns the rows published.

        Broker trouble is handled (and counted) inside the cycle; database errors propagate.
        """
        result = await self._publish_batch()
        await self._refresh_backlog()
        return result.published

    async def run(self) -> None:
        """Publish until ``stop()``; database and broker outages are logged and waited out."""
        self._log.info("outbox_relay_started", channel=self._channel)
        try:
            while not self._stopping:
                await self._listener.ensure()
                self._wake.clear()
                delay, wakeable = await self._cycle()
                await self._pause(delay, wakeable=wakeable)
        finally:
            await self._listener.close()
            self._log.info("outbox_relay_stopped")

    def stop(self) -> None:
        """Ask ``run()`` to return once the cycle in progress has committed.

        Final: a stop requested before ``run()`` got going still counts, so a relay is not reused.
        """
        self._stopping = True
        self._wake.set()

    async def _cycle(self) -> tuple[float, bool]:
        """One cycle, then how long to pause and whether a notification may cut the pause short."""
        try:
            result = await self._publish_batch()
            next_due_in_s = await self._refresh_backlog()
            await self._prune_when_due()
        except Exception as exc:  # the database is down or slow: keep running and retry later
            self._db_failures += 1
            delay = backoff_delay(self._db_failures, self._backoff_base_s, self._backoff_cap_s)
            self._log.warning("outbox_cycle_failed", error=describe(exc), retry_in_s=delay)
            return delay, False
        self._db_failures = 0
        if result.broker_down:
            return backoff_delay(self._broker_failures, self._backoff_base_s, self._backoff_cap_s), False
        if result.claimed == self._batch_size and result.published + result.failed > 0:
            return 0.0, True
        delay = self._poll_interval_s
        if next_due_in_s is not None:
            delay = min(delay, next_due_in_s)
        return delay, True

    async def _pause(self, delay: float, *, wakeable: bool) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, _LISTENER_CHECK_S)):
                    await self._wake.wait()
            if self._wake.is_set():
                if wakeable or self._stopping:
                    return
                # During a broker backoff a commit only adds to what the next cycle sends anyway.
                self._wake.clear()
            elif wakeable and not await self._listener.alive():
                return

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with asyncio.timeout(self._db_timeout_s):
            conn = await self._engine.connect()
        try:
            yield conn
            async with asyncio.timeout(self._db_timeout_s):
                await conn.commit()
        finally:
            async with asyncio.timeout(self._db_timeout_s):
                await conn.close()

    async def _execute(self, conn: AsyncConnection, statement: Executable) -> Result[Any]:
        async with asyncio.timeout(self._db_timeout_s):
            return await conn.execute(statement)

    async def _publish_batch(self) -> _BatchResult:
        result = _BatchResult()
        published_ids: list[int] = []
        dead: list[tuple[_Row, str]] = []
        async with self._transaction() as conn:
            rows = await self._claim(conn)
            result.claimed = len(rows)
            held_back = await self._held_back_from(conn, rows)
            failed_keys: set[bytes] = set()
            for row in rows:
                if row.key is not None and (row.key in failed_keys or row.id > held_back.get(row.key, row.id)):
                    continue
                if not await self._publisher_started():
                    result.broker_down = True
                    break
                try:
                    await self._publisher.publish_raw(
                        row.topic,
                        row.value,
                        key=row.key,
                        headers=[(str(name), str(value).encode("utf-8")) for name, value in row.headers],
                    )
                except Exception as exc:  # classified below: broker outage, or this row's own fault
                    OUTBOX_FAILURES.labels(self._service).inc()
                    if is_transient(exc):
                        self._note_broker_down(exc)
                        result.broker_down = True
                        break
                    result.failed += 1
                    if row.key is not None:
                        failed_keys.add(row.key)
                    if await self._record_failure(conn, row, exc):
                        dead.append((row, describe(exc)))
                    continue
                self._broker_failures = 0
                published_ids.append(row.id)
            if published_ids:
                t = self._table
                await self._execute(
                    conn,
                    update(t)
                    .where(t.c.id.in_(published_ids))
                    .values(status=STATUS_PUBLISHED, published_at=func.clock_timestamp()),
                )
        # Counted only after the commit: a rolled-back batch is sent again and must not count twice.
        result.published = len(published_ids)
        OUTBOX_PUBLISHED.labels(self._service).inc(result.published)
        for row, error in dead:
            OUTBOX_DEAD.labels(self._service).inc()
            self._log.error(
                "outbox_row_dead", event_id=str(row.event_id), topic=row.topic, attempts=row.attempts + 1, error=error
            )
        return result

    async def _claim(self, conn: AsyncConnection) -> list[_Row]:
        t = self._table
        claimed = await self._execute(
            conn,
            select(t.c.id, t.c.event_id, t.c.topic, t.c.message_key, t.c.value, t.c.headers, t.c.attempts)
            .where(t.c.status == STATUS_PENDING, t.c.next_attempt_at <= func.now())
            .order_by(t.c.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True),
        )
        return [_Row(r.id, r.event_id, r.topic, r.message_key, r.value, r.headers, r.attempts) for r in claimed]

    async def _held_back_from(self, conn: AsyncConnection, rows: Sequence[_Row]) -> dict[bytes, int]:
        """Per key, the lowest pending id outside this claim: rows of that key above it must wait.

        Such a row is either waiting for a retry or claimed by another replica; publishing past
        it would reorder the key's events.
        """
        keys = {row.key for row in rows if row.key is not None}
        if not keys:
            return {}
        t = self._table
        blockers = await self._execute(
            conn,
            select(t.c.message_key, func.min(t.c.id).label("first_id"))
            .where(
                t.c.status == STATUS_PENDING,
                t.c.message_key.in_(sorted(keys)),
                t.c.id < max(row.id for row in rows),
                t.c.id.not_in([row.id for row in rows]),
            )
            .group_by(t.c.message_key),
        )
        return {bytes(row.message_key): int(row.first_id) for row in blockers}

    async def _publisher_started(self) -> bool:
        if self._publisher.started:
            return True
        try:
            async with asyncio.timeout(self._publisher.delivery_timeout_s):
                await self._publisher.start()
        except Exception as exc:  # whatever stops the producer from starting is the broker's, not a row's
            OUTBOX_FAILURES.labels(self._service).inc()
            self._note_broker_down(exc)
            return False
        return True

    def _note_broker_down(self, exc: BaseException) -> None:
        self._broker_failures += 1
        self._log.warning(
            "outbox_broker_unavailable",
            error=describe(exc),
            consecutive_failures=self._broker_failures,
            retry_in_s=backoff_delay(self._broker_failures, self._backoff_base_s, self._backoff_cap_s),
        )

    async def _record_failure(self, conn: AsyncConnection, row: _Row, exc: BaseException) -> bool:
        """Spend one attempt of ``row``; True when that was its last and the row is now dead."""
        attempts = row.attempts + 1
        is_dead = attempts >= self._max_attempts
        retry_in_s = backoff_delay(attempts, self._backoff_base_s, self._backoff_cap_s)
        t = self._table
        await self._execute(
            conn,
            update(t)
            .where(t.c.id == row.id)
            .values(
                attempts=attempts,
                last_error=describe(exc),
                status=STATUS_DEAD if is_dead else STATUS_PENDING,
                next_attempt_at=func.clock_timestamp(type_=DateTime(timezone=True))
                + literal(timedelta(seconds=retry_in_s), Interval()),
            ),
        )
        if not is_dead:
            self._log.warning(
                "outbox_publish_failed", event_id=str(row.event_id), attempts=attempts, error=describe(exc)
            )
        return is_dead

    async def prune_published(self) -> int:
        """Delete published rows older than the retention, a batch at a time; returns how many went."""
        t = self._table
        cutoff = func.now() - literal(timedelta(seconds=self._published_retention_s), Interval())
        oldest = (
            select(t.c.id)
            .where(t.c.status == STATUS_PUBLISHED, t.c.published_at < cutoff)
            .order_by(t.c.id)
            .limit(_PRUNE_BATCH)
        )
        pruned = 0
        while True:
            async with self._transaction() as conn:
                gone = delete(t).where(t.c.id.in_(oldest.scalar_subquery())).returning(t.c.id)
                deleted = len((await self._execute(conn, gone)).all())
            pruned += deleted
            if deleted < _PRUNE_BATCH:
                break
        OUTBOX_PRUNED.labels(self._service).inc(pruned)
        return pruned

    async def _prune_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._pruned_at is not None and now - self._pruned_at < _PRUNE_EVERY_S:
            return
        self._pruned_at = now
        await self.prune_published()

    async def _refresh_backlog(self) -> float | None:
        """Set the backlog gauges; returns the seconds until the next retry falls due, if any."""
        t = self._table
        async with self._transaction() as conn:
            stats = (
                await self._execute(
                    conn,
                    select(
                        func.count().label("pending"),
                        func.min(t.c.created_at).label("oldest"),
                        func.min(t.c.next_attempt_at).filter(t.c.next_attempt_at > func.now()).label("next_due"),
                        func.now().label("now"),
                    ).where(t.c.status == STATUS_PENDING),
                )
            ).one()
        OUTBOX_PENDING.labels(self._service).set(stats.pending)
        OUTBOX_OLDEST_AGE.labels(self._service).set(_seconds_between(stats.oldest, stats.now))
        return None if stats.next_due is None else _seconds_between(stats.now, stats.next_due)


def _seconds_between(earlier: datetime | None, later: datetime | None) -> float:
    if earlier is None or later is None:
        return 0.0
    return max(0.0, (later - earlier).total_seconds())
