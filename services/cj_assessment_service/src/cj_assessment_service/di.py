"""Dishka wiring: the shared infrastructure providers plus this service's clients and dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.content_client import ContentClient
from cj_assessment_service.adapters.lps_client import LPSClient
from cj_assessment_service.adapters.tables import outbox, processed_events
from cj_assessment_service.config import Settings
from cj_assessment_service.service_layer.deps import ServiceDeps
from common_core.events.registry import EventRegistry
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.client import make_http_client
from huleedu_service_libs.settings import ServiceSettings


class CJProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    registry = from_context(provides=EventRegistry, scope=Scope.APP)

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
    def deps(
        self,
        settings: Settings,
        registry: EventRegistry,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentClient,
        lps: LPSClient,
    ) -> ServiceDeps:
        return ServiceDeps(settings=settings, registry=registry, sessions=sessions, content=content, lps=lps)


def make_container(settings: Settings, registry: EventRegistry) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        MessagingProvider(outbox, processed_events),
        CJProvider(),
        context={ServiceSettings: settings, Settings: settings, EventRegistry: registry},
    )
