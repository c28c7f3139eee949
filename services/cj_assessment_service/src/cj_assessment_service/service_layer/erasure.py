"""``huleedu.batch.deleted.v1``: erase everything CJ holds of the batch, and keep it erased.

The teacher deleted the batch: its jobs go with their essays (the texts and the authors' names), waves
(reliabilities and the theta history), comparisons (verdicts, justifications, usage) and results, and the
events CJ published about it leave the outbox (pending ones stay until the relay publishes and prunes them). A job that
is still running is cancelled by the same deletion: the submitter and the stuck-job monitor only act on jobs
that exist, so nothing more is sent to LPS (LPS erases what it queued when it consumes the same event). No
failed or completed event is published: the batch is gone for every consumer, and such an event would only
make a read model remember it.

A tombstone with the batch id (no personal data) stays, so that a request of the batch that arrives after
the deletion (another topic, so possibly later) starts no job, and a late LPS callback stores nothing. The
request and the erasure of one batch hold the batch's lock (``ErasedBatchRepository.lock``), so neither
can slip between the other's check and write. Idempotent: a second delivery finds the tombstone and no jobs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog

from cj_assessment_service.service_layer.ports import UnitOfWork
from common_core.events.batch import BatchDeletedV1

log = structlog.get_logger(__name__)


async def erase_batch(deleted: BatchDeletedV1, uow: UnitOfWork) -> int:
    """Erase the batch's jobs and remember the batch as erased; the number of jobs erased."""
    batch_id = deleted.batch_id
    await uow.erased_batches.lock(batch_id)
    first = await uow.erased_batches.add(batch_id, datetime.now(UTC))
    erased_jobs = await uow.jobs.erase_batch(batch_id)
    # CJ keys its events by batch: the published ones (results with each essay's grade) go too.
    events = await uow.events.forget(batch_id)
    log.info("cj.batch_erased", batch_id=str(batch_id), jobs=erased_jobs, events=events, repeated=not first)
    return erased_jobs


async def batch_erased(uow: UnitOfWork, batch_id: uuid.UUID, *, what: str, lock: bool = False) -> bool:
    """Whether ``batch_id`` was erased (a late ``what`` of it is then dropped: logged at info, never an error).

    ``lock`` holds the batch for the rest of the unit of work, as a request must before it creates a job.
    """
    if lock:
        await uow.erased_batches.lock(batch_id)
    if not await uow.erased_batches.contains(batch_id):
        return False
    log.info("cj.event_for_erased_batch", batch_id=str(batch_id), dropped=what)
    return True


def batch_of(metadata: dict[str, object]) -> uuid.UUID | None:
    """The batch id CJ put in a comparison's request metadata (LPS echoes it), if it is there and well-formed."""
    value = metadata.get("batch_id")
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
