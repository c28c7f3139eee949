"""Teacher moderation of a completed job (issue 24): internal routes for the BFF, identity from ``X-User-ID``.

The owner or a moderator the owner added gets the moderation routes, anyone else a 404; only the owner
manages the moderators. Thin: the rules are ``service_layer/moderation.py``'s.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from quart import Blueprint, request
from quart.typing import ResponseReturnValue

from cj_assessment_service.service_layer.moderation import ModerationService
from common_core.http.cj_moderation import AddModeratorRequest, ModerationVerdictRequest
from huleedu_service_libs.errors import NotFoundError, PayloadTooLargeError
from huleedu_service_libs.http.quart_support import current_accessor, current_identity, internal_route, json_body

MODERATION_CALLERS = ("bff_teacher_service",)
# A verdict is three ids and a one-line reason, a moderator's label one email: far below this. The app's own
# limit is a bulk anchor upload's.
MAX_VERDICT_BODY_BYTES = 4096

_BASE = "/internal/v1/jobs/<uuid:job_id>/moderation"


def _small_body(view: Callable[..., Awaitable[ResponseReturnValue]]) -> Callable[..., Awaitable[ResponseReturnValue]]:
    """413 before a declared body larger than a verdict (or a moderator's label) is read."""

    @functools.wraps(view)
    async def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if (request.content_length or 0) > MAX_VERDICT_BODY_BYTES:
            raise PayloadTooLargeError(f"this body is at most {MAX_VERDICT_BODY_BYTES} bytes")
        return await view(*args, **kwargs)

    return guarded


def moderation_blueprint(service: ModerationService) -> Blueprint:
    bp = Blueprint("cj_moderation", __name__)

    @bp.get(f"{_BASE}/next")
    @internal_route(*MODERATION_CALLERS)
    async def next_pair(job_id: uuid.UUID) -> ResponseReturnValue:
        view = await service.next_pair(job_id, current_identity().user_id, current_accessor())
        return view.model_dump(mode="json")

    @bp.post(f"{_BASE}/verdicts")
    @internal_route(*MODERATION_CALLERS)
    @_small_body
    @json_body(ModerationVerdictRequest)
    async def record_verdict(job_id: uuid.UUID, body: ModerationVerdictRequest) -> ResponseReturnValue:
        view = await service.record(job_id, current_identity().user_id, body)
        return view.model_dump(mode="json"), 201

    @bp.delete(f"{_BASE}/verdicts/last")
    @internal_route(*MODERATION_CALLERS)
    async def undo_verdict(job_id: uuid.UUID) -> ResponseReturnValue:
        return (await service.undo(job_id, current_identity().user_id)).model_dump(mode="json")

    @bp.get(f"{_BASE}/report")
    @internal_route(*MODERATION_CALLERS)
    async def report(job_id: uuid.UUID) -> ResponseReturnValue:
        view = await service.report(job_id, current_identity().user_id, current_accessor())
        return view.model_dump(mode="json")

    @bp.get(f"{_BASE}/moderators")
    @internal_route(*MODERATION_CALLERS)
    async def moderators(job_id: uuid.UUID) -> ResponseReturnValue:
        return (await service.moderators(job_id, current_identity().user_id)).model_dump(mode="json")

    @bp.put(f"{_BASE}/moderators/<user_id>")
    @internal_route(*MODERATION_CALLERS)
    @_small_body
    @json_body(AddModeratorRequest, when_empty=AddModeratorRequest)
    async def add_moderator(job_id: uuid.UUID, user_id: str, body: AddModeratorRequest) -> ResponseReturnValue:
        view = await service.add_moderator(job_id, current_identity().user_id, user_id, body.label)
        return view.model_dump(mode="json")

    @bp.delete(f"{_BASE}/moderators/<user_id>")
    @internal_route(*MODERATION_CALLERS)
    async def remove_moderator(job_id: uuid.UUID, user_id: str) -> ResponseReturnValue:
        view = await service.remove_moderator(job_id, current_identity().user_id, user_id)
        return view.model_dump(mode="json")

    @bp.get("/internal/v1/users/<user_id>/moderation/jobs")
    @internal_route(*MODERATION_CALLERS)
    async def moderated_jobs(user_id: str) -> ResponseReturnValue:
        # The caller's own list only: another teacher's id is the 404 of anything that is not theirs.
        if user_id != current_identity().user_id:
            raise NotFoundError("No moderation invitations for this user")
        return (await service.moderated_jobs(user_id)).model_dump(mode="json")

    return bp
