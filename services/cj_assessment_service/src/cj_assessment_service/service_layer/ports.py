"""The adapter boundary of the use cases: repositories and an outbox inside one unit of work, the two
peers CJ calls (content service's text store, the LLM provider service), and the access log.

PostgreSQL and HTTP implement these in ``adapters/``; the unit tests use in-memory fakes
(tests/service_layer/fakes.py). Every repository method runs inside the unit of work's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cj_assessment_service.domain.aggregates import JobAggregates
from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.domain.job import Job, JobEssay, Outgoing
from cj_assessment_service.domain.job_health import ActiveJob
from cj_assessment_service.domain.moderation import HumanVerdict, LlmVerdict, ModerationItem
from cj_assessment_service.domain.moderation_llm import ModerationLlmRequest
from cj_assessment_service.domain.pairs import Pair
from common_core.events.cj_assessment import AssessmentBudget
from common_core.http.access import AccessSubject
from common_core.http.content import BatchGetTextsResponse, StoredText, TextKind
from common_core.http.estimates import UsageEstimate, UsageEstimateRequest
from common_core.http.llm_provider import ComparisonBatchAccepted, ComparisonBatchRequest
from huleedu_service_libs.access_log import Accessor


@dataclass(frozen=True)
class ErasedRows:
    """What an erasure or a retention pass deleted."""

    essays: int = 0  # job_essays rows (texts, names, results)
    comparisons: int = 0  # with their justifications


@dataclass(frozen=True)
class ActiveProgress:
    """A comparing job's inputs to the progress gauge."""

    job_id: uuid.UUID
    budget: AssessmentBudget
    done: int
    items: int


