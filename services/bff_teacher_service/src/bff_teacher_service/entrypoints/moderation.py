"""Teacher moderation routes (issue 24), under the batch the teacher sees: ``/bff/v1/teacher/batches/{id}/moderation``.

Same guard and identity as the views. The batch's teacher and the colleagues they added reach these routes
(``service_layer/moderation_views.py`` finds the job, CJ authorises every call); anyone else gets 404. CJ's
answers below 500 pass on as it gave them (its 400, 404 and 409 with the error body).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.entrypoints.views import VIEW_PREFIX
from bff_teacher_service.service_layer.moderation_views import ModerationViews
from bff_teacher_service.service_layer.ports import OwnerReply
from common_core.http.bff_moderation import InviteModeratorRequest, ModerationInvitations, ModerationScreen
from common_core.http.cj_moderation import (
    ModerationReport,
    ModerationVerdictRequest,
    ModerationVerdictView,
    ModeratorList,
)
from huleedu_service_libs.http.fastapi_support import Identity, internal_caller


def _moderation(request: Request) -> ModerationViews:
    views: ModerationViews = request.app.state.moderation_views
    return views


Moderation = Annotated[ModerationViews, Depends(_moderation)]

router = APIRouter(prefix=VIEW_PREFIX, tags=["moderation"], dependencies=[Depends(internal_caller(GATEWAY))])
_BATCH = "/batches/{batch_id}/moderation"


def _passed_on(reply: OwnerReply) -> Response:
    # Moderation shows students' essays: never kept by a shared cache.
    headers = {"cache-control": "private, no-store"}
    return Response(reply.body, status_code=reply.status, media_type="application/json", headers=headers)


@router.get(f"{_BATCH}/next", response_model=ModerationScreen)
async def next_pair(batch_id: UUID, identity: Identity, moderation: Moderation) -> Response:
    """The next pair to judge with both texts ("Essay A", "Essay B": no names), the progress, or `done`."""
    screen = await moderation.screen(identity.user_id, batch_id)
    if isinstance(screen, OwnerReply):
        return _passed_on(screen)
    return _passed_on(OwnerReply(200, screen.model_dump_json().encode()))


@router.post(f"{_BATCH}/verdicts", response_model=ModerationVerdictView, status_code=201)
async def verdict(
    batch_id: UUID, body: ModerationVerdictRequest, identity: Identity, moderation: Moderation
) -> Response:
    """One verdict: the two essays in the order shown, the better one, an optional one-line reason."""
    return _passed_on(await moderation.verdict(identity.user_id, batch_id, body))


@router.delete(f"{_BATCH}/verdicts/last", response_model=ModerationVerdictView)
async def undo(batch_id: UUID, identity: Identity, moderation: Moderation) -> Response:
    """Take back this teacher's latest verdict on the batch (404 without one)."""
    return _passed_on(await moderation.undo(identity.user_id, batch_id))


@router.get(f"{_BATCH}/report", response_model=ModerationReport)
async def report(batch_id: UUID, identity: Identity, moderation: Moderation) -> Response:
    """AI-teacher agreement, disagreements, misfitting essays, judges, and the results with every verdict."""
    return _passed_on(await moderation.report(identity.user_id, batch_id))


@router.get(f"{_BATCH}/moderators", response_model=ModeratorList)
async def moderators(batch_id: UUID, identity: Identity, moderation: Moderation) -> Response:
    """The colleagues the batch's teacher added (the teacher only; a moderator gets 403)."""
    return _passed_on(await moderation.moderators(identity.user_id, batch_id))


@router.post(f"{_BATCH}/moderators", response_model=ModeratorList)
async def invite(batch_id: UUID, body: InviteModeratorRequest, identity: Identity, moderation: Moderation) -> Response:
    """Add a colleague by their account's email (404 for an unknown email; the teacher only)."""
    return _passed_on(await moderation.invite(identity.user_id, batch_id, body.email))


@router.delete(f"{_BATCH}/moderators/{{user_id}}", response_model=ModeratorList)
async def remove(batch_id: UUID, user_id: UUID, identity: Identity, moderation: Moderation) -> Response:
    """Remove a colleague; their verdicts stay in the results."""
    return _passed_on(await moderation.remove_moderator(identity.user_id, batch_id, user_id))


@router.get("/moderation/invitations", response_model=ModerationInvitations)
async def invitations(identity: Identity, moderation: Moderation) -> ModerationInvitations:
    """The batches colleagues asked this teacher to moderate."""
    return await moderation.invitations(identity.user_id)
