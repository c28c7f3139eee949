"""Erasing one student, in two steps: a preview of what goes, then the teacher's confirmation.

The student goes with their roster places, and so does every essay the teacher confirmed as theirs, in
every batch (file name, author hint, opening, suggestion, confirmation). ``StudentErasedV1`` names those
essays, so that every other service erases their texts and results. The preview's token binds the
student and exactly that set of essays: if another essay was confirmed as theirs meanwhile, the teacher
must look again before anything is erased.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import structlog

from class_management_service.domain.erasure_token import MalformedTokenError, make_token, token_expiry, token_fits
from class_management_service.domain.model import Essay
from class_management_service.service_layer.ownership import owned_student
from class_management_service.service_layer.ports import UnitOfWork
from class_management_service.service_layer.students import confirmed_essays
from common_core.events.classes import ErasedEssay, StudentErasedV1
from common_core.http.class_management import StudentErasurePreview, StudentErasureRequest
from huleedu_service_libs.errors import ConflictError, ValidationFailedError

logger = structlog.stdlib.get_logger(__name__)

TOKEN_VALID_FOR = timedelta(minutes=15)


async def preview_erasure(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> StudentErasurePreview:
    """The student and every essay confirmed as theirs, with a token that confirms erasing exactly these."""
    student = await owned_student(uow, owner_id, student_id)
    essays = await confirmed_essays(uow, student_id)
    expires_at = (datetime.now(UTC) + TOKEN_VALID_FOR).replace(microsecond=0)
    return StudentErasurePreview(
        student_id=student_id,
        first_name=student.first_name,
        last_name=student.last_name,
        essays=essays,
        confirmation_token=make_token(student_id, (e.essay_id for e in essays), expires_at),
        expires_at=expires_at,
    )


async def erase_student(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID, body: StudentErasureRequest) -> None:
    """Erase the student and their confirmed essays in this unit of work, and announce it; or change nothing.

    A token that is malformed (400), expired or made for another set of essays (409) erases nothing.
    A second erasure is a 404: the student is gone.
    """
    await owned_student(uow, owner_id, student_id)
    # Before the essays are read: a confirmation naming the student either committed already (and its
    # essay is seen here, so an older token no longer fits) or waits, and fails once the student is gone.
    await uow.classes.lock_student(student_id)
    essays = await uow.associations.essays_confirmed_as(student_id)
    _check_token(body.confirmation_token, student_id, essays)

    essay_ids = [e.essay_id for e in essays]
    await uow.associations.delete_essays(essay_ids)
    await uow.classes.delete_student(student_id)
    # The student's created/updated events carry the name; each batch's confirmation events name the essays.
    await uow.events.forget(key=str(student_id))
    for batch_id in sorted({e.batch_id for e in essays}, key=str):
        await uow.events.forget_naming(key=str(batch_id), ids=[e.essay_id for e in essays if e.batch_id == batch_id])
    erased = StudentErasedV1(
        student_id=student_id,
        user_id=owner_id,
        essays=[ErasedEssay(batch_id=e.batch_id, essay_id=e.essay_id) for e in essays],
        erased_at=datetime.now(UTC),
    )
    await uow.events.emit(erased, key=str(student_id))
    logger.info("student_erased", student_id=str(student_id), essays=len(essay_ids))


def _check_token(token: str, student_id: uuid.UUID, essays: list[Essay]) -> None:
    look_again = f"look at the erasure again (GET /v1/students/{student_id}/erasure) and confirm with its new token"
    try:
        expires_at = token_expiry(token)
    except MalformedTokenError:
        raise ValidationFailedError(
            f"confirmation_token: not a token of this erasure; {look_again}",
            details={"fields": [{"field": "confirmation_token", "message": "not a confirmation token"}]},
        ) from None
    if expires_at <= datetime.now(UTC):
        raise ConflictError(
            f"The confirmation expired; nothing was erased. Please {look_again}",
            details={"reason": "confirmation_expired"},
        )
    if not token_fits(token, student_id, (e.essay_id for e in essays)):
        raise ConflictError(
            "The student's essays changed since the erasure was shown (or the token is another student's); "
            f"nothing was erased. Please {look_again}",
            details={"reason": "confirmation_stale"},
        )
