"""The adapter boundary of the fold and the queries.

PostgreSQL implements these in ``adapters/``; the service-layer tests use in-memory fakes
(tests/service_layer/conftest.py). The writer's methods run inside the unit of work's
transaction, which the consumer runner owns: it commits the fold together with the event's
idempotency claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from common_core.events.batch import BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import EssayResult
from common_core.http.result_aggregator import (
    BatchDetailResponse,
    BatchHistoryResponse,
    BatchListResponse,
    UserSummaryResponse,
)
from common_core.status import BatchStatus
from result_aggregator_service.domain.read_model import BatchLock, JobChanges, JobSnapshot


class ReadModelWriter(Protocol):
    """Every fold locks its batch first (``lock_batch``), so writers of one batch take turns."""

    async def lock_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchLock:
        """Lock the batch for this transaction, creating an unregistered placeholder on first sight."""

    async def register_batch(self, payload: BatchRegisteredV1, event_at: datetime) -> None:
        """Owner, class, assignment and creation time; the title only if no rename came first,
        the course code only if none is known yet."""

    async def rename_batch(self, payload: BatchUpdatedV1, event_at: datetime) -> None:
        """Apply a rename the caller found newer than the last one applied (``BatchLock.title_updated_at``)."""

    async def delete_batch(self, batch_id: uuid.UUID, deleted_at: datetime, event_at: datetime) -> None:
        """Forget everything about the batch but its tombstone (``deleted_at``)."""

    async def batches_of_user(self, user_id: str) -> list[uuid.UUID]:
        """The ids of every batch ``user_id`` owns (not locked: each fold locks what it changes)."""

    async def erased_essays(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        """The batch's essays a student's erasure removed (their tombstones)."""

    async def erase_essays(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> None:
        """Delete these essays and their results in every job, and keep their ids as tombstones; the
        batch's and jobs' aggregates (counts, grade distribution, reliability) stay as they are."""

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` batches, locked (skipping locked ones), neither deleted nor purged nor being
        assessed, whose last event happened before ``cutoff``."""

    async def purge_essays(self, batch_id: uuid.UUID) -> tuple[int, int]:
        """Delete the batch's essays and every job's results (and the per-essay parts of the stored
        payloads), keep the aggregates and mark the batch purged; (essays, results) deleted."""

    async def add_essay(self, payload: EssayUploadedV1, event_at: datetime) -> None:
        """Keep the first upload of an essay id and recount the batch's essays (never incremented)."""

    async def lock_job(
        self, batch_id: uuid.UUID, job_id: uuid.UUID, event_at: datetime, *, request_failure: bool = False
    ) -> JobSnapshot:
        """The job, created on first sight; its start becomes the earliest event seen for it."""

    async def update_job(self, batch_id: uuid.UUID, job_id: uuid.UUID, changes: JobChanges) -> None: ...

    async def replace_results(self, batch_id: uuid.UUID, job_id: uuid.UUID, results: Sequence[EssayResult]) -> None:
        """The job's results become exactly ``results``; other jobs' results are untouched."""

    async def refresh_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchStatus:
        """Make the job that started last the batch's current job, and store its client status."""


class AccessLogEraser(Protocol):
    async def forget_owner(self, owner_id: str) -> int:
        """Delete every access-log entry about the owner's data; how many went."""


class UnitOfWork(Protocol):
    """One event's fold: the read model (and the access log) inside the transaction that also claims the
    event id."""

    @property
    def read_model(self) -> ReadModelWriter: ...

    @property
    def access_log(self) -> AccessLogEraser: ...


class UnitOfWorkFactory(Protocol):
    """A unit of work in a transaction of its own (the retention pass; the folds use the runner's)."""

    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class ReadModelReader(Protocol):
    """The internal queries; each answers only for the owning teacher (another's batch is absent)."""

    async def list_batches(
        self, user_id: str, *, statuses: Sequence[BatchStatus], title_query: str | None, limit: int, offset: int
    ) -> BatchListResponse: ...

    async def batch_detail(self, batch_id: uuid.UUID, user_id: str) -> BatchDetailResponse | None: ...

    async def batch_history(self, batch_id: uuid.UUID, user_id: str) -> BatchHistoryResponse | None: ...

    async def user_summary(self, user_id: str, term_start: datetime, month_start: datetime) -> UserSummaryResponse: ...
