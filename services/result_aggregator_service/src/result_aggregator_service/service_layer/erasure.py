"""Class management's erasures folded into the read model (docs/data-protection.md).

- ``class.student_erased``: the student's essays and their results in every job go; their ids stay as
  tombstones, so a late upload or result of one stores nothing. The batches and jobs keep their aggregates
  (essay counts, grade distribution, reliability), which were computed with the erased essays.
- ``class.teacher_account_deleted``: every batch of the account is erased as ``batch.deleted`` erases it
  (tombstones), so the dashboard shows nothing of the account even before content's ``batch.deleted``
  events for the same batches arrive (they then find the tombstones and change nothing); the access log
  of the account's batches goes too.

Both run in the consumer's transaction, which claims the event id; both are idempotent on their own too.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from common_core.events.classes import StudentErasedV1, TeacherAccountDeletedV1
from result_aggregator_service.service_layer.messages import ConsumedEvent
from result_aggregator_service.service_layer.open_batch import count_folded, open_batch
from result_aggregator_service.service_layer.ports import UnitOfWork

STUDENT_ERASED = "class.student_erased"
ACCOUNT_DELETED = "class.teacher_account_deleted"


async def on_student_erased(event: ConsumedEvent[StudentErasedV1], uow: UnitOfWork) -> None:
    by_batch: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for essay in event.data.essays:
        by_batch[essay.batch_id].append(essay.essay_id)
    # Sorted: two folds that lock several batches lock them in the same order.
    for batch_id in sorted(by_batch):
        batch = await open_batch(uow, STUDENT_ERASED, batch_id, event.at)
        if batch is None:  # deleted: nothing of its essays is left
            continue
        await uow.read_model.erase_essays(batch_id, by_batch[batch_id])
        count_folded(STUDENT_ERASED, batch.registered)


async def on_teacher_account_deleted(event: ConsumedEvent[TeacherAccountDeletedV1], uow: UnitOfWork) -> None:
    for batch_id in await uow.read_model.batches_of_user(event.data.user_id):
        batch = await open_batch(uow, ACCOUNT_DELETED, batch_id, event.at)
        if batch is None:
            continue
        await uow.read_model.delete_batch(batch_id, event.data.deleted_at, event.at)
        count_folded(ACCOUNT_DELETED, batch.registered)
    await uow.access_log.forget_owner(event.data.user_id)
