"""Dishka wiring: the shared infrastructure, plus content service's unit of work and background loops.

The event registry comes in through the container's context, so tests can map the payload
models to fresh topics and never touch the real ones; it is used both for the outbox topics
and for what the consumer subscribes to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.events.registry import EventRegistry
from content_service.adapters.cj_estimates import CJEstimates
from content_service.adapters.peer_lookups import CJAssignmentLookup, ClassManagementClassLookup
from content_service.adapters.tables import access_log as access_log_table
from content_service.adapters.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from content_service.config import Settings
from content_service.entrypoints.consumers import CONSUMER, ERASURES, cj_event_subscriptions, erasure_subscriptions
from content_service.service_layer import retention
from content_service.service_layer.context import ContentContext
from huleedu_service_libs.access_log import AccessLog
from huleedu_service_libs.background import BackgroundBuilder, BackgroundWork, Messaging
from huleedu_service_libs.db import UnitOfWorkFactory
from huleedu_service_libs.http.client import make_http_client
from huleedu_service_libs.retention import RETENTION, RetentionLoop
from huleedu_service_libs.supervision import RestartPolicy

CJ_EVENTS_CONSUMER = "content_service.cj_events"
# How long the consumer and the relay get to finish the record or batch in hand at shutdown.
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Wiring:
    """Where events go and come from: the registry, and the consumer group of the CJ events."""

    registry: EventRegistry
    consumer_group: str = CJ_EVENTS_CONSUMER

    @property
    def erasures_group(self) -> str:
        """The erasures' group, beside the CJ events' (``content_service.erasures``; a test's own group
        gives its own erasures group)."""
        return f"{self.consumer_group.removesuffix('.cj_events')}.erasures"


@dataclass(frozen=True)
class Peers:
    """The lookups in CMS and CJ and CJ's estimates, over HTTP clients the container closes on shutdown."""

    classes: ClassManagementClassLookup
    assignments: CJAssignmentLookup
    estimates: CJEstimates


class ContentServiceProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    wiring = from_context(provides=Wiring, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def peers(self, settings: Settings) -> AsyncIterator[Peers]:
        def client(base_url: str, timeout_s: float) -> httpx.AsyncClient:
            return make_http_client(
                base_url,
                service_id=settings.service_name,
                api_key=settings.effective_internal_api_key(),
                timeout_s=timeout_s,
            )

        cms = client(settings.class_management_service_url, settings.peer_timeout_s)
        cj = client(settings.cj_assessment_service_url, settings.peer_timeout_s)
        cj_estimates = client(settings.cj_assessment_service_url, settings.estimate_timeout_s)
        try:
            yield Peers(ClassManagementClassLookup(cms), CJAssignmentLookup(cj), CJEstimates(cj_estimates))
        finally:
            await cms.aclose()
            await cj.aclose()
            await cj_estimates.aclose()

    @provide(scope=Scope.APP)
    def unit_of_work(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, wiring: Wiring
    ) -> UnitOfWorkFactory[SqlUnitOfWork]:
        return unit_of_work_factory(sessions, wiring.registry, settings.service_name)

    @provide(scope=Scope.APP)
    def access_log(self, engine: AsyncEngine, settings: Settings) -> AccessLog:
        return AccessLog(engine, access_log_table, settings.service_name)

    @provide(scope=Scope.APP)
    def context(
        self, settings: Settings, unit_of_work: UnitOfWorkFactory[SqlUnitOfWork], peers: Peers, log: AccessLog
    ) -> ContentContext:
        return ContentContext(settings, unit_of_work, peers.classes, peers.assignments, peers.estimates, log)

    @provide(scope=Scope.APP)
    def background(
        self,
        settings: Settings,
        wiring: Wiring,
        messaging: Messaging,
        unit_of_work: UnitOfWorkFactory[SqlUnitOfWork],
        log: AccessLog,
    ) -> BackgroundWork:
        policy = RestartPolicy(settings.worker_restart_base_seconds, settings.worker_restart_max_seconds)

        async def purge(cutoff: datetime, keep_aggregates: bool) -> dict[str, int]:
            purged = await retention.purge_expired(unit_of_work, cutoff, keep_aggregates)
            return {**purged, "access_log": await log.prune(cutoff)}

        return (
            BackgroundBuilder(settings.service_name, policy, stop_timeout_s=STOP_TIMEOUT_S)
            .consumer(CONSUMER, messaging, wiring.consumer_group, cj_event_subscriptions(unit_of_work.on))
            # A consumer of its own: an account's many batches never hold up CJ's progress, nor the reverse.
            .consumer(
                ERASURES, messaging, wiring.erasures_group, erasure_subscriptions(unit_of_work.on, unit_of_work, log)
            )
            .relay(messaging)
            .loop(RETENTION, lambda: RetentionLoop(settings.service_name, settings.retention_policy(), purge))
            .build()
        )
