"""The latest moderation refits, in-process: a read of a job whose verdicts have not changed does not refit.

A moderation read refits every verdict of the job (seconds at 1,000 essays), and a teacher's screen reads
``next`` after every verdict and the report after that. The key is what a refit reads, compared whole: the
job and its ``ModerationData`` (the essays left, the LLM's verdicts, every teacher's). Comparing the data
costs milliseconds, a refit seconds, and a whole-value key cannot go stale: a verdict, an undo, an LLM
answer or an erasure is a different key. Bounded (least recently used goes first); concurrent reads of the
same key share one computation. Each replica keeps its own; nothing is shared or persisted.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from cj_assessment_service.domain.moderation import ModerationData

T = TypeVar("T")

# Jobs being moderated at once in one replica; an entry at 1,000 essays is a few megabytes at most.
DEFAULT_SIZE = 8


class RefitCache(Generic[T]):
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[uuid.UUID, ModerationData], asyncio.Future[T]] = OrderedDict()

    async def get(self, job_id: uuid.UUID, data: ModerationData, compute: Callable[[], T]) -> T:
        """``compute()``'s result for this job and data: run in a worker thread on a miss, else the stored one."""
        key = (job_id, data)
        entry = self._entries.get(key)
        if entry is None:
            entry = asyncio.ensure_future(asyncio.to_thread(compute))
            self._entries[key] = entry
            # The job's older data will not be asked for again: only its latest refit is worth keeping.
            for stale in [k for k in self._entries if k[0] == job_id and k != key]:
                del self._entries[stale]
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        try:
            return await asyncio.shield(entry)
        except BaseException:
            # A failed refit is not kept (the next read tries again); a cancelled reader leaves it running.
            if entry.done() and self._entries.get(key) is entry:
                del self._entries[key]
            raise
