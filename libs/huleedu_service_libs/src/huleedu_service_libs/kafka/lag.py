"""``huleedu_consumer_lag`` for any aiokafka consumer: the shared runner's, and the few consumers
that deliberately are not (the BFF's per-instance progress feed), so every consumer reports it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka import TopicPartition

from huleedu_service_libs.metrics import CONSUMER_LAG


async def report_lag(consumer: Any, service: str, consumer_name: str, timeout_s: float) -> None:
    """Set the lag of every partition ``consumer`` owns: records between its position and the end.

    Call it after each poll: the highwater mark comes with the fetched records, so a partition not
    fetched from yet is skipped rather than reported as zero.
    """
    for tp in consumer.assignment():
        try:
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            async with asyncio.timeout(timeout_s):
                position = await consumer.position(tp)
        except Exception:  # noqa: S112 - revoked in the meantime; the next poll reports again
            continue
        CONSUMER_LAG.labels(service, consumer_name, tp.topic, str(tp.partition)).set(max(highwater - position, 0))


def forget_lag(service: str, consumer_name: str, partitions: Iterable[TopicPartition]) -> None:
    """Drop the gauge of partitions this member no longer owns: another member reports them now."""
    for tp in partitions:
        with contextlib.suppress(KeyError):
            CONSUMER_LAG.remove(service, consumer_name, tp.topic, str(tp.partition))
