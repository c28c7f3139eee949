"""In-memory fakes at the fold's adapter boundary (read-model writer, unit of work) and event builders.

The fake read model keeps rows as plain values and behaves like the PostgreSQL writer where the
folds depend on it: a batch row appears on first sight, an essay's first upload is kept, a job
starts at the earliest event seen for it, and the batch's current job is the one that started
last. It also refuses any write to a batch its unit of work has not locked, so every test checks
that the folds lock first.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel

from common_core.events.batch import BatchRegisteredV1, BatchUpdatedV1, EssayUploadedV1
from common_core.events.cj_assessment import (
    AssessmentResultPublishedV1,
    EssayResult,
    JobUsage,
    ModelUsed,
)
from common_core.llm import LLMProvider
from common_core.status import BatchStatus, CJJobState
from result_aggregator_service.domain.folding import ACTIVE_STATUSES, client_status, first_known
from result_aggregator_service.domain.read_model import BatchLock, JobChanges, JobSnapshot
from result_aggregator_service.entrypoints.consumer import FOLDS
from result_aggregator_service.service_layer.messages import ConsumedEvent
from services.result_aggregator_service.tests.events import USAGE as USAGE  # test_cj_events imports it from here
from services.result_aggregator_service.tests.events import BatchEvents

SNAPSHOT_FIELDS = [f.name for f in dataclasses.fields(JobSnapshot)]
# A new job row: NULL everywhere, forced_recovery false (the table's server default).
NEW_JOB: dict[str, Any] = {**dict.fromkeys(SNAPSHOT_FIELDS), "forced_recovery": False}


@dataclass
class BatchRow:
    updated_at: datetime
    user_id: str | None = None
    title: str | None = None
    course_code: str | None = None
    class_id: uuid.UUID | None = None
    assignment_id: uuid.UUID | None = None
    created_at: datetime | None = None
    status: BatchStatus = BatchStatus.DRAFT
    current_job_id: uuid.UUID | None = None
    essay_count: int = 0
    completed_at: datetime | None = None
    title_updated_at: datetime | None = None
    deleted_at: datetime | None = None
    essays_purged_at: datetime | None = None


@dataclass
class ReadModelState:
    batches: dict[uuid.UUID, BatchRow] = field(default_factory=dict)
    essays: dict[tuple[uuid.UUID, uuid.UUID], EssayUploadedV1] = field(default_factory=dict)
    # Per (batch, job): every column the folds wrote, plus started_at and request_failure.
    jobs: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = field(default_factory=dict)
    results: dict[tuple[uuid.UUID, uuid.UUID], list[EssayResult]] = field(default_factory=dict)
    erased: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)  # (batch, essay) tombstones
    access_log: dict[str, int] = field(default_factory=dict)  # entries per owner

    def job(self, batch_id: uuid.UUID, job_id: uuid.UUID) -> dict[str, Any]:
        return self.jobs[(batch_id, job_id)]

    def jobs_of(self, batch_id: uuid.UUID) -> list[dict[str, Any]]:
        return [job for (owner, _), job in self.jobs.items() if owner == batch_id]


class FakeReadModelWriter:
    def __init__(self, state: ReadModelState) -> None:
        self._state = state
        self.locked: list[uuid.UUID] = []  # the batches this unit of work locked, in order

    def _batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchRow:
        if batch_id not in self.locked:
            raise AssertionError(f"a write to batch {batch_id} before the fold locked it")
        row = self._state.batches[batch_id]
        row.updated_at = max(row.updated_at, event_at)
        return row

    async def lock_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchLock:
        self.locked.append(batch_id)
        row = self._state.batches.setdefault(batch_id, BatchRow(updated_at=event_at))
        return BatchLock(
            row.user_id is not None, row.deleted_at is not None, row.title_updated_at, row.essays_purged_at is not None
        )

    async def register_batch(self, payload: BatchRegisteredV1, event_at: datetime) -> None:
        row = self._batch(payload.batch_id, event_at)
        row.user_id = payload.user_id
        if row.title_updated_at is None:
            row.title = payload.title
        row.course_code = first_known(row.course_code, payload.course_code)
        row.class_id, row.assignment_id, row.created_at = payload.class_id, payload.assignment_id, payload.created_at

    async def rename_batch(self, payload: BatchUpdatedV1, event_at: datetime) -> None:
        row = self._batch(payload.batch_id, event_at)
        row.title, row.title_updated_at = payload.title, payload.updated_at
        if payload.course_code is not None:
            row.course_code = payload.course_code

    async def delete_batch(self, batch_id: uuid.UUID, deleted_at: datetime, event_at: datetime) -> None:
        row = self._batch(batch_id, event_at)
        for table in (self._state.essays, self._state.jobs, self._state.results):
            for key in [key for key in table if key[0] == batch_id]:
                del table[key]
        self._state.erased = {key for key in self._state.erased if key[0] != batch_id}
        self._state.batches[batch_id] = BatchRow(
            updated_at=row.updated_at, deleted_at=first_known(row.deleted_at, deleted_at)
        )

    async def batches_of_user(self, user_id: str) -> list[uuid.UUID]:
        return sorted(batch_id for batch_id, row in self._state.batches.items() if row.user_id == user_id)

    async def erased_essays(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        return {essay_id for owner, essay_id in self._state.erased if owner == batch_id}

    async def erase_essays(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> None:
        if batch_id not in self.locked:
            raise AssertionError(f"a write to batch {batch_id} before the fold locked it")
        for essay_id in essay_ids:
            self._state.essays.pop((batch_id, essay_id), None)
            self._state.erased.add((batch_id, essay_id))
        for key, results in self._state.results.items():
            if key[0] == batch_id:
                self._state.results[key] = [r for r in results if r.essay_id not in essay_ids]

    async def due_for_retention(self, cutoff: datetime, limit: int) -> list[uuid.UUID]:
        due = sorted(
            (row.updated_at, batch_id)
            for batch_id, row in self._state.batches.items()
            if row.deleted_at is None
            and row.essays_purged_at is None
            and row.status not in ACTIVE_STATUSES
            and row.updated_at < cutoff
        )
        self.locked += [batch_id for _, batch_id in due[:limit]]
        return [batch_id for _, batch_id in due[:limit]]

    async def purge_essays(self, batch_id: uuid.UUID) -> tuple[int, int]:
        row = self._batch(batch_id, datetime.min.replace(tzinfo=UTC))
        essays = [key for key in self._state.essays if key[0] == batch_id]
        for key in essays:
            del self._state.essays[key]
        results = 0
        for key in [key for key in self._state.results if key[0] == batch_id]:
            results += len(self._state.results.pop(key))
        self._state.erased = {key for key in self._state.erased if key[0] != batch_id}
        for job in self._state.jobs_of(batch_id):
            job["completed_payload"] = job["result_payload"] = None
        row.essays_purged_at = datetime.now(UTC)
        return len(essays), results

    async def add_essay(self, payload: EssayUploadedV1, event_at: datetime) -> None:
        row = self._batch(payload.batch_id, event_at)
        self._state.essays.setdefault((payload.batch_id, payload.essay_id), payload)
        row.essay_count = sum(batch_id == payload.batch_id for batch_id, _ in self._state.essays)

    async def lock_job(
        self, batch_id: uuid.UUID, job_id: uuid.UUID, event_at: datetime, *, request_failure: bool = False
    ) -> JobSnapshot:
        self._batch(batch_id, event_at)
        new = {**NEW_JOB, "state": CJJobState.CREATED, "started_at": event_at, "request_failure": request_failure}
        job = self._state.jobs.setdefault((batch_id, job_id), new)
        job["started_at"] = min(job["started_at"], event_at)
        return JobSnapshot(**{name: job[name] for name in SNAPSHOT_FIELDS})

    async def update_job(self, batch_id: uuid.UUID, job_id: uuid.UUID, changes: JobChanges) -> None:
        if batch_id not in self.locked:
            raise AssertionError(f"a write to batch {batch_id} before the fold locked it")
        self._state.jobs[(batch_id, job_id)].update(changes)

    async def replace_results(self, batch_id: uuid.UUID, job_id: uuid.UUID, results: Sequence[EssayResult]) -> None:
        if batch_id not in self.locked:
            raise AssertionError(f"a write to batch {batch_id} before the fold locked it")
        self._state.results[(batch_id, job_id)] = list(results)

    async def refresh_batch(self, batch_id: uuid.UUID, event_at: datetime) -> BatchStatus:
        row = self._batch(batch_id, event_at)
        jobs = [(key[1], job) for key, job in self._state.jobs.items() if key[0] == batch_id]
        current = max(jobs, key=lambda item: (item[1]["started_at"], item[0]), default=None)
        row.status = client_status(current[1]["state"] if current else None)
        row.current_job_id = current[0] if current else None
        row.completed_at = current[1].get("completed_at") if current and row.status is BatchStatus.COMPLETED else None
        return row.status


class FakeAccessLogEraser:
    def __init__(self, state: ReadModelState) -> None:
        self._state = state

    async def forget_owner(self, owner_id: str) -> int:
        return self._state.access_log.pop(owner_id, 0)


@dataclass
class FakeUnitOfWork:
    read_model: FakeReadModelWriter
    access_log: FakeAccessLogEraser


class ReadModel:
    """The fake read model, and ``fold`` to fold events into it one unit of work each, as the runner does.

    Called, it is a unit-of-work factory like the retention pass's: a transaction of its own, whose writes
    are kept when it ends normally and dropped when it raises.
    """

    def __init__(self) -> None:
        self.state = ReadModelState()
        self.transactions = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnitOfWork]:
        before = copy.deepcopy(self.state)
        self.transactions += 1
        try:
            yield self._unit_of_work()
        except BaseException:
            self.state.__dict__.update(before.__dict__)
            raise

    async def fold(self, *events: ConsumedEvent[Any]) -> None:
        for event in events:
            # The consumer's own routing, so a fold added there is folded here too.
            await FOLDS[type(event.data)](event, self._unit_of_work())

    def _unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(FakeReadModelWriter(self.state), FakeAccessLogEraser(self.state))

    def snapshot(self) -> ReadModelState:
        return copy.deepcopy(self.state)

    def batch(self, story: Story) -> BatchRow:
        return self.state.batches[story.batch_id]

    def job(self, story: Story, job_id: uuid.UUID) -> dict[str, Any]:
        return self.state.job(story.batch_id, job_id)


@pytest.fixture
def read_model() -> ReadModel:
    return ReadModel()


class FoldedCounts:
    """``result_aggregator_events_folded_total`` since the fixture was made, per (event, outcome)."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> dict[tuple[str, str], float]:
        return {
            (sample.labels["event"], sample.labels["outcome"]): sample.value
            for metric in REGISTRY.collect()
            if metric.name == "result_aggregator_events_folded"
            for sample in metric.samples
            if sample.name.endswith("_total")
        }

    def __call__(self, event: str, outcome: str) -> float:
        return self._now().get((event, outcome), 0.0) - self._start.get((event, outcome), 0.0)


