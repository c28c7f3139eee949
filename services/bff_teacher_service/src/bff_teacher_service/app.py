"""The FastAPI app: the shared HTTP machinery (error body, metrics, /healthz, /metrics), the views, live
progress and the built dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from dishka import make_async_container
from fastapi import FastAPI
from starlette.middleware import Middleware

from bff_teacher_service.config import Settings
from bff_teacher_service.di import BffProvider
from bff_teacher_service.entrypoints import dashboard_files, events, exports, moderation, student_export, views
from bff_teacher_service.entrypoints.guard import GATEWAY, GatewayOnlyMiddleware
from bff_teacher_service.entrypoints.progress_feed import ProgressFeeds
from bff_teacher_service.service_layer.access_views import AccessLogViews
from bff_teacher_service.service_layer.assignment_views import AssignmentViews
from bff_teacher_service.service_layer.batch_views import BatchViews
from bff_teacher_service.service_layer.exports import Exports
from bff_teacher_service.service_layer.live_progress import ProgressStreams
from bff_teacher_service.service_layer.moderation_views import ModerationViews
from bff_teacher_service.service_layer.student_export import StudentExports
from bff_teacher_service.service_layer.views import TeacherViews
from huleedu_service_libs.background import BackgroundBuilder
from huleedu_service_libs.http.fastapi_support import setup_fastapi_app
from huleedu_service_libs.http.health import workers_check
from huleedu_service_libs.http.internal_auth import InternalAuth
from huleedu_service_libs.supervision import RestartPolicy, Worker

PROGRESS_FEED = "progress_feed"


async def create_app(settings: Settings, *, progress_feed: Callable[[], Worker] | None = None) -> FastAPI:
    """The BFF app. ``progress_feed`` builds the live-progress feed (tests pass one without Kafka);
    it is supervised: restarted after a backoff when it dies, ``/healthz`` failing until it is back."""
    container = make_async_container(BffProvider(), context={Settings: settings})
    feeds: Callable[[], Worker] = progress_feed if progress_feed is not None else await container.get(ProgressFeeds)
    background = (
        BackgroundBuilder(settings.service_name, RestartPolicy(), stop_timeout_s=settings.shutdown_grace_seconds)
        .loop(PROGRESS_FEED, feeds)
        .build()
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        background.start()
        yield
        await background.stop()
        await container.close()

    app = FastAPI(
        title="HuleEdu teacher BFF",
        version="1",
        description="One call per dashboard screen, composed from the owning services.",
        lifespan=lifespan,
    )
    app.state.views = await container.get(TeacherViews)
    app.state.batch_views = await container.get(BatchViews)
    app.state.assignment_views = await container.get(AssignmentViews)
    app.state.exports = await container.get(Exports)
    app.state.access_log_views = await container.get(AccessLogViews)
    app.state.moderation_views = await container.get(ModerationViews)
    app.state.student_exports = await container.get(StudentExports)
    app.state.progress_streams = await container.get(ProgressStreams)
    # Only the gateway calls the BFF, on its view routes and the student export. /healthz checks no
    # owner (one that is down shows as a gap or a 503 in the views, not as an unhealthy BFF), only the
    # BFF's own progress feed: without it every live-progress stream would silently stand still.
    gateway_only = InternalAuth(settings.effective_internal_api_key(), (GATEWAY,))
    setup_fastapi_app(
        app,
        settings,
        internal_allow_list=(GATEWAY,),
        health_checks={"workers": workers_check(background)},
        edge_middleware=[Middleware(GatewayOnlyMiddleware, auth=gateway_only)],
    )
    app.include_router(views.router)
    app.include_router(exports.router)
    app.include_router(moderation.router)
    app.include_router(student_export.router)
    app.include_router(events.router)
    # Last: it answers every path no other route takes (the API's own prefixes excepted).
    app.include_router(dashboard_files.router_for(settings.dashboard_dist_dir))
    return app
