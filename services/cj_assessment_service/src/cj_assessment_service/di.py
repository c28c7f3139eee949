"""The composition root: Dishka wiring of the shared infrastructure, this service's adapters and its
background loops (consumers, the outbox relay, the submitter, the stuck-job monitor, retention)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.content_client import ContentClient
from cj_assessment_service.adapters.lps_client import LPSClient
from cj_assessment_service.adapters.tables import access_log as access_log_table
from cj_assessment_service.adapters.tables import outbox, processed_events
from cj_assessment_service.adapters.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from cj_assessment_service.config import Settings
from cj_assessment_service.entrypoints.consumers import (
    CALLBACKS,
    ERASURES,
    REQUESTS,
    callback_subscriptions,
    erasure_subscriptions,
    request_subscriptions,
)
from cj_assessment_service.service_layer import retention
from cj_assessment_service.service_layer.deps import ServiceDeps
from cj_assessment_service.service_layer.monitor import StuckJobMonitor
from cj_assessment_service.service_layer.submitter import Submitter
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundBuilder, BackgroundWork, Messaging
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.client import make_http_client
from huleedu_service_libs.retention import RETENTION, RetentionLoop
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.supervision import RestartPolicy

# The unit of work of the app (and of each consumed record: ``.on(session)``).
SqlUnitOfWorks = UnitOfWorkFactory[SqlUnitOfWork]

SUBMITTER = "submitter"
MONITOR = "stuck_job_monitor"


@dataclass(frozen=True)
class Wiring:
    """``registry`` maps payloads to topics for consuming and for the outbox (tests pass fresh topics);
    ``restart_policy`` sets how soon a dead background loop is restarted (tests slow it to watch /healthz)."""

    registry: EventRegistry
    restart_policy: RestartPolicy


class CJProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    wiring = from_context(provides=Wiring, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def content(self, settings: Settings) -> AsyncIterator[ContentClient]:
        client = make_http_client(
            settings.content_service_url,
            service_id=settings.service_name,
            api_key=settings.effective_internal_api_key(),
            timeout_s=settings.http_timeout_s,
        )
        yield ContentClient(client)
        await client.aclose()

    @provide(scope=Scope.APP)
    async def lps(self, settings: Settings) -> AsyncIterator[LPSClient]:
        client = make_http_client(
            settings.llm_provider_service_url,
            service_id=settings.service_name,
            api_key=settings.effective_internal_api_key(),
            timeout_s=settings.http_timeout_s,
        )
        yield LPSClient(client)
        await client.aclose()

    @provide(scope=Scope.APP)
    def uows(self, settings: Settings, wiring: Wiring, sessions: async_sessionmaker[AsyncSession]) -> SqlUnitOfWorks:
        return unit_of_work_factory(sessions, wiring.registry, settings.service_name)

    @provide(scope=Scope.APP)
    def access_log(self, engine: AsyncEngine, settings: Settings) -> AccessLog:
        return AccessLog(engine, access_log_table, settings.service_name)

    @provide(scope=Scope.APP)
    def deps(
        self,
        settings: Settings,
        wiring: Wiring,
        uows: SqlUnitOfWorks,
        content: ContentClient,
        lps: LPSClient,
        log: AccessLog,
    ) -> ServiceDeps:
        topic = wiring.registry.topic_for(LLMComparisonResultV1)
        return ServiceDeps(settings=settings, uows=uows, content=content, lps=lps, callback_topic=topic, access_log=log)

    @provide(scope=Scope.APP)
    def background(
        self,
        settings: Settings,
        wiring: Wiring,
        deps: ServiceDeps,
        uows: SqlUnitOfWorks,
        messaging: Messaging,
        log: AccessLog,
    ) -> BackgroundWork:
        group = settings.consumer_group_prefix

        async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
            purged = await retention.purge_expired(uows, cutoff, keep_aggregates)
            return {**purged, "access_log": await log.prune(cutoff)}

        return (
            BackgroundBuilder(
                settings.service_name, wiring.restart_policy, stop_timeout_s=settings.shutdown_grace_seconds
            )
            .consumer(REQUESTS, messaging, f"{group}.requests", request_subscriptions(deps, uows.on))
            .consumer(CALLBACKS, messaging, f"{group}.callbacks", callback_subscriptions(deps, uows.on))
            # batch.deleted, class.student_erased, class.teacher_account_deleted: a consumer of their own, so a
            # backlog of callbacks never delays an erasure.
            .consumer(ERASURES, messaging, f"{group}.erasures", erasure_subscriptions(deps, uows.on))
            .relay(messaging)
            .loop(SUBMITTER, lambda: Submitter(deps))
            .loop(MONITOR, lambda: StuckJobMonitor(deps))
            .loop(RETENTION, lambda: RetentionLoop(settings.service_name, settings.retention_policy(), purge))
            .build()
        )


def make_container(settings: Settings, wiring: Wiring) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        MessagingProvider(outbox, processed_events, wiring.registry),
        CJProvider(),
        context={ServiceSettings: settings, Settings: settings, Wiring: wiring},
    )
