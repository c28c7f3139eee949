"""Essay-to-student associations: suggested by name matching, confirmed or corrected by the teacher,
and erased with everything else about the batch's essays when the teacher deletes the batch.

One source of truth per essay: the ``confirmed_*`` fields, written only by the teacher. The
matcher writes only the ``suggested_*`` ones, and never for an essay already confirmed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog

from class_management_service.domain.model import Essay
from class_management_service.metrics import ASSOCIATIONS_CONFIRMED
from class_management_service.service_layer.matching import StudentMatcher
from class_management_service.service_layer.ownership import owned_batch, owned_student
from class_management_service.service_layer.ports import UnitOfWork
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import EssayStudentAssociation, EssayStudentAssociationsConfirmedV1
from common_core.http.class_management import (
    BatchAssociations,
    BatchStudentNamesResponse,
    ConfirmAssociations,
    EssayAssociationOut,
    EssayStudentName,
)
from huleedu_service_libs.errors import ConflictError, NotFoundError

logger = structlog.stdlib.get_logger(__name__)


class BatchEventHandlers:
    """batch.registered, essay.uploaded and batch.deleted, in any order, each in the unit of work it is given.

    The consumer runs them in its per-record transaction, which also claims the event id, so a
    redelivered event is skipped before it gets here; a producer retry (a new event id) changes
    nothing either, because the batch and the essay are only ever inserted once. Each takes the
    batch's lock first, so an erasure and the batch's other events never interleave: whatever
    arrives after batch.deleted (it may overtake the batch's other events) finds the tombstone.
    """

    def __init__(self, matcher: StudentMatcher) -> None:
        self._matcher = matcher

    async def on_batch_registered(self, event: BatchRegisteredV1, uow: UnitOfWork) -> None:
        """Record the batch; essays that arrived before it are matched now that its class is known."""
        await uow.associations.lock_batch(event.batch_id)
        if await _erased(uow, event.batch_id, "batch.registered"):
            return
        if not await uow.associations.record_batch(event.batch_id, event.user_id, event.class_id):
            return
        batch = await uow.associations.batch(event.batch_id)
        if batch is None or batch.class_id is None:
            if event.class_id is not None:
                logger.warning("batch_class_not_owned", batch_id=str(event.batch_id), class_id=str(event.class_id))
            return
        await self._matcher.suggest(uow, batch.class_id, await uow.associations.unconfirmed_essays(batch.batch_id))

    async def on_essay_uploaded(self, event: EssayUploadedV1, uow: UnitOfWork) -> None:
        """Keep the essay (its batch may not be known yet) and suggest its author if the class is known."""
        await uow.associations.lock_batch(event.batch_id)
        if await _erased(uow, event.batch_id, "essay.uploaded"):
            return
        essay = await uow.associations.insert_essay(
            event.essay_id,
            event.batch_id,
            filename=event.filename,
            text_ref=event.text_ref,
            author_hint=event.author_hint,
        )
        if essay is None:
            return
        batch = await uow.associations.batch(event.batch_id)
        if batch is not None and batch.class_id is not None:
            await self._matcher.suggest(uow, batch.class_id, [essay])

    async def on_batch_deleted(self, event: BatchDeletedV1, uow: UnitOfWork) -> None:
        """Erase everything CMS holds about the batch's essays, and keep only its id as a tombstone.

        The essays go with their file names, author hints, openings, suggestions and confirmations,
        the batch with its class link. The batch's associations_confirmed events say which student
        wrote which essay, so its outbox rows go too. The students and the class stay: they are the
        teacher's roster, not the batch's. Repeating it finds nothing more to delete.
        """
        await uow.associations.lock_batch(event.batch_id)
        erased = await uow.associations.erase_batch(event.batch_id)
        await uow.events.forget(key=str(event.batch_id))
        logger.info("batch_erased", batch_id=str(event.batch_id), essays=erased)


async def _erased(uow: UnitOfWork, batch_id: uuid.UUID, event: str) -> bool:
    """Whether the batch was erased, so that this late event of it must store nothing."""
    if not await uow.associations.is_erased(batch_id):
        return False
    logger.info("erased_batch_event_dropped", batch_id=str(batch_id), event_type=event)
    return True


def _association_out(essay: Essay) -> EssayAssociationOut:
    evidence = essay.suggestion_evidence or {}
    if essay.confirmed_student_id is not None:
        status = "confirmed"
    elif essay.suggested_student_id is not None:
        status = "suggested"
    else:
        status = "unmatched"
    return EssayAssociationOut(
        essay_id=essay.essay_id,
        filename=essay.filename,
        author_hint=essay.author_hint,
        status=status,
        student_id=essay.confirmed_student_id or essay.suggested_student_id,
        suggested_student_id=essay.suggested_student_id,
        confidence=essay.suggestion_confidence,
        evidence=evidence.get("source"),
        confirmed_at=essay.confirmed_at,
    )


async def list_associations(uow: UnitOfWork, owner_id: str, batch_id: uuid.UUID) -> BatchAssociations:
    batch = await owned_batch(uow, owner_id, batch_id)
    essays = await uow.associations.essays_of(batch_id)
    return BatchAssociations(batch_id=batch_id, class_id=batch.class_id, essays=[_association_out(e) for e in essays])


async def rematch(uow: UnitOfWork, matcher: StudentMatcher, owner_id: str, batch_id: uuid.UUID) -> BatchAssociations:
    """Suggest again for the unconfirmed essays, e.g. after students were added to the class."""
    class_id = await _class_of_owned_batch(uow, owner_id, batch_id)
    await matcher.suggest(uow, class_id, await uow.associations.unconfirmed_essays(batch_id))
    return await list_associations(uow, owner_id, batch_id)


async def confirm_associations(
    uow: UnitOfWork, owner_id: str, batch_id: uuid.UUID, body: ConfirmAssociations
) -> BatchAssociations:
    """Confirm or correct essays' authors in one transaction, and announce them in one event."""
    # Taken before the batch is read, so an erasure running meanwhile is either seen (a 404) or
    # waits for this to commit and then erases the confirmation and its event with the rest.
    await uow.associations.lock_batch(batch_id)
    class_id = await _class_of_owned_batch(uow, owner_id, batch_id)
    chosen = {item.essay_id: item.student_id for item in body.associations}
    known = await uow.associations.essay_ids_in(batch_id, list(chosen))
    unknown = sorted(str(essay_id) for essay_id in set(chosen) - known)
    if unknown:
        raise NotFoundError(f"No essay {unknown[0]} in batch {batch_id}", details={"essay_ids": unknown})
    # Held until the commit: a student erased meanwhile is either gone before this reads (a 404) or erased
    # after it, confirmation and all (the erasure's token then no longer matches, and it asks again).
    await uow.classes.lock_students(sorted(set(chosen.values())))
    for student_id in set(chosen.values()):
        await owned_student(uow, owner_id, student_id)
    now = datetime.now(UTC)
    await uow.associations.confirm(chosen, confirmed_by=owner_id, confirmed_at=now)
    confirmed = EssayStudentAssociationsConfirmedV1(
        batch_id=batch_id,
        class_id=class_id,
        user_id=owner_id,
        associations=[
            EssayStudentAssociation(essay_id=essay_id, student_id=student_id) for essay_id, student_id in chosen.items()
        ],
        confirmed_at=now,
    )
    await uow.events.emit(confirmed, key=str(batch_id))
    ASSOCIATIONS_CONFIRMED.inc(len(chosen))
    return await list_associations(uow, owner_id, batch_id)


async def _class_of_owned_batch(uow: UnitOfWork, owner_id: str, batch_id: uuid.UUID) -> uuid.UUID:
    batch = await owned_batch(uow, owner_id, batch_id)
    if batch.class_id is None:
        raise ConflictError(
            f"Batch {batch_id} has no class, so its essays cannot be linked to students; give the batch a class first"
        )
    return batch.class_id


async def student_names(uow: UnitOfWork, owner_id: str, batch_id: uuid.UUID) -> BatchStudentNamesResponse:
    """Confirmed authors only. A batch that is not the owner's, or not known yet (its batch.registered
    may not have arrived), is a 404 either way."""
    await owned_batch(uow, owner_id, batch_id)
    authors = await uow.associations.confirmed_authors(batch_id)
    return BatchStudentNamesResponse(
        batch_id=batch_id,
        students=[
            EssayStudentName(
                essay_id=a.essay_id, student_id=a.student_id, first_name=a.first_name, last_name=a.last_name
            )
            for a in authors
        ],
    )
