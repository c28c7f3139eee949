"""In-memory fakes at the adapter boundary (repositories, outbox, unit of work, content service, LPS).

The fake unit of work behaves like the PostgreSQL one where the use cases depend on it: a block's
changes and events are kept only when it ends normally, and an exception rolls both back. The job
repository stores rows, not the aggregate: ``get`` builds a fresh job with only the parts a real load
gives (waves, open count), so a use case that forgets to load essays or comparisons fails here too.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest

from cj_assessment_service.config import Settings
from cj_assessment_service.domain.aggregates import JobAggregates
from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.domain.essay_length import word_count
from cj_assessment_service.domain.job import Job, JobChanges, JobCounts, JobEssay, Outgoing, Wave
from cj_assessment_service.domain.job_health import ActiveJob
from cj_assessment_service.domain.job_state import ACTIVE, TERMINAL
from cj_assessment_service.domain.moderation import HumanVerdict, LlmVerdict, ModerationItem
from cj_assessment_service.domain.moderation_llm import LlmRequestStatus, ModerationLlmRequest
from cj_assessment_service.domain.pairs import Pair, PairStatus
from cj_assessment_service.service_layer.callbacks import record_result
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.ports import ActiveProgress, ErasedRows, LabelTakenError, Moderator
from cj_assessment_service.service_layer.requests import start_job
from common_core.events.cj_assessment import CJAssessmentRequestedV1, EssayResult
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.http.estimates import UsageEstimate, UsageEstimateRequest
from common_core.http.llm_provider import AcceptedComparison, ComparisonBatchAccepted, ComparisonBatchRequest
from common_core.status import CJJobState
from huleedu_service_libs.testing.fake_access_log import FakeAccessLog
from services.cj_assessment_service.tests.builders import FakeTexts, assessment, essay_refs


@dataclass
class Rows:
    """What the database holds: the job headers, and each job's essays, waves, comparisons and results."""

    jobs: dict[uuid.UUID, Job] = field(default_factory=dict)  # header fields only
    essays: dict[uuid.UUID, list[JobEssay]] = field(default_factory=dict)
    waves: dict[uuid.UUID, list[Wave]] = field(default_factory=dict)
    pairs: dict[uuid.UUID, list[Pair]] = field(default_factory=dict)
    results: dict[uuid.UUID, dict[uuid.UUID, EssayResult]] = field(default_factory=dict)
    assignments: dict[uuid.UUID, Assignment] = field(default_factory=dict)
    anchors: list[Anchor] = field(default_factory=list)
    outbox: list[Outgoing] = field(default_factory=list)
    locked: list[uuid.UUID] = field(default_factory=list)  # every job loaded for update, in order
    erased_batches: dict[uuid.UUID, datetime] = field(default_factory=dict)  # the tombstones
    forgotten: list[uuid.UUID] = field(default_factory=list)  # outbox keys erased (the fake never publishes)
    erased_essays: dict[tuple[uuid.UUID, uuid.UUID], datetime] = field(default_factory=dict)  # (batch, essay)
    aggregates: dict[uuid.UUID, JobAggregates] = field(default_factory=dict)  # the purged jobs' figures
    moderators: dict[uuid.UUID, list[Moderator]] = field(default_factory=dict)  # per job, in the order added
    verdicts: list[HumanVerdict] = field(default_factory=list)  # the teachers', in the order given
    # The LLM asked for moderation pairs after the job, by request id, in the order asked.
    llm_requests: dict[str, ModerationLlmRequest] = field(default_factory=dict)


