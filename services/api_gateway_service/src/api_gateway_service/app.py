"""The FastAPI app: the shared HTTP machinery, the edge limits, sign-in, the routes to the services, and the
dashboard's files from the BFF."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from dishka import make_async_container
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

from api_gateway_service.config import Settings
from api_gateway_service.di import GatewayProvider
from api_gateway_service.entrypoints import auth_routes, dashboard_files
from api_gateway_service.entrypoints.context import GatewayContext
from api_gateway_service.entrypoints.edge import BodyLimitMiddleware, IpLimitMiddleware
from api_gateway_service.entrypoints.routes import ROUTERS
from api_gateway_service.openapi_document import serve_public_openapi
from huleedu_service_libs.di import InfrastructureProvider
from huleedu_service_libs.http.fastapi_support import setup_fastapi_app
from huleedu_service_libs.http.health import redis_check, sqlalchemy_check
from huleedu_service_libs.settings import ServiceSettings


async def create_app(settings: Settings) -> FastAPI:
    container = make_async_container(
        InfrastructureProvider(), GatewayProvider(), context={ServiceSettings: settings, Settings: settings}
    )
    engine = await container.get(AsyncEngine)
    redis = await container.get(aioredis.Redis)
    context = await container.get(GatewayContext)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await container.close()

    app = FastAPI(
        title="HuleEdu API",
        version="1",
        description="The public API of HuleEdu: sign in, then batches, essays, assessments, classes and results.",
        lifespan=lifespan,
    )
    app.state.gateway = context
    app.state.http = context.http
    setup_fastapi_app(
        app,
        settings,
        # Nobody calls the gateway's internal API: it has none.
        internal_allow_list=(),
        health_checks={"database": sqlalchemy_check(engine), "redis": redis_check(redis)},
        edge_middleware=[
            Middleware(IpLimitMiddleware, limiter=context.limiter, limit=context.limits.per_ip),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
    )
    if settings.cors_origins:
        # Outermost, so a preflight is answered before any limit or guard looks at it.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-ID", "Last-Event-ID"],
            expose_headers=["Retry-After", "X-Correlation-ID", "Location"],
        )
    app.include_router(auth_routes.router)
    for router in ROUTERS:
        app.include_router(router)
    # Last: it passes every other GET on to the BFF's dashboard files (the gateway's own prefixes excepted).
    app.include_router(dashboard_files.router)
    serve_public_openapi(app)
    return app
