"""The Quart app: routes, the shared HTTP machinery, and the supervised consumer and outbox relay."""

from __future__ import annotations

import structlog
from quart import Quart
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import make_container
from class_management_service.entrypoints.http_support import ACCESS_LOG_EXTENSION, CONTEXT_EXTENSION
from class_management_service.entrypoints.internal_routes import CLASS_LOOKUP_CALLERS, internal_routes
from class_management_service.entrypoints.teacher_routes import teacher_routes
from class_management_service.service_layer.accounts import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_teacher
from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.ports import EssayTextSource
from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundWork
from huleedu_service_libs.http.health import redis_check, sqlalchemy_check, workers_check
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import serve_with_background, setup_quart_app
from huleedu_service_libs.supervision import RestartPolicy

logger = structlog.stdlib.get_logger(__name__)

INTERNAL_CALLERS = {*TEACHER_CALLERS, *CLASS_LOOKUP_CALLERS}


async def create_app(
    settings: Settings | None = None,
    *,
    registry: EventRegistry = EVENTS,
    essay_texts: EssayTextSource | None = None,
    restart_policy: RestartPolicy | None = None,
) -> Quart:
    """The app; ``registry`` names the topics consumed and written to the outbox (tests pass fresh ones).

    ``restart_policy`` sets how soon a dead consumer or relay is restarted (tests slow it to watch /healthz).
    """
    settings = settings or Settings()
    container = make_container(settings, registry, essay_texts, restart_policy)
    context = await container.get(ServiceContext)
    engine = await container.get(AsyncEngine)
    redis = await container.get(Redis)
    background = await container.get(BackgroundWork)

    app = Quart(__name__)
    app.extensions[CONTEXT_EXTENSION] = context
    app.extensions[ACCESS_LOG_EXTENSION] = await container.get(AccessLog)
    setup_quart_app(
        app,
        settings,
        internal_allow_list=INTERNAL_CALLERS,
        health_checks={
            "database": sqlalchemy_check(engine),
            "redis": redis_check(redis),
            # A consumer or relay that died would leave events unhandled while HTTP looks fine.
            "workers": workers_check(background),
        },
    )
    app.register_blueprint(internal_routes)
    app.register_blueprint(teacher_routes)

    async def seed_demo_teacher() -> None:
        if settings.dev_mode and settings.seed_demo_teacher:
            async with context.unit_of_work() as uow:
                created = await ensure_demo_teacher(uow, context.passwords)
            # Printed on purpose: a published development credential, only ever seeded in dev mode.
            logger.warning(
                "demo_teacher_ready", email=DEMO_EMAIL, password=DEMO_PASSWORD, created=created, dev_mode=True
            )

    serve_with_background(app, background, container, before_start=seed_demo_teacher)

    return app
