"""A thin publisher over ``AIOKafkaProducer``: acks=all, envelopes, keys, headers, metrics, timeouts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from common_core.envelope import EventEnvelope
from huleedu_service_libs.kafka.limits import COMPRESSION, MAX_RECORD_BYTES
from huleedu_service_libs.metrics import KAFKA_PUBLISH_FAILURES, KAFKA_PUBLISH_SECONDS, KAFKA_PUBLISHED


def _key_bytes(key: str | bytes | None) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return key.encode("utf-8")


class EventPublisher:
    """Publishes envelopes (or raw records, for the outbox relay and the DLQ) and waits for the ack.

    ``enable_idempotence`` is on by default: with acks=all the broker de-duplicates the
    producer's own retries, so a network blip never writes a record twice.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        service_name: str,
        *,
        enable_idempotence: bool = True,
        request_timeout_ms: int = 15_000,
        delivery_timeout_s: float = 30.0,
        client_id: str | None = None,
    ) -> None:
        self.service_name = service_name
        self.delivery_timeout_s = delivery_timeout_s
        self._config = {
            "bootstrap_servers": bootstrap_servers,
            "acks": "all",
            "enable_idempotence": enable_idempotence,
            "request_timeout_ms": request_timeout_ms,
            "client_id": client_id or service_name,
            "max_request_size": MAX_RECORD_BYTES,
            "compression_type": COMPRESSION,
        }
        # Created by start(), closed and dropped by stop(): an aiokafka producer object that is never
        # closed makes aiokafka log "Unclosed AIOKafkaProducer" as an error at exit, and a stopped one
        # cannot be started again.
        self._producer: AIOKafkaProducer | None = None
        self._started = False
        # Several users (outbox relays, consumers' dead-lettering) may start or stop one publisher at
        # the same moment; one aiokafka producer must not be started twice.
        self._lifecycle = asyncio.Lock()

    async def start(self) -> None:
        async with self._lifecycle:
            if self._started:
                return
            producer = AIOKafkaProducer(**self._config)
            try:
                await producer.start()
            except BaseException:
                # A half-started producer holds sockets and tasks: close it; the next attempt
                # starts from a fresh one (aiokafka producers cannot be restarted).
                await producer.stop()
                raise
            self._producer = producer
            self._started = True

    async def stop(self) -> None:
        async with self._lifecycle:
            producer, self._producer, self._started = self._producer, None, False
            if producer is not None:
                await producer.stop()

    async def __aenter__(self) -> EventPublisher:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def started(self) -> bool:
        return self._started

    async def publish(self, envelope: EventEnvelope[Any], *, key: str | bytes | None, topic: str | None = None) -> None:
        """Publish ``envelope`` to ``topic`` (default: its ``event_type``) with the standard headers."""
        await self.publish_raw(
            topic or envelope.event_type, envelope.to_bytes(), key=key, headers=envelope.kafka_headers()
        )

    async def publish_raw(
        self,
        topic: str,
        value: bytes,
        *,
        key: str | bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        """Send one record and wait for the broker's ack, within ``delivery_timeout_s``."""
        started = time.perf_counter()
        try:
            if self._producer is None:
                raise RuntimeError("publish before start(): start the EventPublisher first")
            async with asyncio.timeout(self.delivery_timeout_s):
                await self._producer.send_and_wait(topic, value, key=_key_bytes(key), headers=list(headers))
        except BaseException:
            KAFKA_PUBLISH_FAILURES.labels(self.service_name, topic).inc()
            raise
        KAFKA_PUBLISHED.labels(self.service_name, topic).inc()
        KAFKA_PUBLISH_SECONDS.labels(self.service_name, topic).observe(time.perf_counter() - started)
