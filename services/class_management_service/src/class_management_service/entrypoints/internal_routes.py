"""Internal routes (``/internal/v1/...``) for other services; the app-wide guard checks the key too.

Every route but the credential check acts for the teacher in ``X-User-ID`` (401 without it) and
answers 404, or null in the multi-id lookup, for what is not theirs. None answers without a user:
no service needs these lookups on its own behalf.
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
    accounts,
    associations,
    batches,
    classes,
    students,
    unconfirmed_matches,
)
from common_core.http.access import AccessSubject
from common_core.http.class_management import (
    MAX_UNCONFIRMED_BATCHES_PER_PAGE,
    AccountLookupRequest,
    VerifyCredentialsRequest,
)
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import access_log_page, current_identity, internal_route, json_body
from huleedu_service_libs.http.request_input import MAX_OFFSET, query_int

# Content service checks that a new batch's class is the teacher's (issue 14, defect 10).
CLASS_LOOKUP_CALLERS = ("content_service", *TEACHER_CALLERS)
DEFAULT_PAGE_SIZE = 20

internal_routes = Blueprint("internal_routes", __name__)


@internal_routes.post("/internal/v1/auth/verify")
@internal_route("api_gateway_service")
@json_body(VerifyCredentialsRequest)
async def verify_credentials(body: VerifyCredentialsRequest) -> ResponseReturnValue:
    ctx = service_context()
    return as_json(await accounts.verify_credentials(ctx.unit_of_work, ctx.passwords, ctx.login_guard, body))


@internal_routes.get("/internal/v1/users/<uuid:user_id>")
@internal_route(*TEACHER_CALLERS)
async def get_user(user_id: uuid.UUID) -> ResponseReturnValue:
    return as_json(await for_the_caller(accounts.get_profile, user_id))


@internal_routes.post("/internal/v1/users/lookup")
@internal_route("bff_teacher_service")
@json_body(AccountLookupRequest)
async def lookup_user(body: AccountLookupRequest) -> ResponseReturnValue:
    """A colleague's account id by email, for the teacher in ``X-User-ID`` (401 without): moderators (issue 24)."""
    return as_json(await for_the_caller(accounts.lookup_colleague, body.email))


@internal_routes.get("/internal/v1/users/<uuid:user_id>/access-log")
@internal_route("bff_teacher_service")
async def user_access_log(user_id: uuid.UUID) -> ResponseReturnValue:
    """Who read or exported the caller's students and batches here, newest first (issue 23)."""
    return as_json(await access_log_page(access_log(), str(user_id)))


@internal_routes.get("/internal/v1/students/<uuid:student_id>/record")
@internal_route("bff_teacher_service")
async def student_record(student_id: uuid.UUID) -> ResponseReturnValue:
    """CMS's part of the student's data export; the BFF says ``X-Access-Purpose: export``, so it logs one."""
    record = await for_the_caller(students.student_record, student_id)
    await record_read([(AccessSubject.STUDENT, str(student_id))])
    return as_json(record)


@internal_routes.get("/internal/v1/classes/<uuid:class_id>")
@internal_route(*CLASS_LOOKUP_CALLERS)
async def get_class(class_id: uuid.UUID) -> ResponseReturnValue:
    return as_json(await for_the_caller(classes.class_ref, class_id))


@internal_routes.get("/internal/v1/batches/class-info")
@internal_route("bff_teacher_service")
async def batch_class_info() -> ResponseReturnValue:
    owner = current_identity().user_id  # 401 before the query is read
    batch_ids = batches.parse_batch_ids(",".join(request.args.getlist("batch_ids")))
    async with service_context().unit_of_work() as uow:
        return as_json(await batches.class_info(uow, owner, batch_ids))


@internal_routes.get("/internal/v1/batches/unconfirmed-matches")
@internal_route("bff_teacher_service")
async def batches_with_unconfirmed_matches() -> ResponseReturnValue:
    owner = current_identity().user_id  # 401 before the query is read
    limit = query_int(request.args, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_UNCONFIRMED_BATCHES_PER_PAGE)
    offset = query_int(request.args, "offset", 0, minimum=0, maximum=MAX_OFFSET)
    async with service_context().unit_of_work() as uow:
        return as_json(await unconfirmed_matches.unconfirmed_matches(uow, owner, limit, offset))


@internal_routes.get("/internal/v1/batches/<uuid:batch_id>/student-names")
@internal_route("bff_teacher_service", "content_service")  # content: the names CJ redacts
async def batch_student_names(batch_id: uuid.UUID) -> ResponseReturnValue:
    return as_json(await for_the_caller(associations.student_names, batch_id))