class FakeJobRepository:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def add(self, job: Job) -> bool:
        if any((j.batch_id, j.request_id) == (job.batch_id, job.request_id) for j in self.rows.jobs.values()):
            return False
        self.rows.jobs[job.id] = replace(job, changes=JobChanges(), essays=None, pairs=None, counts=None, waves=[])
        for part in (self.rows.essays, self.rows.waves, self.rows.pairs):
            part[job.id] = []
        return True

    async def get(self, job_id: uuid.UUID, *, lock: bool = False, skip_locked: bool = False) -> Job | None:
        stored = self.rows.jobs.get(job_id)
        if stored is None:
            return None
        if lock:
            self.rows.locked.append(job_id)
        open_pairs = sum(1 for p in self.rows.pairs[job_id] if p.status is PairStatus.PLANNED)
        waves = [replace(w, theta=None) for w in self.rows.waves[job_id]]
        return replace(copy.deepcopy(stored), open_pairs=open_pairs, waves=waves)

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        erased = [job_id for job_id, job in self.rows.jobs.items() if job.batch_id == batch_id]
        for job_id in erased:
            for part in (self.rows.jobs, self.rows.essays, self.rows.waves, self.rows.pairs, self.rows.results):
                part.pop(job_id, None)
        self._cascade(erased)
        return len(erased)

    def _cascade(self, job_ids: Sequence[uuid.UUID]) -> None:
        # The moderation rows go with their job (ON DELETE CASCADE).
        for job_id in job_ids:
            self.rows.moderators.pop(job_id, None)
        self.rows.verdicts = [v for v in self.rows.verdicts if v.job_id not in job_ids]
        self.rows.llm_requests = {k: r for k, r in self.rows.llm_requests.items() if r.job_id not in job_ids}

    async def jobs_of_batch(self, batch_id: uuid.UUID) -> list[uuid.UUID]:
        return [
            job.id for job in sorted(self.rows.jobs.values(), key=lambda j: j.created_at) if job.batch_id == batch_id
        ]

    async def erase_essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> ErasedRows:
        rows, wanted = self.rows, set(essay_ids)
        essays = [e for e in rows.essays[job_id] if e.essay_id not in wanted]
        pairs = [p for p in rows.pairs[job_id] if not {p.essay_a_id, p.essay_b_id} & wanted]
        erased = ErasedRows(len(rows.essays[job_id]) - len(essays), len(rows.pairs[job_id]) - len(pairs))
        rows.essays[job_id], rows.pairs[job_id] = essays, pairs
        rows.verdicts = [v for v in rows.verdicts if v.job_id != job_id or not v.pair & wanted]
        rows.llm_requests = {
            k: r for k, r in rows.llm_requests.items() if r.job_id != job_id or not {r.first, r.second} & wanted
        }
        for essay_id in wanted:
            rows.results.get(job_id, {}).pop(essay_id, None)
        rows.waves[job_id] = [replace(w, theta=None) for w in rows.waves[job_id]]
        return erased

    async def finished_before(self, cutoff: datetime, limit: int, *, unpurged_only: bool) -> list[uuid.UUID]:
        due = [
            job
            for job in self.rows.jobs.values()
            if job.state in TERMINAL
            and job.finished_at is not None
            and job.finished_at < cutoff
            and not (unpurged_only and job.id in self.rows.aggregates)
        ]
        return [job.id for job in sorted(due, key=lambda j: j.finished_at or cutoff)][:limit]

    async def student_grades(self, job_id: uuid.UUID) -> list[str | None]:
        results = self.rows.results.get(job_id, {})
        return [
            results[e.essay_id].grade if e.essay_id in results else None
            for e in self.rows.essays[job_id]
            if not e.is_anchor
        ]

    async def purge(self, job_id: uuid.UUID, aggregates: JobAggregates, purged_at: datetime) -> ErasedRows:
        rows = self.rows
        erased = ErasedRows(len(rows.essays[job_id]), len(rows.pairs[job_id]))
        rows.essays[job_id], rows.pairs[job_id] = [], []
        rows.verdicts = [v for v in rows.verdicts if v.job_id != job_id]
        rows.llm_requests = {k: r for k, r in rows.llm_requests.items() if r.job_id != job_id}
        rows.moderators.pop(job_id, None)
        rows.results.pop(job_id, None)
        rows.waves[job_id] = [replace(w, theta=None) for w in rows.waves[job_id]]
        rows.aggregates[job_id] = aggregates
        return erased

    async def delete_jobs(self, job_ids: Sequence[uuid.UUID]) -> ErasedRows:
        rows = self.rows
        erased = ErasedRows(sum(len(rows.essays[j]) for j in job_ids), sum(len(rows.pairs[j]) for j in job_ids))
        for job_id in job_ids:
            for part in (rows.jobs, rows.essays, rows.waves, rows.pairs, rows.results, rows.aggregates):
                part.pop(job_id, None)
        self._cascade(job_ids)
        return erased

    async def aggregates(self, job_id: uuid.UUID) -> JobAggregates | None:
        return self.rows.aggregates.get(job_id)

    async def job_of_request(self, request_id: str) -> uuid.UUID | None:
        return next((p.job_id for ps in self.rows.pairs.values() for p in ps if p.request_id == request_id), None)

    async def pair(self, job: Job, request_id: str) -> Pair | None:
        await self.save(job)
        return next((replace(p) for p in self.rows.pairs[job.id] if p.request_id == request_id), None)

    async def load_counts(self, job: Job) -> None:
        await self.save(job)
        essays, pairs = self.rows.essays[job.id], self.rows.pairs[job.id]
        job.counts = JobCounts(
            items=len(essays),
            anchors=sum(1 for e in essays if e.is_anchor),
            planned=len(pairs),
            done=sum(1 for p in pairs if p.status is PairStatus.DONE),
        )

    async def load_essays(self, job: Job) -> None:
        await self.save(job)
        job.essays = [replace(e) for e in self.rows.essays[job.id]]

    async def load_pairs(self, job: Job) -> None:
        await self.save(job)
        job.pairs = [replace(p) for p in sorted(self.rows.pairs[job.id], key=lambda p: (p.wave, p.position, p.attempt))]

    async def load_thetas(self, job: Job) -> None:
        await self.save(job)
        thetas = {w.wave: w.theta for w in self.rows.waves[job.id]}
        for wave in job.waves:
            wave.theta = thetas[wave.wave]

    async def unacknowledged_pairs(self, job: Job, limit: int) -> list[Pair]:
        await self.save(job)
        return [replace(p) for p in self.rows.pairs[job.id] if p.status is PairStatus.PLANNED and not p.acknowledged][
            :limit
        ]

    async def save(self, job: Job) -> None:
        changes, rows = job.changes, self.rows
        stored = rows.jobs[job.id]
        for name, value in changes.header.items():
            setattr(stored, name, value)
        rows.essays[job.id].extend(replace(e) for e in changes.new_essays)
        rows.waves[job.id].extend(replace(w) for w in changes.new_waves)
        for closed in changes.closed_waves:
            index = next(i for i, w in enumerate(rows.waves[job.id]) if w.wave == closed.wave)
            rows.waves[job.id][index] = replace(closed)
        pairs = rows.pairs[job.id]
        if {p.request_id for p in changes.new_pairs} & {p.request_id for p in pairs}:
            raise AssertionError("a request id planned twice (the unique index refuses it)")
        pairs.extend(replace(p) for p in changes.new_pairs)
        for answered in changes.answered_pairs:
            index = next(i for i, p in enumerate(pairs) if p.pair_id == answered.pair_id)
            pairs[index] = replace(answered, acknowledged=pairs[index].acknowledged, queue_id=pairs[index].queue_id)
        for pair in pairs:
            if pair.request_id in changes.acknowledged and not pair.acknowledged:
                pair.acknowledged, pair.queue_id = True, changes.acknowledged[pair.request_id]
            if changes.abandon_open_pairs and pair.status is PairStatus.PLANNED:
                pair.status = PairStatus.ABANDONED
        for result in changes.results:
            rows.results.setdefault(job.id, {})[result.essay_id] = result
        job.changes = JobChanges(events=changes.events)

    async def jobs_with_unsubmitted_pairs(self, now: datetime, limit: int) -> list[uuid.UUID]:
        due = [
            job
            for job in self.rows.jobs.values()
            if job.state is CJJobState.COMPARING
            and job.next_submit_at <= now
            and any(p.status is PairStatus.PLANNED and not p.acknowledged for p in self.rows.pairs[job.id])
        ]
        return [job.id for job in sorted(due, key=lambda j: j.next_submit_at)][:limit]

    async def idle_comparing_jobs(self, idle_before: datetime, limit: int) -> list[uuid.UUID]:
        idle = [
            j for j in self.rows.jobs.values() if j.state is CJJobState.COMPARING and j.last_activity_at < idle_before
        ]
        return [job.id for job in sorted(idle, key=lambda j: j.last_activity_at)][:limit]

    async def count_by_state(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job in self.rows.jobs.values():
            counts[job.state.value] = counts.get(job.state.value, 0) + 1
        return counts

    async def active_progress(self) -> list[ActiveProgress]:
        return [
            ActiveProgress(
                job.id,
                job.budget,
                sum(1 for p in self.rows.pairs[job.id] if p.status is PairStatus.DONE),
                len(self.rows.essays[job.id]),
            )
            for job in self.rows.jobs.values()
            if job.state is CJJobState.COMPARING
        ]

    async def active_ages(self) -> list[ActiveJob]:
        return [
            ActiveJob(job.state.value, job.created_at, job.last_activity_at)
            for job in self.rows.jobs.values()
            if job.state in ACTIVE
        ]

    async def anchor_flags(self, job_id: uuid.UUID) -> dict[uuid.UUID, bool]:
        return {e.essay_id: e.is_anchor for e in self.rows.essays[job_id]}

    async def pairs_of_essay(self, job_id: uuid.UUID, essay_id: uuid.UUID) -> list[Pair]:
        return [replace(p) for p in self.rows.pairs[job_id] if essay_id in (p.essay_a_id, p.essay_b_id)]

    async def page_pairs(self, job_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Pair]]:
        pairs = self.rows.pairs[job_id]
        return len(pairs), [replace(p) for p in pairs[offset : offset + limit]]


