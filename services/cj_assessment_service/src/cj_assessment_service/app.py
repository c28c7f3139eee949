"""The Quart app: admin and internal routes, health and metrics, and the supervised background loops."""

from __future__ import annotations

from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from cj_assessment_service.config import Settings
from cj_assessment_service.di import Wiring, make_container
from cj_assessment_service.domain.anchor_grades import MAX_GRADES_FILE_BYTES
from cj_assessment_service.entrypoints.http_admin import admin_blueprint
from cj_assessment_service.entrypoints.http_estimates import ESTIMATE_CALLERS, estimates_blueprint
from cj_assessment_service.entrypoints.http_internal import (
    ACCESS_LOG_READERS,
    ASSIGNMENT_LOOKUP_CALLERS,
    CANCEL_CALLERS,
    READ_CALLERS,
    SHARED_ASSIGNMENTS_CALLERS,
    internal_blueprint,
)
from cj_assessment_service.entrypoints.http_moderation import MODERATION_CALLERS, moderation_blueprint
from cj_assessment_service.service_layer.assignments import AssignmentService
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.estimates import EstimateService
from cj_assessment_service.service_layer.job_queries import JobQueries
from cj_assessment_service.service_layer.moderation import ModerationService
from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundWork
from huleedu_service_libs.http.health import publisher_check, sqlalchemy_check, workers_check
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import serve_with_background, setup_quart_app
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.supervision import RestartPolicy

BACKGROUND_EXTENSION = "cj_background"


async def create_app(
    settings: Settings, *, registry: EventRegistry = EVENTS, restart_policy: RestartPolicy | None = None
) -> Quart:
    """``registry`` maps payloads to topics for consuming and for the outbox (tests pass fresh topics).

    ``restart_policy`` sets how soon a dead background loop is restarted (tests slow it to watch /healthz).
    """
    container = make_container(settings, Wiring(registry, restart_policy or RestartPolicy()))
    deps = await container.get(ServiceDeps)
    engine = await container.get(AsyncEngine)
    publisher = await container.get(EventPublisher)
    background = await container.get(BackgroundWork)
    access_log = await container.get(AccessLog)

    app = Quart(__name__)
    # A bulk anchor upload: up to max_anchor_files files and the grades file (413 beyond, unparsed).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes * settings.max_anchor_files + MAX_GRADES_FILE_BYTES
    setup_quart_app(
        app,
        settings,
        health_checks={
            "database": sqlalchemy_check(engine),
            "kafka": publisher_check(publisher),
            "workers": workers_check(background),
        },
        internal_allow_list={
            *TEACHER_CALLERS,
            *READ_CALLERS,
            *CANCEL_CALLERS,
            *ASSIGNMENT_LOOKUP_CALLERS,
            *SHARED_ASSIGNMENTS_CALLERS,
            *ESTIMATE_CALLERS,
            *ACCESS_LOG_READERS,
            *MODERATION_CALLERS,
        },
    )
    app.register_blueprint(admin_blueprint(AssignmentService(deps)))
    app.register_blueprint(internal_blueprint(JobQueries(deps), AssignmentService(deps), access_log))
    app.register_blueprint(estimates_blueprint(EstimateService(deps)))
    app.register_blueprint(moderation_blueprint(ModerationService(deps)))
    app.extensions[BACKGROUND_EXTENSION] = background

    serve_with_background(app, background, container)

    return app
