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
from collections import Counter
from collections.abc import Iterable

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
        return await self._erase(batch_id, records, remember=True)

    async def forget_texts_of(self, batch_ids: Iterable[uuid.UUID], records: ErasureRecords) -> dict[str, int]:
        """A student of these batches was erased (huleedu.class.student_erased.v1). LPS does not know which
        of a batch's texts was theirs (it keys texts by content), and keeps texts only for queued work, which
        CJ has cancelled: so the batches' texts, queued work, callbacks and batch-API prompts go. Without a
        tombstone: a new assessment of the batch is stored as usual."""
        counts: Counter[str] = Counter()
        for batch_id in sorted(set(batch_ids), key=str):
            counts.update(await self._erase(batch_id, records, remember=False))
        return dict(counts)

    async def _erase(self, batch_id: uuid.UUID, records: ErasureRecords, *, remember: bool) -> dict[str, int]:
        queued = await self._queue.erase_batch(str(batch_id), remember=remember)
        stored = await records.erase(batch_id, remember_s=self._remember_s if remember else None)
        counts = erased_counts(queued=queued.comparisons, texts=queued.texts, stored=stored)
        for kind, count in counts.items():
            metrics.ERASED.labels(kind).inc(count)
        event = "batch_erased" if remember else "batch_texts_forgotten"
        log.info(event, batch_id=str(batch_id), held_by_workers=queued.held, **counts)
        return counts