class JobRepository(Protocol):
    async def add(self, job: Job) -> bool:
        """Insert a new job unless its (batch, request) has one; ``True`` if this call created it."""

    async def get(self, job_id: uuid.UUID, *, lock: bool = False, skip_locked: bool = False) -> Job | None:
        """The job with its waves (without their thetas) and the counts of its comparisons.

        ``lock`` holds its row until the unit of work ends: one writer per job (callbacks, monitor,
        cancel, submitter). With ``skip_locked`` a job another transaction holds is None.
        """

    async def erase_batch(self, batch_id: uuid.UUID) -> int:
        """Delete every job of the batch with its essays, waves and comparisons; how many jobs there were."""

    async def jobs_of_batch(self, batch_id: uuid.UUID) -> list[uuid.UUID]:
        """The batch's jobs, oldest first."""

    async def erase_essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> ErasedRows:
        """Delete the essays' rows and every comparison that involves one of them; the job's theta history goes
        too (it places every essay, and only a running job's stopping rule reads it)."""

    async def finished_before(self, cutoff: datetime, limit: int, *, unpurged_only: bool) -> list[uuid.UUID]:
        """Completed or failed jobs that finished before ``cutoff``, locked (others' locked ones skipped)."""

    async def student_grades(self, job_id: uuid.UUID) -> list[str | None]:
        """The grade of each of the job's student essays (anchors left out)."""

    async def purge(self, job_id: uuid.UUID, aggregates: JobAggregates, purged_at: datetime) -> ErasedRows:
        """Delete the job's essays, comparisons and theta history and keep ``aggregates`` on the job instead."""

    async def delete_jobs(self, job_ids: Sequence[uuid.UUID]) -> ErasedRows:
        """Delete the jobs with everything they hold."""

    async def aggregates(self, job_id: uuid.UUID) -> JobAggregates | None:
        """The figures kept when retention purged the job (None: not purged)."""

    async def job_of_request(self, request_id: str) -> uuid.UUID | None:
        """The job a comparison request belongs to."""

    async def pair(self, job: Job, request_id: str) -> Pair | None:
        """The comparison attempt as this transaction sees it (read again after locking the job)."""

    async def load_counts(self, job: Job) -> None:
        """Fill ``job.counts`` (essays, anchors, comparisons planned and answered).

        Each ``load_*`` saves the job's pending changes first, so what it reads includes them.
        """

    async def load_essays(self, job: Job) -> None:
        """Fill ``job.essays`` (texts included), in engine order."""

    async def load_pairs(self, job: Job) -> None:
        """Fill ``job.pairs`` with every attempt, in planning order."""

    async def load_thetas(self, job: Job) -> None:
        """Fill the closed waves' pooled thetas (the stopping rule's history)."""

    async def unacknowledged_pairs(self, job: Job, limit: int) -> list[Pair]:
        """Open attempts LPS never accepted, in planning order."""

    async def save(self, job: Job) -> None:
        """Write ``job.changes`` (not its events) and empty them; may run several times per unit of work."""

    async def jobs_with_unsubmitted_pairs(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Comparing jobs whose submit backoff has passed and that have pairs LPS never accepted."""

    async def idle_comparing_jobs(self, idle_before: datetime, limit: int) -> list[uuid.UUID]:
        """Comparing jobs without activity since ``idle_before``, oldest first."""

    async def count_by_state(self) -> dict[str, int]: ...

    async def active_progress(self) -> list[ActiveProgress]:
        """Every comparing job's progress inputs."""

    async def active_ages(self) -> list[ActiveJob]:
        """Every job not yet completed or failed."""

    async def anchor_flags(self, job_id: uuid.UUID) -> dict[uuid.UUID, bool]:
        """Each essay of the job, and whether it is an anchor."""

    async def pairs_of_essay(self, job_id: uuid.UUID, essay_id: uuid.UUID) -> list[Pair]:
        """The attempts one essay took part in, in planning order."""

    async def page_pairs(self, job_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[Pair]]:
        """One page of the job's attempts in planning order, and how many there are in all."""


class AssignmentRepository(Protocol):
    async def get(self, assignment_id: uuid.UUID) -> Assignment | None:
        """The assignment with its anchor count."""

    async def visible_to(self, user_id: str) -> list[Assignment]:
        """The user's own assignments and every shared one, newest first, with their anchor counts."""

    async def add(self, assignment: Assignment) -> None: ...

    async def update(self, assignment_id: uuid.UUID, values: dict[str, object]) -> None:
        """Change the named columns (and ``updated_at``)."""

    async def anchors(self, assignment_id: uuid.UUID) -> list[Anchor]:
        """In upload order."""

    async def taken_labels(self, assignment_id: uuid.UUID, labels: Sequence[str]) -> list[str]:
        """Those of ``labels`` that the assignment's anchors already use, sorted."""

    async def add_anchors(self, anchors: Sequence[Anchor]) -> list[Anchor]:
        """Insert them; a label taken meanwhile raises ``LabelTakenError``."""

    async def remove_anchor(self, assignment_id: uuid.UUID, anchor_id: uuid.UUID) -> bool:
        """``False`` if the assignment has no such anchor."""

    async def owned_by(self, user_id: str) -> list[Assignment]:
        """The user's own assignments, newest first."""

    async def delete_owned_by(self, user_id: str) -> tuple[int, int]:
        """Delete the user's assignments with their anchors; how many of each."""


class ErasedBatchRepository(Protocol):
    """Tombstones of the batches erased on ``huleedu.batch.deleted.v1``: their ids, nothing else."""

    async def lock(self, batch_id: uuid.UUID) -> None:
        """Hold the batch until the unit of work ends: its request and its erasure never interleave."""

    async def add(self, batch_id: uuid.UUID, erased_at: datetime) -> bool:
        """Record the batch as erased; ``True`` if it was not yet."""

    async def contains(self, batch_id: uuid.UUID) -> bool: ...


class ErasedEssayRepository(Protocol):
    """Tombstones of the essays erased on ``huleedu.class.student_erased.v1``: (batch id, essay id), nothing else."""

    async def add(self, batch_id: uuid.UUID, essay_ids: Sequence[uuid.UUID], erased_at: datetime) -> int:
        """Record the essays as erased; how many were not yet."""

    async def of_batch(self, batch_id: uuid.UUID) -> set[uuid.UUID]:
        """The batch's erased essays."""


@dataclass(frozen=True)
class Moderator:
    user_id: str
    added_at: datetime
    label: str | None = None  # the email the owner invited them by: the owner's to see, nobody else's


class ModerationRepository(Protocol):
    """Teacher moderation of a job: the colleagues allowed to moderate it and every human verdict."""

    async def moderators(self, job_id: uuid.UUID) -> list[Moderator]:
        """The colleagues the owner added, in the order they were added."""

    async def add_moderator(self, job_id: uuid.UUID, user_id: str, added_at: datetime, label: str | None) -> bool:
        """``False`` if the colleague was already one (a label given replaces theirs)."""

    async def remove_moderator(self, job_id: uuid.UUID, user_id: str) -> bool:
        """``False`` if the user was not a moderator of the job."""

    async def moderated_by(self, user_id: str) -> list[tuple[uuid.UUID, datetime]]:
        """The jobs the user was added to as a moderator, with when: newest first."""

    async def items(self, job_id: uuid.UUID) -> list[ModerationItem]:
        """The job's essays and anchors (no texts), in engine order."""

    async def llm_verdicts(self, job_id: uuid.UUID) -> list[LlmVerdict]:
        """The LLM's answered comparisons in planning order, then its answers asked for moderation."""

    async def verdicts(self, job_id: uuid.UUID) -> list[HumanVerdict]:
        """Every teacher's verdict on the job, oldest first."""

    async def add_verdict(self, verdict: HumanVerdict) -> None: ...

    async def delete_last_verdict(self, job_id: uuid.UUID, user_id: str) -> HumanVerdict | None:
        """Delete and return the user's most recent verdict on the job (None: they have none)."""

    async def forget_user(self, user_id: str) -> tuple[int, int]:
        """Delete the user's verdicts on every job and their places as a moderator; how many of each."""

    async def llm_judged(self, job_id: uuid.UUID, first: uuid.UUID, second: uuid.UUID) -> bool:
        """Whether the LLM answered the pair (in either order) in the job, or was asked for it for moderation."""

    async def add_llm_request(self, request: ModerationLlmRequest) -> bool:
        """Insert the request unless one with its id exists; ``True`` if this call added it."""

    async def unsent_llm_requests(self, now: datetime, limit: int) -> list[ModerationLlmRequest]:
        """Open requests LPS never accepted whose backoff has passed, oldest first (every job's)."""

    async def llm_request(self, request_id: str) -> ModerationLlmRequest | None:
        """The request, its row locked until the unit of work ends (one writer: callback or submitter)."""

    async def llm_requests(self, job_id: uuid.UUID) -> list[ModerationLlmRequest]:
        """Every request of the job asked for moderation, whatever its status, oldest first (no lock)."""

    async def save_llm_request(self, request: ModerationLlmRequest) -> None:
        """Write its outcome, its usage and its submit bookkeeping (acknowledged, failures, next attempt)."""

    async def essays(self, job_id: uuid.UUID, essay_ids: Sequence[uuid.UUID]) -> list[JobEssay]:
        """Those of the job's essays, with their texts and names (what LPS is sent)."""


class LabelTakenError(Exception):
    """A concurrent upload took an anchor label between the check and the insert."""


class EventOutbox(Protocol):
    async def emit(self, event: Outgoing, *, key: uuid.UUID, correlation_id: uuid.UUID) -> None:
        """Queue the event for Kafka in the unit of work's transaction, with its deterministic id."""

    async def forget(self, key: uuid.UUID) -> int:
        """Erase the published (and dead) events keyed ``key``; pending ones stay until published and pruned."""


class UnitOfWork(Protocol):
    """One transaction: committed when the ``async with`` block ends normally, rolled back otherwise
    (a unit of work on the Kafka runner's transaction is committed by the runner)."""

    @property
    def jobs(self) -> JobRepository: ...

    @property
    def assignments(self) -> AssignmentRepository: ...

    @property
    def erased_batches(self) -> ErasedBatchRepository: ...

    @property
    def erased_essays(self) -> ErasedEssayRepository: ...

    @property
    def events(self) -> EventOutbox: ...

    @property
    def moderation(self) -> ModerationRepository: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back)."""


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


class TextStore(Protocol):
    """Content service's text store. A store names the teacher whose assignment or anchor the text is:
    content service removes it with their account unless another teacher stored it too."""

    async def store_text(self, content: str, kind: TextKind, owner_id: str) -> StoredText: ...

    async def store_text_file(self, filename: str, data: bytes, kind: TextKind, owner_id: str) -> StoredText: ...

    async def fetch_texts(self, text_ids: list[str]) -> BatchGetTextsResponse: ...


class AccessRecorder(Protocol):
    """The access log (``huleedu_service_libs.access_log.AccessLog``): its own transactions, not the unit of work's."""

    async def record(self, owner_id: str, accessor: Accessor, subjects: Iterable[tuple[AccessSubject, str]]) -> int:
        """One entry per subject read; raises when it cannot write (the read then fails, unrecorded never)."""

    async def forget_owner(self, owner_id: str) -> int: ...


class UsageEstimates(Protocol):
    """What the LLM provider service says a planned set of waves would cost."""

    async def estimate(self, request: UsageEstimateRequest) -> UsageEstimate: ...


class ComparisonService(UsageEstimates, Protocol):
    """The LLM provider service."""

    async def submit(self, request: ComparisonBatchRequest) -> ComparisonBatchAccepted: ...
