"""Teacher routes (``/v1/...``), reached only through the gateway or the BFF.

Each route needs the internal key from one of those callers *and* the gateway-validated
``X-User-ID``; a client can never reach them directly, so a client-sent ``X-User-ID`` is never
trusted. Ownership is checked in the service layer on every route.
"""

from __future__ import annotations

import uuid

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from class_management_service.entrypoints.http_support import (
    TEACHER_ROUTE_CALLERS,
    as_json,
    service_context,
    transaction,
)
from class_management_service.service_layer import accounts, associations, classes, students
from class_management_service.service_layer.ownership import owned_class_row
from common_core.http.class_management import (
    ChangePasswordRequest,
    ClassCreate,
    ClassUpdate,
    ConfirmAssociations,
    StudentCreate,
    StudentUpdate,
)
from huleedu_service_libs.errors import ValidationFailedError
from huleedu_service_libs.http.quart_support import current_identity, internal_route, json_body

teacher_routes = Blueprint("teacher_routes", __name__)
teacher_only = internal_route(*TEACHER_ROUTE_CALLERS)


def _owner() -> str:
    return current_identity().user_id


@teacher_routes.post("/v1/auth/password")
@teacher_only
@json_body(ChangePasswordRequest)
async def change_password(body: ChangePasswordRequest) -> ResponseReturnValue:
    await accounts.change_password(service_context(), _owner(), body)
    return "", 204


@teacher_routes.post("/v1/classes")
@teacher_only
@json_body(ClassCreate)
async def create_class(body: ClassCreate) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        created = await classes.create_class(session, service_context().registry, owner, body)
    return as_json(created), 201


@teacher_routes.get("/v1/classes")
@teacher_only
async def list_classes() -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        found = await classes.list_classes(session, owner)
    return {"classes": [as_json(item) for item in found]}


@teacher_routes.get("/v1/classes/<uuid:class_id>")
@teacher_only
async def get_class(class_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await classes.get_class(session, owner, class_id))


@teacher_routes.patch("/v1/classes/<uuid:class_id>")
@teacher_only
@json_body(ClassUpdate)
async def update_class(class_id: uuid.UUID, body: ClassUpdate) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await classes.update_class(session, service_context().registry, owner, class_id, body))


@teacher_routes.delete("/v1/classes/<uuid:class_id>")
@teacher_only
async def delete_class(class_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        await classes.delete_class(session, owner, class_id)
    return "", 204


@teacher_routes.put("/v1/classes/<uuid:class_id>/students/<uuid:student_id>")
@teacher_only
async def add_to_roster(class_id: uuid.UUID, student_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        await classes.add_to_roster(session, service_context().registry, owner, class_id, student_id)
    return "", 204


@teacher_routes.delete("/v1/classes/<uuid:class_id>/students/<uuid:student_id>")
@teacher_only
async def remove_from_roster(class_id: uuid.UUID, student_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        await classes.remove_from_roster(session, service_context().registry, owner, class_id, student_id)
    return "", 204


@teacher_routes.post("/v1/students")
@teacher_only
@json_body(StudentCreate)
async def create_student(body: StudentCreate) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        created = await students.create_student(session, service_context().registry, owner, body)
    return as_json(created), 201


@teacher_routes.get("/v1/students")
@teacher_only
async def list_students() -> ResponseReturnValue:
    owner = _owner()
    class_id = _optional_uuid_arg("class_id")
    async with transaction() as session:
        if class_id is not None:
            await owned_class_row(session, owner, class_id)  # 404 for a class that is not the caller's
        found = await students.list_students(session, owner, class_id=class_id)
    return {"students": [as_json(item) for item in found]}


@teacher_routes.get("/v1/students/<uuid:student_id>")
@teacher_only
async def get_student(student_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await students.get_student(session, owner, student_id))


@teacher_routes.patch("/v1/students/<uuid:student_id>")
@teacher_only
@json_body(StudentUpdate)
async def update_student(student_id: uuid.UUID, body: StudentUpdate) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await students.update_student(session, service_context().registry, owner, student_id, body))


@teacher_routes.delete("/v1/students/<uuid:student_id>")
@teacher_only
async def delete_student(student_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        await students.delete_student(session, owner, student_id)
    return "", 204


@teacher_routes.get("/v1/batches/<uuid:batch_id>/associations")
@teacher_only
async def list_associations(batch_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await associations.list_associations(session, owner, batch_id))


@teacher_routes.post("/v1/batches/<uuid:batch_id>/associations/confirm")
@teacher_only
@json_body(ConfirmAssociations)
async def confirm_associations(batch_id: uuid.UUID, body: ConfirmAssociations) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        result = await associations.confirm_associations(session, service_context(), owner, batch_id, body)
    return as_json(result)


@teacher_routes.post("/v1/batches/<uuid:batch_id>/associations/rematch")
@teacher_only
async def rematch_associations(batch_id: uuid.UUID) -> ResponseReturnValue:
    owner = _owner()
    async with transaction() as session:
        return as_json(await associations.rematch(session, service_context(), owner, batch_id))


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
