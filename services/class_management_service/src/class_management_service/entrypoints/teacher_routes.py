"""Teacher routes (``/v1/...``), reached only through the gateway or the BFF.

Each route needs the internal key from one of those callers *and* the gateway-validated
``X-User-ID``; a client can never reach them directly, so a client-sent ``X-User-ID`` is never
trusted. Each route runs its use case in one unit of work, and the use cases check ownership. The reads
that carry a student's data are logged in the access log before they are answered: a student, a class's
roster (each student listed), a batch's associations (who wrote which essay).
"""

from __future__ import annotations

import uuid

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from class_management_service.entrypoints.http_support import (
    access_log,
    as_json,
    for_the_caller,
    record_read,
    service_context,
)
from class_management_service.service_layer import (
    account_deletion,
    accounts,
    associations,
    classes,
    student_erasure,
    students,
)
from common_core.http.access import AccessSubject
from common_core.http.class_management import (
    AccountDeletionRequest,
    ChangePasswordRequest,
    ClassCreate,
    ClassUpdate,
    ConfirmAssociations,
    StudentCreate,
    StudentErasureRequest,
    StudentUpdate,
)
from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import current_identity, internal_route, json_body

teacher_routes = Blueprint("teacher_routes", __name__)
teacher_only = internal_route(*TEACHER_CALLERS)


def _owner() -> str:
    return current_identity().user_id


@teacher_routes.post("/v1/auth/password")
@teacher_only
@json_body(ChangePasswordRequest)
async def change_password(body: ChangePasswordRequest) -> ResponseReturnValue:
    ctx = service_context()
    await accounts.change_password(ctx.unit_of_work, ctx.passwords, ctx.login_guard, _owner(), body)
    return "", 204


@teacher_routes.delete("/v1/account")
@teacher_only
@json_body(AccountDeletionRequest)
async def delete_account(body: AccountDeletionRequest) -> ResponseReturnValue:
    ctx = service_context()
    await account_deletion.delete_account(
        ctx.unit_of_work, ctx.passwords, ctx.login_guard, ctx.shared_assignments, access_log(), _owner(), body
    )
    return "", 204


@teacher_routes.post("/v1/classes")
@teacher_only
@json_body(ClassCreate)
async def create_class(body: ClassCreate) -> ResponseReturnValue:
    return as_json(await for_the_caller(classes.create_class, body)), 201


@teacher_routes.get("/v1/classes")
@teacher_only
async def list_classes() -> ResponseReturnValue:
    return {"classes": [as_json(item) for item in await for_the_caller(classes.list_classes)]}


@teacher_routes.get("/v1/classes/<uuid:class_id>")
@teacher_only
async def get_class(class_id: uuid.UUID) -> ResponseReturnValue:
    detail = await for_the_caller(classes.get_class, class_id)
    await record_read((AccessSubject.STUDENT, str(student.student_id)) for student in detail.students)
    return as_json(detail)


@teacher_routes.patch("/v1/classes/<uuid:class_id>")
@teacher_only
@json_body(ClassUpdate)
async def update_class(class_id: uuid.UUID, body: ClassUpdate) -> ResponseReturnValue:
    return as_json(await for_the_caller(classes.update_class, class_id, body))


@teacher_routes.delete("/v1/classes/<uuid:class_id>")
@teacher_only
async def delete_class(class_id: uuid.UUID) -> ResponseReturnValue:
    await for_the_caller(classes.delete_class, class_id)
    return "", 204


@teacher_routes.put("/v1/classes/<uuid:class_id>/students/<uuid:student_id>")
@teacher_only
async def add_to_roster(class_id: uuid.UUID, student_id: uuid.UUID) -> ResponseReturnValue:
    await for_the_caller(classes.add_to_roster, class_id, student_id)
    return "", 204


@teacher_routes.delete("/v1/classes/<uuid:class_id>/students/<uuid:student_id>")
@teacher_only
async def remove_from_roster(class_id: uuid.UUID, student_id: uuid.UUID) -> ResponseReturnValue:
    await for_the_caller(classes.remove_from_roster, class_id, student_id)
    return "", 204


@teacher_routes.post("/v1/students")
@teacher_only
@json_body(StudentCreate)
async def create_student(body: StudentCreate) -> ResponseReturnValue:
    return as_json(await for_the_caller(students.create_student, body)), 201


@teacher_routes.get("/v1/students")
@teacher_only
async def list_students() -> ResponseReturnValue:
    owner = _owner()  # 401 before the query is read
    class_id = _optional_uuid_arg("class_id")
    async with service_context().unit_of_work() as uow:
        found = await students.list_students(uow, owner, class_id=class_id)
    return {"students": [as_json(item) for item in found]}


@teacher_routes.get("/v1/students/<uuid:student_id>")
@teacher_only
async def get_student(student_id: uuid.UUID) -> ResponseReturnValue:
    student = await for_the_caller(students.get_student, student_id)
    await record_read([(AccessSubject.STUDENT, str(student_id))])
    return as_json(student)


@teacher_routes.patch("/v1/students/<uuid:student_id>")
@teacher_only
@json_body(StudentUpdate)
async def update_student(student_id: uuid.UUID, body: StudentUpdate) -> ResponseReturnValue:
    return as_json(await for_the_caller(students.update_student, student_id, body))


@teacher_routes.delete("/v1/students/<uuid:student_id>")
@teacher_only
async def delete_student(student_id: uuid.UUID) -> ResponseReturnValue:
    await for_the_caller(students.delete_student, student_id)
    return "", 204


@teacher_routes.get("/v1/students/<uuid:student_id>/erasure")
@teacher_only
async def preview_student_erasure(student_id: uuid.UUID) -> ResponseReturnValue:
    return as_json(await for_the_caller(student_erasure.preview_erasure, student_id))


@teacher_routes.post("/v1/students/<uuid:student_id>/erasure")
@teacher_only
@json_body(StudentErasureRequest)
async def erase_student(student_id: uuid.UUID, body: StudentErasureRequest) -> ResponseReturnValue:
    await for_the_caller(student_erasure.erase_student, student_id, body)
    return "", 204


@teacher_routes.get("/v1/batches/<uuid:batch_id>/associations")
@teacher_only
async def list_associations(batch_id: uuid.UUID) -> ResponseReturnValue:
    found = await for_the_caller(associations.list_associations, batch_id)
    await record_read([(AccessSubject.BATCH, str(batch_id))])
    return as_json(found)


@teacher_routes.post("/v1/batches/<uuid:batch_id>/associations/confirm")
@teacher_only
@json_body(ConfirmAssociations)
async def confirm_associations(batch_id: uuid.UUID, body: ConfirmAssociations) -> ResponseReturnValue:
    return as_json(await for_the_caller(associations.confirm_associations, batch_id, body))


@teacher_routes.post("/v1/batches/<uuid:batch_id>/associations/rematch")
@teacher_only
async def rematch_associations(batch_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    ctx = service_context()
    async with ctx.unit_of_work() as uow:
        return as_json(await associations.rematch(uow, ctx.matcher, owner, batch_id))


def _optional_uuid_arg(name: str) -> uuid.UUID | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValidationFailedError(
            f"{name}: {raw!r} is not a UUID", details={"fields": [{"field": name, "message": "not a UUID"}]}
        ) from None
