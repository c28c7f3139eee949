"""Internal routes (``/internal/v1/...``) for other services; the app-wide guard checks the key too."""

from __future__ import annotations

import uuid

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from class_management_service.entrypoints.http_support import as_json, json_body, service_context, transaction
from class_management_service.service_layer import accounts, associations, batches
from common_core.http.class_management import VerifyCredentialsRequest
from huleedu_service_libs.http.quart_support import internal_route

internal_routes = Blueprint("internal_routes", __name__)


@internal_routes.post("/internal/v1/auth/verify")
@internal_route("api_gateway_service")
async def verify_credentials() -> ResponseReturnValue:
    body = await json_body(VerifyCredentialsRequest)
    return as_json(await accounts.verify_credentials(service_context(), body))


@internal_routes.get("/internal/v1/users/<uuid:user_id>")
@internal_route("api_gateway_service", "bff_teacher_service")
async def get_user(user_id: uuid.UUID) -> ResponseReturnValue:
    return as_json(await accounts.get_profile(service_context().sessions, user_id))


@internal_routes.get("/internal/v1/batches/class-info")
@internal_route("bff_teacher_service", "result_aggregator_service")
async def batch_class_info() -> ResponseReturnValue:
    batch_ids = batches.parse_batch_ids(",".join(request.args.getlist("batch_ids")))
    async with transaction() as session:
        return as_json(await batches.class_info(session, batch_ids))


@internal_routes.get("/internal/v1/batches/<uuid:batch_id>/student-names")
@internal_route("bff_teacher_service")
async def batch_student_names(batch_id: uuid.UUID) -> ResponseReturnValue:
    async with transaction() as session:
        return as_json(await associations.student_names(session, batch_id))
