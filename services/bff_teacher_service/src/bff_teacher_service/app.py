"""The FastAPI app: the shared HTTP machinery (error body, metrics, /healthz, /metrics) and the views."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dishka import make_async_container
from fastapi import FastAPI
from starlette.middleware import Middleware

from bff_teacher_service.config import Settings
from bff_teacher_service.di import BffProvider
from bff_teacher_service.entrypoints import views
from bff_teacher_service.entrypoints.guard import GATEWAY, GatewayOnlyMiddleware
from bff_teacher_service.service_layer.views import TeacherViews
from huleedu_service_libs.http.fastapi_support import setup_fastapi_app
from huleedu_service_libs.http.internal_auth import InternalAuth


async def create_app(settings: Settings) -> FastAPI:
    container = make_async_container(BffProvider(), context={Settings: settings})

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await container.close()

    app = FastAPI(
        title="HuleEdu teacher BFF",
        version="1",
        description="One call per dashboard screen, composed from the owning services.",
        lifespan=lifespan,
    )
    app.state.views = await container.get(TeacherViews)
    # Only the gateway calls the BFF, on its view routes; /healthz has no dependency to check:
    # an owner that is down shows as a gap or a 503 in the views, not as an unhealthy BFF.
    gateway_only = InternalAuth(settings.effective_internal_api_key(), (GATEWAY,))
    setup_fastapi_app(
        app,
        settings,
        internal_allow_list=(GATEWAY,),
        edge_middleware=[Middleware(GatewayOnlyMiddleware, auth=gateway_only)],
    )
    app.include_router(views.router)
    return app