class FakeModerationRepository:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def moderators(self, job_id: uuid.UUID) -> list[Moderator]:
        return list(self.rows.moderators.get(job_id, []))

    async def add_moderator(self, job_id: uuid.UUID, user_id: str, added_at: datetime, label: str | None) -> bool:
        moderators = self.rows.moderators.setdefault(job_id, [])
        for index, m in enumerate(moderators):
            if m.user_id == user_id:
                if label is not None:
                    moderators[index] = Moderator(user_id, m.added_at, label)
                return False
        moderators.append(Moderator(user_id, added_at, label))
        return True

    async def moderated_by(self, user_id: str) -> list[tuple[uuid.UUID, datetime]]:
        places = [
            (job_id, m.added_at) for job_id, ms in self.rows.moderators.items() for m in ms if m.user_id == user_id
        ]
        return sorted(places, key=lambda place: place[1], reverse=True)

    async def remove_moderator(self, job_id: uuid.UUID, user_id: str) -> bool:
        before = self.rows.moderators.get(job_id, [])
        self.rows.moderators[job_id] = [m for m in before if m.user_id != user_id]
        return len(self.rows.moderators[job_id]) < len(before)

    async def items(self, job_id: uuid.UUID) -> list[ModerationItem]:
        essays = sorted(self.rows.essays.get(job_id, []), key=lambda e: e.item_index)
        return [
            ModerationItem(e.essay_id, e.item_index, e.is_anchor, e.known_grade, e.text_ref, word_count(e.content))
            for e in essays
        ]

    async def llm_verdicts(self, job_id: uuid.UUID) -> list[LlmVerdict]:
        done = sorted(
            (p for p in self.rows.pairs.get(job_id, []) if p.status is PairStatus.DONE),
            key=lambda p: (p.wave, p.position, p.attempt),
        )
        verdicts = [
            LlmVerdict(p.essay_a_id, p.essay_b_id, p.essay_a_id if p.winner == "A" else p.essay_b_id) for p in done
        ]
        asked = [r.verdict for r in self.rows.llm_requests.values() if r.job_id == job_id]
        return verdicts + [v for v in asked if v is not None]

    async def verdicts(self, job_id: uuid.UUID) -> list[HumanVerdict]:
        return [v for v in self.rows.verdicts if v.job_id == job_id]

    async def add_verdict(self, verdict: HumanVerdict) -> None:
        self.rows.verdicts.append(verdict)

    async def delete_last_verdict(self, job_id: uuid.UUID, user_id: str) -> HumanVerdict | None:
        mine = [v for v in self.rows.verdicts if (v.job_id, v.moderator_user_id) == (job_id, user_id)]
        if not mine:
            return None
        self.rows.verdicts.remove(mine[-1])
        return mine[-1]

    async def forget_user(self, user_id: str) -> tuple[int, int]:
        kept = [v for v in self.rows.verdicts if v.moderator_user_id != user_id]
        verdicts, self.rows.verdicts = len(self.rows.verdicts) - len(kept), kept
        places = 0
        for job_id, moderators in self.rows.moderators.items():
            self.rows.moderators[job_id] = [m for m in moderators if m.user_id != user_id]
            places += len(moderators) - len(self.rows.moderators[job_id])
        return verdicts, places

    async def llm_judged(self, job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID) -> bool:
        pair = {first, second}
        answered = any(
            {p.essay_a_id, p.essay_b_id} == pair and p.status is PairStatus.DONE
            for p in self.rows.pairs.get(job_id, [])
        )
        asked = any(r.job_id == job_id and {r.first, r.second} == pair for r in self.rows.llm_requests.values())
        return answered or asked

    async def add_llm_request(self, request: ModerationLlmRequest) -> bool:
        if request.request_id in self.rows.llm_requests:
            return False
        self.rows.llm_requests[request.request_id] = replace(request)
        return True

    async def unsent_llm_requests(self, now: datetime, limit: int) -> list[ModerationLlmRequest]:
        due = [
            replace(r)
            for r in self.rows.llm_requests.values()
            if r.status is LlmRequestStatus.PLANNED and not r.acknowledged and r.next_submit_at <= now
        ]
        return due[:limit]

    async def llm_request(self, request_id: str) -> ModerationLlmRequest | None:
        found = self.rows.llm_requests.get(request_id)
        return None if found is None else replace(found)

    async def llm_requests(self, job_id: uuid.UUID) -> list[ModerationLlmRequest]:
        mine = [replace(r) for r in self.rows.llm_requests.values() if r.job_id == job_id]
        return sorted(mine, key=lambda r: (r.requested_at, r.request_id))

    async def save_llm_request(self, request: ModerationLlmRequest) -> None:
        if request.request_id in self.rows.llm_requests:  # an UPDATE of a deleted row changes nothing
            self.rows.llm_requests[request.request_id] = replace(request)

    async def essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> list[JobEssay]:
        wanted = set(essay_ids)
        return [replace(e) for e in self.rows.essays.get(job_id, []) if e.essay_id in wanted]


