"""The view routes (``/bff/v1/teacher/...``): only the gateway may call them, for the teacher it names.

The key and the gateway's service id are checked first (401/403; by ``GatewayOnlyMiddleware`` before
routing, and again here), then the teacher in ``X-User-ID`` (401 without one); the BFF never takes
a user id from anywhere else.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.service_layer.access_views import AccessLogViews
from bff_teacher_service.service_layer.assignment_views import AssignmentViews, grade_scales
from bff_teacher_service.service_layer.batch_views import BatchViews
from bff_teacher_service.service_layer.views import TeacherViews
from common_core.events.cj_assessment import LLMSettings
from common_core.http.access import MAX_ACCESS_LOG_PAGE, AccessLogView
from common_core.http.bff import (
    AssignmentPageView,
    BatchResultsView,
    EssayDetailView,
    GradeScaleList,
    NewBatchOptions,
    TeacherDashboard,
)
from common_core.http.estimates import AssessmentEstimate
from common_core.llm import BatchingMode, LLMProvider
from huleedu_service_libs.http.fastapi_support import Identity, get_identity, internal_caller

VIEW_PREFIX = "/bff/v1/teacher"


def _views(request: Request) -> TeacherViews:
    views: TeacherViews = request.app.state.views
    return views


def _batch_views(request: Request) -> BatchViews:
    views: BatchViews = request.app.state.batch_views
    return views


def _assignment_views(request: Request) -> AssignmentViews:
    views: AssignmentViews = request.app.state.assignment_views
    return views


def _access_log_views(request: Request) -> AccessLogViews:
    views: AccessLogViews = request.app.state.access_log_views
    return views


Views = Annotated[TeacherViews, Depends(_views)]
AccessLogs = Annotated[AccessLogViews, Depends(_access_log_views)]
Batches = Annotated[BatchViews, Depends(_batch_views)]
Assignments = Annotated[AssignmentViews, Depends(_assignment_views)]
DEFAULT_LLM = LLMSettings()

router = APIRouter(prefix=VIEW_PREFIX, tags=["teacher views"], dependencies=[Depends(internal_caller(GATEWAY))])


@router.get("/new-batch/options", response_model=NewBatchOptions)
async def new_batch_options(identity: Identity, views: Views) -> NewBatchOptions:
    """The new-batch wizard's choices: classes, assignments and the model catalogue, gaps named."""
    return await views.new_batch_options(identity.user_id)


@router.get("/dashboard", response_model=TeacherDashboard)
async def dashboard(identity: Identity, views: Views) -> TeacherDashboard:
    """The teacher's summary and recent batches with class names; 503 without the result aggregator."""
    return await views.dashboard(identity.user_id)


@router.get("/batches/{batch_id}", response_model=BatchResultsView)
async def batch_page(batch_id: UUID, identity: Identity, batches: Batches) -> BatchResultsView:
    """The batch with its job's outcome, ranked and named essays, and anchors; 404 when not the teacher's."""
    return await batches.batch(identity.user_id, batch_id)


@router.get("/batches/{batch_id}/essays/{essay_id}", response_model=EssayDetailView)
async def essay_page(batch_id: UUID, essay_id: UUID, identity: Identity, batches: Batches) -> EssayDetailView:
    """One essay's text, grade distribution and comparisons with the judge's reasons."""
    return await batches.essay(identity.user_id, batch_id, essay_id)


@router.get("/batches/{batch_id}/estimate", response_model=AssessmentEstimate)
async def estimate(
    batch_id: UUID,
    identity: Identity,
    batches: Batches,
    provider: Annotated[LLMProvider, Query()] = DEFAULT_LLM.provider,
    model: Annotated[str, Query(min_length=1, max_length=200)] = DEFAULT_LLM.model,
    batching_mode: Annotated[BatchingMode, Query()] = DEFAULT_LLM.batching_mode,
) -> Response:
    """Content's estimate of a run with these settings, passed on as it answered (its 404/409/422 too)."""
    reply = await batches.estimate(
        identity.user_id, batch_id, LLMSettings(provider=provider, model=model.strip(), batching_mode=batching_mode)
    )
    return Response(reply.body, status_code=reply.status, media_type="application/json")


# The same for every teacher, but like every view it is asked for by one: 401 without X-User-ID.
@router.get("/grade-scales", response_model=GradeScaleList, dependencies=[Depends(get_identity)])
async def grade_scale_list() -> GradeScaleList:
    """The grade scales an assignment can be given, each with its grades lowest first."""
    return grade_scales()


@router.get("/assignments/{assignment_id}", response_model=AssignmentPageView)
async def assignment_page(assignment_id: UUID, identity: Identity, assignments: Assignments) -> AssignmentPageView:
    """The assignment with its anchors and scale, and where its last completed batch placed the anchors."""
    return await assignments.assignment(identity.user_id, assignment_id)


@router.get("/access-log", response_model=AccessLogView)
async def access_log(
    identity: Identity,
    logs: AccessLogs,
    limit: Annotated[int, Query(ge=1, le=MAX_ACCESS_LOG_PAGE)] = 50,
    before: Annotated[
        AwareDatetime | None, Query(description="Only entries older than this; the last entry's time pages on.")
    ] = None,
) -> AccessLogView:
    """Who read or exported the teacher's batches, essays and students, and when, newest first, from
    every service that holds them; `gaps` names a service that did not answer (its entries are missing)."""
    return await logs.access_log(identity.user_id, limit, before)
