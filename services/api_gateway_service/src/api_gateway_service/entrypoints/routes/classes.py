"""Classes, students, rosters and essay-to-student associations: class management's teacher routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from common_core.http.class_management import (
    BatchAssociations,
    ClassCreate,
    ClassDetail,
    ClassList,
    ClassOut,
    ClassUpdate,
    ConfirmAssociations,
    StudentCreate,
    StudentErasurePreview,
    StudentErasureRequest,
    StudentList,
    StudentOut,
    StudentUpdate,
)

answers = answers_of("class_management_service")
router = APIRouter(tags=["classes and students"])


@router.post("/v1/classes", status_code=201, response_model=ClassOut, responses=answers(ClassOut, status=201))
async def create_class(body: ClassCreate, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "POST", "/v1/classes", body=body)


@router.get("/v1/classes", response_model=ClassList, responses=answers(ClassList))
async def list_classes(proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "GET", "/v1/classes")


@router.get("/v1/classes/{class_id}", response_model=ClassDetail, responses=answers(ClassDetail, 404))
async def get_class(class_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """The class with its roster."""
    return await proxy.forward(services.class_management, "GET", f"/v1/classes/{class_id}")


@router.patch("/v1/classes/{class_id}", response_model=ClassOut, responses=answers(ClassOut, 404))
async def update_class(class_id: uuid.UUID, body: ClassUpdate, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "PATCH", f"/v1/classes/{class_id}", body=body)


@router.delete(
    "/v1/classes/{class_id}", status_code=204, response_class=Response, responses=answers(None, 404, status=204)
)
async def delete_class(class_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "DELETE", f"/v1/classes/{class_id}")


@router.put(
    "/v1/classes/{class_id}/students/{student_id}",
    status_code=204,
    response_class=Response,
    responses=answers(None, 404, status=204),
)
async def add_to_roster(class_id: uuid.UUID, student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Puts the student on the class's roster (again: no change)."""
    path = f"/v1/classes/{class_id}/students/{student_id}"
    return await proxy.forward(services.class_management, "PUT", path)


@router.delete(
    "/v1/classes/{class_id}/students/{student_id}",
    status_code=204,
    response_class=Response,
    responses=answers(None, 404, status=204),
)
async def remove_from_roster(
    class_id: uuid.UUID, student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep
) -> Response:
    path = f"/v1/classes/{class_id}/students/{student_id}"
    return await proxy.forward(services.class_management, "DELETE", path)


@router.post("/v1/students", status_code=201, response_model=StudentOut, responses=answers(StudentOut, 404, status=201))
async def create_student(body: StudentCreate, proxy: ProxyDep, services: ServicesDep) -> Response:
    """A student, optionally on the rosters of some of the teacher's classes (404 for a class that is not theirs)."""
    return await proxy.forward(services.class_management, "POST", "/v1/students", body=body)


@router.get("/v1/students", response_model=StudentList, responses=answers(StudentList, 404))
async def list_students(
    proxy: ProxyDep, services: ServicesDep, class_id: Annotated[uuid.UUID | None, Query()] = None
) -> Response:
    """The teacher's students, or one class's roster with `class_id`."""
    return await proxy.forward(services.class_management, "GET", "/v1/students", params={"class_id": class_id})


@router.get("/v1/students/{student_id}", response_model=StudentOut, responses=answers(StudentOut, 404))
async def get_student(student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "GET", f"/v1/students/{student_id}")


@router.patch("/v1/students/{student_id}", response_model=StudentOut, responses=answers(StudentOut, 404))
async def update_student(
    student_id: uuid.UUID, body: StudentUpdate, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Only the fields sent change; `email: null` removes the address."""
    return await proxy.forward(services.class_management, "PATCH", f"/v1/students/{student_id}", body=body)


@router.delete(
    "/v1/students/{student_id}", status_code=204, response_class=Response, responses=answers(None, 404, status=204)
)
async def delete_student(student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    return await proxy.forward(services.class_management, "DELETE", f"/v1/students/{student_id}")


@router.get(
    "/v1/students/{student_id}/erasure",
    response_model=StudentErasurePreview,
    responses=answers(StudentErasurePreview, 404),
)
async def preview_student_erasure(student_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """What erasing the student removes (the student, and the texts and results of every essay confirmed as
    theirs, in every batch) and the token that confirms exactly that."""
    return await proxy.forward(services.class_management, "GET", f"/v1/students/{student_id}/erasure")


@router.post(
    "/v1/students/{student_id}/erasure",
    status_code=204,
    response_class=Response,
    responses=answers(None, 404, 409, status=204),
)
async def erase_student(
    student_id: uuid.UUID, body: StudentErasureRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Erase what the preview showed, everywhere (docs/data-protection.md); a stale token is a 409."""
    return await proxy.forward(services.class_management, "POST", f"/v1/students/{student_id}/erasure", body=body)


@router.get(
    "/v1/batches/{batch_id}/associations", response_model=BatchAssociations, responses=answers(BatchAssociations, 404)
)
async def list_associations(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Each essay's author: confirmed, suggested from the class roster, or unmatched."""
    return await proxy.forward(services.class_management, "GET", f"/v1/batches/{batch_id}/associations")


@router.post(
    "/v1/batches/{batch_id}/associations/confirm",
    response_model=BatchAssociations,
    responses=answers(BatchAssociations, 404, 409),
)
async def confirm_associations(
    batch_id: uuid.UUID, body: ConfirmAssociations, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Confirm suggestions (send their student) or correct them (send another one)."""
    path = f"/v1/batches/{batch_id}/associations/confirm"
    return await proxy.forward(services.class_management, "POST", path, body=body)


@router.post(
    "/v1/batches/{batch_id}/associations/rematch",
    response_model=BatchAssociations,
    responses=answers(BatchAssociations, 404, 409),
)
async def rematch_associations(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Suggests authors again from the current roster; confirmed ones stay."""
    path = f"/v1/batches/{batch_id}/associations/rematch"
    return await proxy.forward(services.class_management, "POST", path)