class FakeAssignmentRepository:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def get(self, assignment_id: uuid.UUID) -> Assignment | None:
        found = self.rows.assignments.get(assignment_id)
        if found is None:
            return None
        return replace(found, anchor_count=sum(1 for a in self.rows.anchors if a.assignment_id == assignment_id))

    async def visible_to(self, user_id: str) -> list[Assignment]:
        return [a for a in self.rows.assignments.values() if a.usable_by(user_id)]

    async def add(self, assignment: Assignment) -> None:
        self.rows.assignments[assignment.id] = assignment

    async def update(self, assignment_id: uuid.UUID, values: dict[str, object]) -> None:
        self.rows.assignments[assignment_id] = replace(self.rows.assignments[assignment_id], **values)  # type: ignore[arg-type]

    async def anchors(self, assignment_id: uuid.UUID) -> list[Anchor]:
        return [a for a in self.rows.anchors if a.assignment_id == assignment_id]

    async def taken_labels(self, assignment_id: uuid.UUID, labels: Sequence[str]) -> list[str]:
        return sorted(a.label for a in await self.anchors(assignment_id) if a.label in labels)

    async def add_anchors(self, anchors: Sequence[Anchor]) -> list[Anchor]:
        for anchor in anchors:
            if await self.taken_labels(anchor.assignment_id, [anchor.label]):
                raise LabelTakenError(anchor.label)
        self.rows.anchors.extend(anchors)
        return list(anchors)

    async def remove_anchor(self, assignment_id: uuid.UUID, anchor_id: uuid.UUID) -> bool:
        before = len(self.rows.anchors)
        self.rows.anchors = [a for a in self.rows.anchors if (a.assignment_id, a.id) != (assignment_id, anchor_id)]
        return len(self.rows.anchors) < before

    async def owned_by(self, user_id: str) -> list[Assignment]:
        return [a for a in self.rows.assignments.values() if a.owner_user_id == user_id]

    async def delete_owned_by(self, user_id: str) -> tuple[int, int]:
        owned = {a.id for a in await self.owned_by(user_id)}
        anchors = [a for a in self.rows.anchors if a.assignment_id in owned]
        self.rows.anchors = [a for a in self.rows.anchors if a.assignment_id not in owned]
        for assignment_id in owned:
            del self.rows.assignments[assignment_id]
        return len(owned), len(anchors)


