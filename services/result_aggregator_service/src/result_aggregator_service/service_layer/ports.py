"""The adapter boundary of the fold and the queries.

PostgreSQL implements these in ``adapters/``; the service-layer tests use in-memory fakes
(tests/service_layer/conftest.py). The writer's methods run inside the unit of work's
transaction, which the consumer runner owns: it commits the fold together with the event's
idempotency claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
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

    async def delete_batch(self, payload: BatchDeletedV1, event_at: datetime) -> None:
        """Forget everything about the batch but its tombstone (``deleted_at``)."""

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


class UnitOfWork(Protocol):
    """One event's fold: the read model inside the transaction that also claims the event id."""

    @property
    def read_model(self) -> ReadModelWriter: ...


class ReadModelReader(Protocol):
    """The internal queries; each answers only for the owning teacher (another's batch is absent)."""

    async def list_batches(
        self, user_id: str, *, statuses: Sequence[BatchStatus], title_query: str | None, limit: int, offset: int
    ) -> BatchListResponse: ...

    async def batch_detail(self, batch_id: uuid.UUID, user_id: str) -> BatchDetailResponse | None: ...

    async def batch_history(self, batch_id: uuid.UUID, user_id: str) -> BatchHistoryResponse | None: ...

    async def user_summary(self, user_id: str, term_start: datetime, month_start: datetime) -> UserSummaryResponse: ...
