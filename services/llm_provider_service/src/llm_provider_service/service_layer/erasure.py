"""Erase a deleted batch (huleedu.batch.deleted.v1): its queued comparisons, texts, outcomes and prompts.

Called by the batch.deleted consumer once per event, inside the transaction that claims the event. The
queue goes first (Redis is not part of that transaction; erasing it again is harmless), then the
database; if the database part fails, the transaction rolls back and the redelivered event does it all
again. Both sides keep a tombstone of the batch for as long as one of its comparisons can live, so a
comparison a worker was holding, or a provider batch job, stores nothing when its answer comes: no
outcome, no callback, no text. Nothing personal is logged: the batch id and counts only.
"""

from __future__ import annotations

import uuid

import structlog

from llm_provider_service import metrics
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.domain.erasure import erased_counts
from llm_provider_service.service_layer.ports import ErasureRecords

log = structlog.get_logger(__name__)


class BatchErasure:
    def __init__(self, *, queue: RedisQueue, remember_s: float) -> None:
        self._queue = queue
        self._remember_s = remember_s

    async def erase(self, batch_id: uuid.UUID, records: ErasureRecords) -> dict[str, int]:
        """Erase the batch (idempotent); returns what went, by kind."""
        queued = await self._queue.erase_batch(str(batch_id))
        stored = await records.erase(batch_id, remember_s=self._remember_s)
        counts = erased_counts(queued=queued.comparisons, texts=queued.texts, stored=stored)
        for kind, count in counts.items():
            metrics.ERASED.labels(kind).inc(count)
        log.info("batch_erased", batch_id=str(batch_id), held_by_workers=queued.held, **counts)
        return counts