class FakeErasedBatches:
    """The tombstones; the batch lock is a no-op (the fake runs one transaction at a time)."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def lock(self, batch_id: uuid.UUID) -> None:
        return None

    async def add(self, batch_id: uuid.UUID, erased_at: datetime) -> bool:
        if batch_id in self.rows.erased_batches:
            return False
        self.rows.erased_batches[batch_id] = erased_at
        return True

    async def contains(self, batch_id: uuid.UUID) -> bool:
        return batch_id in self.rows.erased_batches


class FakeErasedEssays:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def add(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID], erased_at: datetime) -> int:
        new = [(batch_id, e) for e in essay_ids if (batch_id, e) not in self.rows.erased_essays]
        self.rows.erased_essays.update(dict.fromkeys(new, erased_at))
        return len(new)

    async def of_batch(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        return {essay for batch, essay in self.rows.erased_essays if batch == batch_id}


class FakeOutbox:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    async def emit(self, event: Outgoing, *, key: uuid.UUID, correlation_id: uuid.UUID) -> None:
        if any(e.natural_key == event.natural_key for e in self.rows.outbox):
            raise AssertionError(f"event id {event.natural_key} written twice (the outbox's unique index refuses it)")
        self.rows.outbox.append(event)

    async def forget(self, key: uuid.UUID) -> int:
        # Every fake event is still pending (nothing publishes them), and pending events stay.
        self.rows.forgotten.append(key)
        return 0


@dataclass
class FakeUnitOfWork:
    jobs: FakeJobRepository
    assignments: FakeAssignmentRepository
    erased_batches: FakeErasedBatches
    erased_essays: FakeErasedEssays
    events: FakeOutbox
    moderation: FakeModerationRepository
    committed: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.committed.append(callback)


class FakeUnitOfWorkFactory:
    """A transaction over ``rows``: kept when the block ends normally, rolled back (restored) on an exception."""

    def __init__(self) -> None:
        self.rows = Rows()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnitOfWork]:
        before = copy.deepcopy(self.rows)
        rows = self.rows
        uow = FakeUnitOfWork(
            FakeJobRepository(rows),
            FakeAssignmentRepository(rows),
            FakeErasedBatches(rows),
            FakeErasedEssays(rows),
            FakeOutbox(rows),
            FakeModerationRepository(rows),
        )
        try:
            yield uow
        except BaseException:
            self.rows.__dict__.update(before.__dict__)
            raise
        for callback in uow.committed:
            callback()


class FakeLPS:
    """Accepts every comparison it is sent (or refuses them all with ``error``), and keeps the requests."""

    def __init__(self) -> None:
        self.requests: list[ComparisonBatchRequest] = []
        self.error: Exception | None = None

    async def submit(self, request: ComparisonBatchRequest) -> ComparisonBatchAccepted:
        if self.error is not None:
            raise self.error
        self.requests.append(request)
        accepted = [
            AcceptedComparison(request_id=c.request_id, queue_id=f"q-{c.request_id}", state="queued")
            for c in request.comparisons
        ]
        return ComparisonBatchAccepted(accepted=accepted)

    async def estimate(self, request: UsageEstimateRequest) -> UsageEstimate:
        raise NotImplementedError("no estimate in these tests")


@dataclass
class Service:
    deps: ServiceDeps
    uows: FakeUnitOfWorkFactory
    texts: FakeTexts
    lps: FakeLPS
    access_log: FakeAccessLog

    @property
    def rows(self) -> Rows:
        return self.uows.rows

    def request(self, n_essays: int, *, user_id: str = "teacher-1", **fields: Any) -> CJAssessmentRequestedV1:
        """A request for ``n_essays`` essays whose texts the fake store holds."""
        return assessment(essay_refs(self.texts, n_essays, "essay number"), user_id=user_id, **fields)

    def open_requests(self) -> list[str]:
        return [p.request_id for ps in self.rows.pairs.values() for p in ps if p.status is PairStatus.PLANNED]

    def events_of(self, model: type) -> list[Any]:
        return [e.payload for e in self.rows.outbox if isinstance(e.payload, model)]


async def start(service: Service, message: CJAssessmentRequestedV1) -> None:
    """The requests consumer's handling of ``message``, in a unit of work of its own."""
    async with service.uows() as uow:
        await start_job(service.deps, message, uuid.uuid4(), uow)


async def callback(service: Service, result: LLMComparisonResultV1) -> bool:
    """The callbacks consumer's handling of ``result``, in a unit of work of its own."""
    async with service.uows() as uow:
        return await record_result(service.deps, result, uow)


@pytest.fixture
def service() -> Service:
    uows, texts, lps = FakeUnitOfWorkFactory(), FakeTexts(), FakeLPS()
    settings = Settings(HULEEDU_DEV_MODE=True, max_pair_attempts=2, database_url="postgresql://unused/db")
    access_log = FakeAccessLog()
    deps = ServiceDeps(
        settings=settings, uows=uows, content=texts, lps=lps, callback_topic="callbacks", access_log=access_log
    )
    return Service(deps, uows, texts, lps, access_log)
