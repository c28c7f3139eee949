"""The app factory: HTTP routes plus the supervised background work (``entrypoints/background.py``)."""

from __future__ import annotations

import redis.asyncio as aioredis
from dishka import make_async_container
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from common_core.llm import LLMProvider
from huleedu_service_libs.di import InfrastructureProvider
from huleedu_service_libs.http.health import redis_check, sqlalchemy_check, workers_check
from huleedu_service_libs.http.quart_support import serve_with_background, setup_quart_app
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.supervision import RestartPolicy
from llm_provider_service.adapters.providers.base import ProviderAdapter
from llm_provider_service.adapters.providers.mock import MockProvider
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.adapters.redis_queue import RedisQueue
from llm_provider_service.adapters.retention import SqlRetention
from llm_provider_service.config import Settings
from llm_provider_service.di import BATCH_DELETED_GROUP, BatchDeletedConsumer, LlmProviderServiceProvider, OutboxRelays
from llm_provider_service.entrypoints.background import background_work
from llm_provider_service.entrypoints.dev_mock import DEV_MODE_FLAG, dev_routes
from llm_provider_service.entrypoints.http import CALLERS, EXTENSION, HttpServices, routes
from llm_provider_service.entrypoints.http_catalogue import CATALOGUE_READERS, CatalogueServices, catalogue_routes
from llm_provider_service.entrypoints.http_catalogue import EXTENSION as CATALOGUE_EXTENSION
from llm_provider_service.service_layer.batch_jobs import BatchJobManager
from llm_provider_service.service_layer.callbacks import CallbackWriter
from llm_provider_service.service_layer.catalogue import Catalogue
from llm_provider_service.service_layer.estimates import UsageEstimator
from llm_provider_service.service_layer.submission import SubmissionService
from llm_provider_service.service_layer.worker import QueueWorker


async def create_app(
    settings: Settings,
    *,
    registry: EventRegistry = EVENTS,
    adapters: dict[LLMProvider, ProviderAdapter] | None = None,
    restart_policy: RestartPolicy | None = None,
    consumer_group: str = BATCH_DELETED_GROUP,
) -> Quart:
    """``restart_policy`` sets how soon a dead background loop is restarted (tests slow it to watch /healthz);
    ``consumer_group`` is the batch.deleted consumer's group (each test uses its own)."""
    container = make_async_container(
        InfrastructureProvider(),
        LlmProviderServiceProvider(registry, adapters, consumer_group),
        context={ServiceSettings: settings, Settings: settings},
    )
    engine = await container.get(AsyncEngine)
    redis = await container.get(aioredis.Redis)
    background = background_work(
        settings,
        queue_worker=await container.get(QueueWorker),
        batch_jobs=await container.get(BatchJobManager),
        writer=await container.get(CallbackWriter),
        relays=await container.get(OutboxRelays),
        consumer=await container.get(BatchDeletedConsumer),
        retention=await container.get(SqlRetention),
        policy=restart_policy or RestartPolicy(),
    )

    app = Quart(__name__)
    setup_quart_app(
        app,
        settings,
        health_checks={
            "database": sqlalchemy_check(engine),
            "redis": redis_check(redis),
            # A dead queue worker or writer would leave comparisons without callbacks while HTTP looks fine.
            "workers": workers_check(background),
        },
        internal_allow_list={*CALLERS, *CATALOGUE_READERS},
    )
    app.register_blueprint(routes)
    app.register_blueprint(dev_routes)
    app.register_blueprint(catalogue_routes)
    app.config[DEV_MODE_FLAG] = settings.dev_mode
    mock = (await container.get(ProviderPool)).get(LLMProvider.MOCK)
    app.extensions[EXTENSION] = HttpServices(
        submissions=await container.get(SubmissionService),
        queue=await container.get(RedisQueue),
        mock=mock if isinstance(mock, MockProvider) else None,
    )
    app.extensions[CATALOGUE_EXTENSION] = CatalogueServices(
        catalogue=await container.get(Catalogue), estimator=await container.get(UsageEstimator)
    )

    serve_with_background(app, background, container)

    return app
