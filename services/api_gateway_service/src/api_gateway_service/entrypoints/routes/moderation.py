"""Teacher moderation (issue 24) in the public API, under the batch: the BFF composes it, CJ authorises it.

``/v1/batches/{batch_id}/moderation/...`` is the BFF's ``/bff/v1/teacher/batches/{batch_id}/moderation/...``
for the token's teacher (and ``/v1/moderation/invitations`` its ``/bff/v1/teacher/moderation/invitations``).
The batch's teacher and the colleagues they invited reach it; anyone else gets 404. Bodies are checked here
with the contract's models before anything is forwarded. Moderation reads refit the model in CJ, so the
gateway waits the long bound, as for an estimate.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api_gateway_service.entrypoints.forwarding import ProxyDep, ServicesDep
from api_gateway_service.entrypoints.routes.responses import answers_of
from common_core.http.bff_moderation import InviteModeratorRequest, ModerationInvitations, ModerationScreen
from common_core.http.cj_moderation import (
    ModerationReport,
    ModerationVerdictRequest,
    ModerationVerdictView,
    ModeratorList,
)

answers = answers_of("bff_teacher_service")
router = APIRouter(tags=["moderation"])


def _bff(batch_id: uuid.UUID, rest: str) -> str:
    return f"/bff/v1/teacher/batches/{batch_id}/moderation/{rest}"


@router.get(
    "/v1/batches/{batch_id}/moderation/next",
    response_model=ModerationScreen,
    responses=answers(ModerationScreen, 404, 409),
)
async def moderation_next(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """The next pair to judge, both texts as "Essay A" and "Essay B" (no names, no file names), the progress
    (verdicts given of the budget), or `done`. 409 before the batch's assessment has completed."""
    return await proxy.forward(services.bff_teacher, "GET", _bff(batch_id, "next"), long=True)


@router.post(
    "/v1/batches/{batch_id}/moderation/verdicts",
    status_code=201,
    response_model=ModerationVerdictView,
    responses=answers(ModerationVerdictView, 404, 409, status=201),
)
async def moderation_verdict(
    batch_id: uuid.UUID, body: ModerationVerdictRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """A verdict: the two essays in the order shown, the better one, an optional one-line reason (at most 200
    characters). The same pair twice by the same teacher is a 409 (undo first)."""
    return await proxy.forward(services.bff_teacher, "POST", _bff(batch_id, "verdicts"), body=body, long=True)


@router.delete(
    "/v1/batches/{batch_id}/moderation/verdicts/last",
    response_model=ModerationVerdictView,
    responses=answers(ModerationVerdictView, 404, 409),
)
async def moderation_undo(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """Takes back the teacher's latest verdict on the batch (404 without one)."""
    return await proxy.forward(services.bff_teacher, "DELETE", _bff(batch_id, "verdicts/last"), long=True)


@router.get(
    "/v1/batches/{batch_id}/moderation/report",
    response_model=ModerationReport,
    responses=answers(ModerationReport, 404, 409),
)
async def moderation_report(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """AI-teacher agreement with its 95 % interval, the disagreements, misfitting essays, every judge's
    statistics and the results refitted with every verdict (`teacher_judgements`: how many they include)."""
    return await proxy.forward(services.bff_teacher, "GET", _bff(batch_id, "report"), long=True)


@router.get(
    "/v1/batches/{batch_id}/moderation/moderators",
    response_model=ModeratorList,
    responses=answers(ModeratorList, 403, 404, 409),
)
async def moderation_moderators(batch_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep) -> Response:
    """The colleagues the batch's teacher invited (the teacher only; a colleague gets 403)."""
    return await proxy.forward(services.bff_teacher, "GET", _bff(batch_id, "moderators"))


@router.post(
    "/v1/batches/{batch_id}/moderation/moderators",
    response_model=ModeratorList,
    responses=answers(ModeratorList, 403, 404, 409),
)
async def moderation_invite(
    batch_id: uuid.UUID, body: InviteModeratorRequest, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Invites a colleague by their account's email (the teacher only). An email no account uses is a 404
    that says only that."""
    return await proxy.forward(services.bff_teacher, "POST", _bff(batch_id, "moderators"), body=body)


@router.delete(
    "/v1/batches/{batch_id}/moderation/moderators/{user_id}",
    response_model=ModeratorList,
    responses=answers(ModeratorList, 403, 404, 409),
)
async def moderation_remove(
    batch_id: uuid.UUID, user_id: uuid.UUID, proxy: ProxyDep, services: ServicesDep
) -> Response:
    """Removes a colleague (their verdicts stay in the results)."""
    return await proxy.forward(services.bff_teacher, "DELETE", _bff(batch_id, f"moderators/{user_id}"))


@router.get(
    "/v1/moderation/invitations", response_model=ModerationInvitations, responses=answers(ModerationInvitations)
)
async def moderation_invitations(proxy: ProxyDep, services: ServicesDep) -> Response:
    """The batches colleagues invited the teacher to moderate (ids, state and date only), newest first."""
    return await proxy.forward(services.bff_teacher, "GET", "/bff/v1/teacher/moderation/invitations")
