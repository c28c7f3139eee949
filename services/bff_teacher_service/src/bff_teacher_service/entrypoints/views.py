"""The view routes (``/bff/v1/teacher/...``): only the gateway may call them, for the teacher it names.

The key and the gateway's service id are checked first (401/403; by ``GatewayOnlyMiddleware`` before
routing, and again here), then the teacher in ``X-User-ID`` (401 without one); the BFF never takes
a user id from anywhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from bff_teacher_service.entrypoints.guard import GATEWAY
from bff_teacher_service.service_layer.views import TeacherViews
from common_core.http.bff import NewBatchOptions, TeacherDashboard
from huleedu_service_libs.http.fastapi_support import Identity, internal_caller

VIEW_PREFIX = "/bff/v1/teacher"


def _views(request: Request) -> TeacherViews:
    views: TeacherViews = request.app.state.views
    return views


Views = Annotated[TeacherViews, Depends(_views)]

router = APIRouter(prefix=VIEW_PREFIX, tags=["teacher views"], dependencies=[Depends(internal_caller(GATEWAY))])


@router.get("/new-batch/options", response_model=NewBatchOptions)
async def new_batch_options(identity: Identity, views: Views) -> NewBatchOptions:
    """The new-batch wizard's choices: classes, assignments and the model catalogue, gaps named."""
    return await views.new_batch_options(identity.user_id)


@router.get("/dashboard", response_model=TeacherDashboard)
async def dashboard(identity: Identity, views: Views) -> TeacherDashboard:
    """The teacher's summary and recent batches with class names; 503 without the result aggregator."""
    return await views.dashboard(identity.user_id)
