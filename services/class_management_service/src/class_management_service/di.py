"""The composition root: the shared infrastructure plus this service's adapters, use cases and consumer.

Everything concrete (PostgreSQL, Redis, HTTP to content service, Argon2) is chosen here and
handed to the routes and the consumer as ports (service_layer.ports) in the ServiceContext.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import redis.asyncio as aioredis
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from class_management_service.adapters.cj_client import CJSharedAssignments
from class_management_service.adapters.content_client import ContentServiceTexts, NoEssayTexts
from class_management_service.adapters.login_guard import LoginGuard
from class_management_service.adapters.passwords import Passwords
from class_management_service.adapters.tables import access_log, outbox, processed_events
from class_management_service.adapters.unit_of_work import SqlUnitOfWorks, unit_of_work_factory
from class_management_service.config import Settings
from class_management_service.entrypoints.consumers import CONSUMER, batch_event_subscriptions
from class_management_service.entrypoints.create_teacher import TeacherStore
from class_management_service.service_layer import retention
from class_management_service.service_layer.associations import BatchEventHandlers
from class_management_service.service_layer.context import ServiceContext
from class_management_service.service_layer.matching import StudentMatcher
from class_management_service.service_layer.ports import EssayTextSource, SharedAssignmentSource
from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundBuilder, BackgroundWork, Messaging
from huleedu_service_libs.db import create_engine, session_factory
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.client import make_http_client
from huleedu_service_libs.retention import RETENTION, RetentionLoop
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.supervision import RestartPolicy

# A teacher waits for CJ's answer before an account is deleted.
CJ_TIMEOUT_S = 5.0


class ClassManagementProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    registry = from_context(provides=EventRegistry, scope=Scope.APP)
    # How soon a dead consumer or relay is restarted (tests slow it down to watch /healthz).
    restart_policy = from_context(provides=RestartPolicy, scope=Scope.APP)

    def __init__(self, essay_texts: EssayTextSource | None = None) -> None:
        super().__init__()
        self._essay_texts = essay_texts

    @provide(scope=Scope.APP)
    def login_guard(self, settings: Settings, redis: aioredis.Redis) -> LoginGuard:
        return LoginGuard(
            redis,
            key_prefix=settings.redis_key_prefix,
            max_failures=settings.login_max_failures,
            window_s=settings.login_lockout_seconds,
        )

    @provide(scope=Scope.APP)
    async def essay_texts(self, settings: Settings) -> AsyncIterator[EssayTextSource]:
        if self._essay_texts is not None:
            yield self._essay_texts
            return
        if not settings.read_essay_openings:
            yield NoEssayTexts()
            return
        client = make_http_client(
            settings.content_service_url,
            service_id=settings.service_name,
            api_key=settings.effective_internal_api_key(),
            timeout_s=settings.content_service_timeout_s,
        )
        yield ContentServiceTexts(client)
        await client.aclose()

    @provide(scope=Scope.APP)
    async def shared_assignments(self, settings: Settings) -> AsyncIterator[SharedAssignmentSource]:
        client = make_http_client(
            settings.cj_assessment_service_url,
            service_id=settings.service_name,
            api_key=settings.effective_internal_api_key(),
            timeout_s=CJ_TIMEOUT_S,
        )
        yield CJSharedAssignments(client)
        await client.aclose()

    @provide(scope=Scope.APP)
    def unit_of_work(self, sessions: async_sessionmaker[AsyncSession], registry: EventRegistry) -> SqlUnitOfWorks:
        return unit_of_work_factory(sessions, registry)

    @provide(scope=Scope.APP)
    def accesses(self, settings: Settings, engine: AsyncEngine) -> AccessLog:
        return AccessLog(engine, access_log, settings.service_name)

    @provide(scope=Scope.APP)
    def matcher(self, settings: Settings, essay_texts: EssayTextSource) -> StudentMatcher:
        return StudentMatcher(settings, essay_texts)

    @provide(scope=Scope.APP)
    def context(
        self,
        settings: Settings,
        units: SqlUnitOfWorks,
        login_guard: LoginGuard,
        matcher: StudentMatcher,
        shared_assignments: SharedAssignmentSource,
    ) -> ServiceContext:
        return ServiceContext(settings, units, Passwords(), login_guard, matcher, shared_assignments)

    @provide(scope=Scope.APP)
    def background(
        self,
        settings: Settings,
        policy: RestartPolicy,
        messaging: Messaging,
        units: SqlUnitOfWorks,
        matcher: StudentMatcher,
        accesses: AccessLog,
    ) -> BackgroundWork:
        subscriptions = batch_event_subscriptions(BatchEventHandlers(matcher), units.on)

        async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
            purged = await retention.purge_expired(units, cutoff, keep_aggregates)
            # The log's entries expire with the data they are about, aggregates kept or not.
            return {**purged, "access_log": await accesses.prune(cutoff)}

        return (
            BackgroundBuilder(settings.service_name, policy, stop_timeout_s=settings.shutdown_grace_seconds)
            .consumer(CONSUMER, messaging, settings.consumer_group, subscriptions)
            .relay(messaging)
            .loop(RETENTION, lambda: RetentionLoop(settings.service_name, settings.retention_policy(), purge))
            .build()
        )


def make_container(
    settings: Settings,
    registry: EventRegistry,
    essay_texts: EssayTextSource | None = None,
    restart_policy: RestartPolicy | None = None,
) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        # The registry names both the consumed topics and, through the unit of work, the outbox's.
        MessagingProvider(outbox, processed_events, registry),
        ClassManagementProvider(essay_texts),
        context={
            ServiceSettings: settings,
            Settings: settings,
            EventRegistry: registry,
            RestartPolicy: restart_policy or RestartPolicy(),
        },
    )


@asynccontextmanager
async def teacher_store(settings: Settings) -> AsyncIterator[TeacherStore]:
    """The accounts' database for one CLI command (create-teacher), closed when it ends."""
    engine = create_engine(settings.database_url)
    try:
        # Creating a teacher announces nothing, so the registry only has to exist.
        yield TeacherStore(unit_of_work_factory(session_factory(engine), EVENTS), Passwords())
    finally:
        await engine.dispose()
