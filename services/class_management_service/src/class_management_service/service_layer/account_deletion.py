"""Deleting a teacher's account: everything it owns in CMS, or nothing while it shares assignments in CJ.

The password is asked again (and a wrong one counts toward the sign-in lock, as for a password change).
CJ is asked which assignments the teacher shares with colleagues: those must be handed over or no longer
shared first, so an account with any of them is refused with their titles. Otherwise one transaction
deletes the teacher's classes, students, batches (each keeps its tombstone, like a deleted batch) with
their essays, the events written about them, and the account, and writes ``TeacherAccountDeletedV1``:
the gateway revokes the sessions, and every other service erases what the account owned there. The access
log of the teacher's data goes too (its own transaction, before the account's commits: if it fails, nothing
is deleted and the teacher can try again; if the account's commit then fails, only the log went).
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from class_management_service.domain.model import Teacher
from class_management_service.service_layer.accounts import locked_error, own_account
from class_management_service.service_layer.ports import (
    AccessLogOwners,
    PasswordHasher,
    SharedAssignmentSource,
    SignInLock,
    UnitOfWork,
    UnitOfWorkFactory,
)
from common_core.events.classes import TeacherAccountDeletedV1
from common_core.http.class_management import AccountDeletionRequest, SharedAssignmentRef
from huleedu_service_libs.errors import ConflictError, ForbiddenError, NotFoundError

logger = structlog.stdlib.get_logger(__name__)


async def delete_account(
    units: UnitOfWorkFactory,
    passwords: PasswordHasher,
    guard: SignInLock,
    cj: SharedAssignmentSource,
    access_log: AccessLogOwners,
    caller_id: str,
    request: AccountDeletionRequest,
) -> None:
    """Delete the caller's account and everything it owns, or change nothing (403, 409, 429, 503)."""
    async with units() as uow:
        teacher = await own_account(uow, caller_id)
    await _check_password(passwords, guard, teacher, request.password)
    shared = await cj.shared_assignments(str(teacher.teacher_id))
    if shared:
        raise _still_shared(shared)
    async with units() as uow:
        await erase_account(uow, teacher)
        forgotten = await access_log.forget_owner(str(teacher.teacher_id))
    logger.info("access_log_forgotten", user_id=str(teacher.teacher_id), entries=forgotten)
    await guard.clear(teacher.email)


async def erase_account(uow: UnitOfWork, teacher: Teacher) -> None:
    """Everything the teacher owns in CMS, in this unit of work, and the event that tells the others."""
    owner_id = str(teacher.teacher_id)
    batch_ids = await uow.associations.batch_ids_of(owner_id)
    essays = 0
    for batch_id in batch_ids:
        # The batch's lock, as for batch.deleted: its late events find the tombstone and store nothing.
        await uow.associations.lock_batch(batch_id)
        essays += await uow.associations.erase_batch(batch_id)
    owned = await uow.classes.delete_everything_of(owner_id)
    if not await uow.accounts.delete_teacher(teacher.teacher_id):
        raise NotFoundError("No teacher account for this user")  # deleted by a request at the same moment
    # Class events carry class names, student events names, batch events who wrote which essay.
    keys = [str(key) for key in (*owned.class_ids, *owned.student_ids, *batch_ids)]
    await uow.events.forget_all(keys)
    await uow.events.emit(TeacherAccountDeletedV1(user_id=owner_id, deleted_at=datetime.now(UTC)), key=owner_id)
    logger.info(
        "teacher_account_deleted",
        user_id=owner_id,
        classes=len(owned.class_ids),
        students=len(owned.student_ids),
        batches=len(batch_ids),
        essays=essays,
    )


async def _check_password(passwords: PasswordHasher, guard: SignInLock, teacher: Teacher, password: str) -> None:
    """As for a password change: locked is a 429, wrong is a 403 that counts toward the lock."""
    lock = await guard.state(teacher.email)
    if lock.locked:
        raise locked_error(lock.retry_after_s, "password attempts")
    if await passwords.verify(teacher.password_hash, password):
        return
    after = await guard.record_failure(teacher.email)
    if after.locked:
        raise locked_error(after.retry_after_s, "password attempts")
    raise ForbiddenError(
        "The password is not correct; the account was not deleted",
        details={"reason": "wrong_password", "fields": [{"field": "password", "message": "not correct"}]},
    )


def _still_shared(shared: list[SharedAssignmentRef]) -> ConflictError:
    titles = "; ".join(f'"{ref.title}"' for ref in shared)
    return ConflictError(
        f"The account shares {len(shared)} assignment(s) with colleagues: {titles}. Hand over or stop sharing "
        "these first; the account was not deleted",
        details={
            "reason": "shared_assignments",
            "shared_assignments": [ref.model_dump(mode="json") for ref in shared],
        },
    )
