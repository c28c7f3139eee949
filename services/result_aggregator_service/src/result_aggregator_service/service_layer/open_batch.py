"""What every fold starts with: lock the event's batch, and count how the event was folded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from result_aggregator_service.domain.read_model import BatchLock
from result_aggregator_service.metrics import EVENTS_FOLDED
from result_aggregator_service.service_layer.ports import UnitOfWork

Outcome = Literal["applied", "early", "stale"]


def count_folded(event: str, registered: bool, changed: bool = True) -> None:
    # Counted inside the transaction: a rolled-back attempt that is retried counts twice, which
    # is acceptable for a rate; the read model itself is never folded twice.
    outcome: Outcome = "stale" if not changed else ("applied" if registered else "early")
    EVENTS_FOLDED.labels(event, outcome).inc()


async def open_batch(uow: UnitOfWork, event: str, batch_id: uuid.UUID, at: datetime) -> BatchLock | None:
    """The locked batch, or None (counted as stale) when it was deleted: a deleted batch's later
    events change nothing, so a stray one cannot bring it back."""
    batch = await uow.read_model.lock_batch(batch_id, at)
    if batch.deleted:
        count_folded(event, batch.registered, changed=False)
        return None
    return batch
