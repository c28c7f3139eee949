"""The Kafka publisher that the service's outbox relays share."""

from __future__ import annotations

import asyncio
from typing import Any

from huleedu_service_libs.kafka.producer import EventPublisher


class SharedPublisher(EventPublisher):
    """An ``EventPublisher`` several relays can share, with two workarounds for the shared class:

    - ``start()`` is serialised: each relay starts the publisher lazily, possibly at the same
      moment, and one aiokafka producer must not be started twice;
    - ``stop()`` also closes a producer that never started (Kafka down the whole time, or no
      callback to send); the shared class skips it, and aiokafka then logs "Unclosed
      AIOKafkaProducer" as an error at exit.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lifecycle = asyncio.Lock()

    async def start(self) -> None:
        async with self._lifecycle:
            await super().start()

    async def stop(self) -> None:
        async with self._lifecycle:
            if self.started:
                await super().stop()
            else:
                await self._producer.stop()
