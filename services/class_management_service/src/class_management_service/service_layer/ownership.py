"""The one place where "not the caller's" becomes a 404, for classes, students and batches.

A 404 rather than a 403, so a teacher cannot even learn that another teacher's id exists. The
repositories answer owner-scoped reads with ``None`` for another teacher's row as for a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from class_management_service.domain.model import Batch, SchoolClass, Student
from class_management_service.service_layer.ports import UnitOfWork
from huleedu_service_libs.errors import NotFoundError


async def owned_class(uow: UnitOfWork, owner_id: str, class_id: uuid.UUID) -> SchoolClass:
    found = await uow.classes.owned_class(owner_id, class_id)
    if found is None:
        raise NotFoundError(f"No class {class_id}")
    return found


async def owned_student(uow: UnitOfWork, owner_id: str, student_id: uuid.UUID) -> Student:
    found = await uow.classes.owned_student(owner_id, student_id)
    if found is None:
        raise NotFoundError(f"No student {student_id}")
    return found


async def require_owned_classes(uow: UnitOfWork, owner_id: str, class_ids: Sequence[uuid.UUID]) -> None:
    wanted = set(class_ids)
    if not wanted:
        return
    missing = sorted(str(class_id) for class_id in wanted - await uow.classes.owned_class_ids(owner_id, list(wanted)))
    if missing:
        raise NotFoundError(f"No class {missing[0]}", details={"class_ids": missing})


async def owned_batch(uow: UnitOfWork, owner_id: str, batch_id: uuid.UUID) -> Batch:
    """A batch CMS does not know yet (its batch.registered may not have arrived) is a 404 as well."""
    found = await uow.associations.batch(batch_id)
    if found is None or found.owner_id != owner_id:
        raise NotFoundError(f"No batch {batch_id}")
    return found