@pytest.fixture
def folded() -> FoldedCounts:
    return FoldedCounts()


class Story(BatchEvents[ConsumedEvent[Any]]):
    """Events of one batch as the fold receives them, ``minutes`` after T0 (so their order is known)."""

    def _wrap(self, payload: BaseModel, minutes: float) -> ConsumedEvent[Any]:
        return ConsumedEvent(payload, uuid.uuid4(), self.at(minutes))

    def failed(
        self,
        job_id: uuid.UUID | None,
        minutes: float,
        *,
        usage: JobUsage | None = None,
        event_id: uuid.UUID | None = None,
    ) -> ConsumedEvent[Any]:
        failure = super().failed(job_id, minutes, usage=usage)
        return failure if event_id is None else ConsumedEvent(failure.data, event_id, failure.at)

    def results(
        self,
        job_id: uuid.UUID,
        minutes: float,
        *,
        grades: Sequence[str] = ("A", "C", "E"),
        stop_reason: str | None = None,
        forced_recovery: bool = False,
    ) -> ConsumedEvent[Any]:
        """The three essays graded ``grades`` (best first) and one anchor graded B, on the Swedish F-A scale."""
        results = [
            EssayResult(
                essay_id=essay_id,
                is_anchor=False,
                rank=rank,
                bt_score=1.5 - rank,
                standard_error=0.3,
                normalized_score=90.0 - 30 * (rank - 1),
                grade=grade,
                confidence=0.75,
                confidence_label="medium",
                comparison_count=12,
            )
            for rank, (essay_id, grade) in enumerate(zip(self.essay_ids, grades, strict=True), start=1)
        ]
        anchor = EssayResult(
            essay_id=self.anchor_id,
            is_anchor=True,
            rank=len(results) + 1,
            bt_score=0.9,
            standard_error=0.45,
            normalized_score=70.0,
            grade="B",
            confidence=0.9,
            confidence_label="high",
            comparison_count=10,
            known_grade="B",
        )
        payload = AssessmentResultPublishedV1(
            batch_id=self.batch_id,
            job_id=job_id,
            grade_scale="swedish_f_a",
            model_used=ModelUsed(provider=LLMProvider.OPENAI, model="judge-from-results"),
            reliability_ssr=0.86,
            reliability=0.81,
            completed_at=self.at(minutes - 0.5),
            results=[*results, anchor],
            stop_reason=stop_reason,
            forced_recovery=forced_recovery,
        )
        return self._wrap(payload, minutes)


@pytest.fixture
def story() -> Story:
    return Story()
