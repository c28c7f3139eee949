"""Batch commands and queries for the owning teacher; another teacher's batch is a 404 everywhere."""

from __future__ import annotations

import uuid

from common_core.envelope import deterministic_event_id, utc_now
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, BatchUpdatedV1
from common_core.http.access import AccessSubject
from common_core.http.content import BatchPage, BatchView, CreateBatchRequest, EssayList
from content_service.domain.model import Batch
from content_service.service_layer.context import ContentContext
from content_service.service_layer.ports import ContentRepository
from content_service.service_layer.views import batch_view, essay_view
from huleedu_service_libs.access_log import Accessor
from huleedu_service_libs.errors import NotFoundError


async def require_batch(
    repo: ContentRepository, owner_id: str, batch_id: uuid.UUID, *, for_update: bool = False
) -> Batch:
    batch = await repo.owned_batch(owner_id, batch_id, for_update=for_update)
    if batch is None:
        raise NotFoundError("Batch not found", details={"batch_id": str(batch_id)})
    return batch


async def require_usable_assignment(ctx: ContentContext, owner_id: str, assignment_id: uuid.UUID) -> None:
    """CJ decides: the teacher's own or a shared assignment; a private one of another teacher is a 404."""
    if not await ctx.assignments.may_use_assignment(owner_id, assignment_id):
        raise NotFoundError("Assignment not found", details={"assignment_id": str(assignment_id)})


async def _require_own_class(ctx: ContentContext, owner_id: str, class_id: uuid.UUID) -> None:
    if not await ctx.classes.owns_class(owner_id, class_id):
        raise NotFoundError("Class not found", details={"class_id": str(class_id)})


async def create_batch(ctx: ContentContext, owner_id: str, request: CreateBatchRequest) -> BatchView:
    """A draft batch; a class or assignment it names is checked with its owner first (no transaction
    is held open while CMS and CJ answer), so another teacher's id is a 404 and nothing is stored."""
    if request.class_id is not None:
        await _require_own_class(ctx, owner_id, request.class_id)
    if request.assignment_id is not None:
        await require_usable_assignment(ctx, owner_id, request.assignment_id)
    batch_id = uuid.uuid4()
    async with ctx.unit_of_work() as uow:
        batch = await uow.repo.insert_batch(
            batch_id=batch_id,
            owner_id=owner_id,
            title=request.title,
            course_code=request.course_code,
            class_id=request.class_id,
            assignment_id=request.assignment_id,
        )
        event = BatchRegisteredV1(
            batch_id=batch_id,
            user_id=owner_id,
            title=request.title,
            course_code=request.course_code,
            class_id=request.class_id,
            assignment_id=request.assignment_id,
            created_at=batch.created_at,
        )
        await uow.events.emit(event, batch_id=batch_id, event_id=deterministic_event_id("batch.registered", batch_id))
    return batch_view(batch, 0)


async def list_batches(ctx: ContentContext, owner_id: str, limit: int, offset: int) -> BatchPage:
    async with ctx.unit_of_work() as uow:
        page, total = await uow.repo.list_batches(owner_id, limit, offset)
        counts = await uow.repo.essay_counts([batch.batch_id for batch in page])
    items = [batch_view(batch, counts.get(batch.batch_id, 0)) for batch in page]
    return BatchPage(items=items, total=total, limit=limit, offset=offset)


async def get_batch(ctx: ContentContext, owner_id: str, batch_id: uuid.UUID) -> BatchView:
    async with ctx.unit_of_work() as uow:
        batch = await require_batch(uow.repo, owner_id, batch_id)
        counts = await uow.repo.essay_counts([batch_id])
    return batch_view(batch, counts.get(batch_id, 0))


async def rename_batch(ctx: ContentContext, owner_id: str, batch_id: uuid.UUID, title: str) -> BatchView:
    """Rename, and tell the read models in the same transaction (they order renames by ``updated_at``)."""
    async with ctx.unit_of_work() as uow:
        await require_batch(uow.repo, owner_id, batch_id, for_update=True)
        batch = await uow.repo.set_title(batch_id, title)
        event = BatchUpdatedV1(
            batch_id=batch_id,
            user_id=owner_id,
            title=batch.title,
            course_code=batch.course_code,
            updated_at=batch.updated_at,
        )
        event_id = deterministic_event_id("batch.updated", batch_id, batch.updated_at.isoformat())
        await uow.events.emit(event, batch_id=batch_id, event_id=event_id)
        counts = await uow.repo.essay_counts([batch_id])
    return batch_view(batch, counts.get(batch_id, 0))


async def delete_batch(ctx: ContentContext, owner_id: str, batch_id: uuid.UUID) -> None:
    """Erase the batch here and tell every other service to erase it too (docs/data-protection.md).

    Allowed in any state: a running assessment is cancelled by CJ when it reads ``batch.deleted``, and a
    text CJ asks for in the meantime is simply missing. The teacher's answer does not wait for the others.
    """
    async with ctx.unit_of_work() as uow:
        await require_batch(uow.repo, owner_id, batch_id, for_update=True)
        await uow.repo.delete_batch_and_texts(batch_id)
        # The batch's earlier events (file names, author hints) leave the outbox with it.
        await uow.events.forget(batch_id)
        # The batch is gone after this commit, so a second delete is a 404 and this event is emitted once.
        event = BatchDeletedV1(batch_id=batch_id, user_id=owner_id, deleted_at=utc_now())
        await uow.events.emit(event, batch_id=batch_id, event_id=deterministic_event_id("batch.deleted", batch_id))


async def list_essays(ctx: ContentContext, accessor: Accessor, owner_id: str, batch_id: uuid.UUID) -> EssayList:
    """The batch's essays (file names, author hints: the students'), recorded in the access log first."""
    async with ctx.unit_of_work() as uow:
        await require_batch(uow.repo, owner_id, batch_id)
        essays = await uow.repo.essays_of(batch_id)
    if essays:
        await ctx.access_log.record(owner_id, accessor, [(AccessSubject.BATCH, str(batch_id))])
    return EssayList(batch_id=batch_id, items=[essay_view(essay) for essay in essays])
