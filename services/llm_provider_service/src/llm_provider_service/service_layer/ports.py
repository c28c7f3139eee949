"""What the entrypoints need from the adapters, as Protocols (the composition root, ``di.py`` and ``app.py``,
hands them in)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from llm_provider_service.domain.erasure import StoredErasure
from llm_provider_service.domain.work import CallSettings


class LaneReady(Protocol):
    @property
    def settings(self) -> CallSettings: ...

    @property
    def ready(self) -> int: ...


class QueueDepths(Protocol):
    async def lane_depths(self) -> Sequence[LaneReady]:
        """Each lane's call settings and how many comparisons wait in it."""

    async def totals(self) -> tuple[int, int, int, float | None]:
        """Items held, leased and waiting for a retry, and the enqueue time (ms) of the oldest."""


class MockJudgeControl(Protocol):
    """The dev-mode knobs of the mock judge (profile, noise, latency, injected errors)."""

    def current(self) -> dict[str, object]: ...

    def update(self, changes: Mapping[str, object]) -> dict[str, object]:
        """Apply the given settings (the others keep their value); the settings now."""


class ErasureRecords(Protocol):
    """The database side of erasing a batch, in the transaction of the event that asked for it."""

    async def erase(self, batch_id: uuid.UUID, *, remember_s: float | None) -> StoredErasure:
        """Remember the batch as erased for ``remember_s`` (not at all with None), and delete its outcomes,
        their callbacks and its provider batch-job items (a job left empty is erased whole)."""


class RetentionStore(Protocol):
    """The retention policy's deletions (service_layer/retention.py)."""

    async def purge_outcomes(self, before: datetime) -> int:
        """Delete the outcome rows completed before ``before``; how many."""

    async def purge_ended_batch_jobs(self, before: datetime) -> tuple[int, int]:
        """Delete the provider batch jobs that ended before ``before``, with their items; how many of each."""

    async def purge_tombstones(self, before: datetime) -> int:
        """Delete the erased batches' tombstones written before ``before``; how many."""
