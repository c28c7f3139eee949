"""``GET /internal/v1/users/{user_id}/access-log``: the teacher's own access log, for the BFF (issue 23)."""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from content_service.entrypoints.request_helpers import access_log, dump
from huleedu_service_libs.http.quart_support import access_log_page, internal_route

ACCESS_LOG_READERS = ("bff_teacher_service",)

blueprint = Blueprint("access_log", __name__)


@blueprint.get("/internal/v1/users/<user_id>/access-log")
@internal_route(*ACCESS_LOG_READERS)
async def user_access_log(user_id: str) -> ResponseReturnValue:
    return dump(await access_log_page(access_log(), user_id))
