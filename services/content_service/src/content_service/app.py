"""The Quart app: routes, shared HTTP machinery, and the supervised consumer and outbox relay."""

from __future__ import annotations

from dishka import make_async_container
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from content_service.adapters.tables import outbox, processed_events
from content_service.config import Settings
from content_service.di import CJ_EVENTS_CONSUMER, ContentServiceProvider, Wiring
from content_service.entrypoints import http_access_log, http_batches, http_text_files, http_texts
from content_service.entrypoints.request_helpers import ACCESS_LOG_EXTENSION, CONTEXT_EXTENSION
from content_service.service_layer.context import ContentContext
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundWork
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.health import publisher_check, sqlalchemy_check, workers_check
from huleedu_service_libs.http.identity import TEACHER_CALLERS
from huleedu_service_libs.http.quart_support import serve_with_background, setup_quart_app
from huleedu_service_libs.kafka.producer import EventPublisher
from huleedu_service_libs.settings import ServiceSettings

INTERNAL_CALLERS = frozenset(
    {*TEACHER_CALLERS, *http_texts.TEXT_READERS, *http_text_files.TEXT_FILE_WRITERS},
)


async def create_app(
    settings: Settings, *, registry: EventRegistry = EVENTS, consumer_group: str = CJ_EVENTS_CONSUMER
) -> Quart:
    container = make_async_container(
        InfrastructureProvider(),
        # The registry reaches the consumers here, and the outbox topics through Wiring.
        MessagingProvider(outbox, processed_events, registry),
        ContentServiceProvider(),
        context={ServiceSettings: settings, Settings: settings, Wiring: Wiring(registry, consumer_group)},
    )
    engine = await container.get(AsyncEngine)
    publisher = await container.get(EventPublisher)
    background = await container.get(BackgroundWork)

    app = Quart(__name__)
    # Quart refuses a larger body with 413 before any of it is parsed.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.extensions[CONTEXT_EXTENSION] = await container.get(ContentContext)
    app.extensions[ACCESS_LOG_EXTENSION] = await container.get(AccessLog)

    setup_quart_app(
        app,
        settings,
        internal_allow_list=INTERNAL_CALLERS,
        health_checks={
            "database": sqlalchemy_check(engine),
            "kafka": publisher_check(publisher),
            "workers": workers_check(background),
        },
    )
    app.register_blueprint(http_batches.blueprint)
    app.register_blueprint(http_texts.blueprint)
    app.register_blueprint(http_text_files.blueprint)
    app.register_blueprint(http_access_log.blueprint)

    serve_with_background(app, background, container)

    return app
