"""Erasures: a deleted batch (``huleedu.batch.deleted.v1``), an erased student's essays
(``huleedu.class.student_erased.v1``) and a deleted teacher account (``huleedu.class.teacher_account_deleted.v1``).

**A batch.**
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

**A student.** Each listed essay (the teacher confirmed it as the student's) loses its rows in every job of
its batch: its text, names and result, and every comparison it took part in with the justifications. The other
essays' results stay; the job's figures (reliability, stop reason, the counts its events carried) were
computed with the erased essay and are not recomputed. A job still running is cancelled first (failed with
``CANCELLED``: the engine cannot lose an item mid-job), so its outcome reaches content service and the teacher
can assess the rest again. Tombstones (batch id, essay id) keep the essays out of a later request of the batch,
and a late callback of a deleted comparison is dropped as for an erased batch. The batch's published events
(results with each essay's grade) leave the outbox. Idempotent.

**A teacher account.** Its assignments go with their anchors (content service removes their texts when it
reads the same event), and so does the access log of its data; its batches come through ``batch.deleted``.
Where the teacher moderated a colleague's job, their verdicts (with their reasons) and their place among the
job's moderators go too; the colleague's moderated results refit without them on the next read.

A student's erased essays take the teachers' moderation verdicts on them along (a reason may describe the
essay), and retention's purge of a job takes all of the job's verdicts and its moderators with the emails the owner
invited them by (``JobRepository.erase_essays`` and ``purge``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

import structlog

from cj_assessment_service.domain.job import Failure, FailureCode
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.ports import ErasedRows, UnitOfWork
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1

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


ERASED_MID_ASSESSMENT = "a student's essays were erased during the assessment; assess the batch again without them"


async def erase_student(deps: ServiceDeps, erased: StudentErasedV1, uow: UnitOfWork) -> ErasedRows:
    """Erase the student's essays in every job of their batches; what was deleted."""
    by_batch: defaultdict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for essay in erased.essays:
        by_batch[essay.batch_id].add(essay.essay_id)
    essays = comparisons = 0
    now = datetime.now(UTC)
    # In a fixed order: two erasures touching the same batches never wait on each other in a cycle.
    for batch_id in sorted(by_batch):
        essay_ids = sorted(by_batch[batch_id])
        # The batch's lock: a request of the batch either sees the tombstones or is erased after it.
        await uow.erased_batches.lock(batch_id)
        await uow.erased_essays.add(batch_id, essay_ids, now)
        for job_id in await uow.jobs.jobs_of_batch(batch_id):
            job = await uow.jobs.get(job_id, lock=True)
            if job is None or not set(essay_ids) & set(await uow.jobs.anchor_flags(job_id)):
                continue
            if not job.finished:
                await uow.jobs.load_pairs(job)
                job.fail(Failure(FailureCode.CANCELLED, ERASED_MID_ASSESSMENT), now)
                await deps.save(uow, job)
            rows = await uow.jobs.erase_essays(job_id, essay_ids)
            essays, comparisons = essays + rows.essays, comparisons + rows.comparisons
        # CJ keys its events by batch: the published results (a grade per essay) go.
        await uow.events.forget(batch_id)
    log.info(
        "cj.student_erased",
        student_id=str(erased.student_id),
        batches=len(by_batch),
        essays=essays,
        comparisons=comparisons,
    )
    return ErasedRows(essays=essays, comparisons=comparisons)


async def delete_account(deps: ServiceDeps, deleted: TeacherAccountDeletedV1, uow: UnitOfWork) -> tuple[int, int]:
    """Delete the account's assignments and their anchors, and forget its access log; how many assignments
    and anchors.

    Shared ones too: class management refuses the deletion while the account shares any (it asks
    ``GET /internal/v1/users/{id}/shared-assignments``), so one shared here was shared after that check.
    Jobs that used them keep their own copy of the texts they judged with.
    """
    assignments, anchors = await uow.assignments.delete_owned_by(deleted.user_id)
    verdicts, moderated_jobs = await uow.moderation.forget_user(deleted.user_id)
    # Its own transaction, before the consumer's commits the claim: a redelivery forgets again (nothing).
    entries = await deps.access_log.forget_owner(deleted.user_id)
    log.info(
        "cj.account_deleted",
        user_id=deleted.user_id,
        assignments=assignments,
        anchors=anchors,
        access_log_entries=entries,
        moderation_verdicts=verdicts,
        moderated_jobs=moderated_jobs,
    )
    return assignments, anchors


async def essays_erased(uow: UnitOfWork, batch_id: uuid.UUID, *, what: str) -> bool:
    """Whether essays of ``batch_id`` were erased with their student: a ``what`` of the batch whose comparison
    is gone was one of theirs, and is dropped (logged at info, never an error)."""
    if not await uow.erased_essays.of_batch(batch_id):
        return False
    log.info("cj.event_for_erased_essay", batch_id=str(batch_id), dropped=what)
    return True


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
