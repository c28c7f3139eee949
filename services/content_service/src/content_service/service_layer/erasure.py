"""Erasures class management asks for (docs/data-protection.md): one student's essays, a teacher's account.

- ``class.student_erased``: the essays the teacher confirmed as the student's go, with the texts nothing
  else uses (a text shared with another essay or stored as an anchor stays until its last reference goes),
  and the batches' already-published outbox rows, which name those essays. The batches stay.
- ``class.teacher_account_deleted``: every batch the teacher owns is deleted exactly as the teacher's own
  delete would (``batches.delete_batch``), each with its ``batch.deleted``, so every other service erases
  it too; in any state (CJ cancels a running assessment when it reads ``batch.deleted``). Then the texts
  the teacher stored (instructions, prompts, rubrics, anchors: CJ deletes the assignments themselves) go,
  unless another teacher stored the same text too or an essay holds it, and so does the teacher's access log.

Both are idempotent: an essay or batch already gone is simply not found again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import structlog

from common_core.envelope import deterministic_event_id, utc_now
from common_core.events.batch import BatchDeletedV1
from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from content_service.service_layer.ports import AccessRecorder, UnitOfWork, UnitOfWorkFactory

_log = structlog.get_logger(__name__)

# An account's batches are deleted this many to a transaction: no transaction grows with the account.
BATCHES_PER_TRANSACTION = 50


async def erase_student(event: StudentErasedV1, uow: UnitOfWork) -> dict[str, int]:
    """Delete the listed essays and their unused texts, in the consumer's transaction; (essays, texts) counts."""
    by_batch: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for essay in event.essays:
        by_batch[essay.batch_id].append(essay.essay_id)
    essays = texts = 0
    # Sorted, so two erasures touching the same batches lock them in the same order.
    for batch_id in sorted(by_batch):
        # Held like every other command on the batch: an assessment starting now reads the essays after this.
        await uow.repo.batch_for_update(batch_id)
        deleted_essays, deleted_texts = await uow.repo.delete_essays_and_texts(batch_id, by_batch[batch_id])
        # The batch's earlier events (essay.uploaded: file name, author hint) leave the outbox.
        await uow.events.forget(batch_id)
        essays, texts = essays + deleted_essays, texts + deleted_texts
    _log.info("student_erased", student_id=str(event.student_id), essays=essays, texts=texts)
    return {"essays": essays, "texts": texts}


async def delete_account(event: TeacherAccountDeletedV1, uows: UnitOfWorkFactory, access_log: AccessRecorder) -> int:
    """Delete every batch ``event.user_id`` owns, ``BATCHES_PER_TRANSACTION`` to a transaction, then the
    texts only they stored and their access log; how many batches.

    Each transaction commits its deletions with their ``batch.deleted`` events, so a crash in between
    leaves whole batches deleted and announced; the redelivered event deletes the rest.
    """
    deleted = 0
    while True:
        async with uows() as uow:
            owned = await uow.repo.owned_batches_for_update(event.user_id, BATCHES_PER_TRANSACTION)
            for batch in owned:
                await uow.repo.delete_batch_and_texts(batch.batch_id)
                await uow.events.forget(batch.batch_id)
                # The same event id as the teacher's own delete: a service that sees both erases once.
                payload = BatchDeletedV1(batch_id=batch.batch_id, user_id=batch.owner_id, deleted_at=utc_now())
                event_id = deterministic_event_id("batch.deleted", batch.batch_id)
                await uow.events.emit(payload, batch_id=batch.batch_id, event_id=event_id)
        deleted += len(owned)
        if len(owned) < BATCHES_PER_TRANSACTION:
            break
    # After the batches: an anchor that is also one of their essays' texts goes once the essay has gone.
    async with uows() as uow:
        texts = await uow.repo.release_owned_texts(event.user_id)
    entries = await access_log.forget_owner(event.user_id)
    _log.info("teacher_account_deleted", batches=deleted, texts=texts, access_log_entries=entries)
    return deleted
