"""Dishka wiring: the shared infrastructure plus this service's adapters and its ServiceContext."""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.content_client import ContentServiceTexts, EssayTextSource, NoEssayTexts
from class_management_service.adapters.login_guard import LoginGuard
from class_management_service.adapters.passwords import Passwords
from class_management_service.adapters.tables import outbox, processed_events
from class_management_service.config import Settings
from class_management_service.service_layer.context import ServiceContext
from common_core.events.registry import EventRegistry
from huleedu_service_libs.di import InfrastructureProvider, MessagingProvider
from huleedu_service_libs.http.client import make_http_client
from huleedu_service_libs.settings import ServiceSettings


class ClassManagementProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)
    registry = from_context(provides=EventRegistry, scope=Scope.APP)

    def __init__(self, essay_texts: EssayTextSource | None = None) -> None:
        super().__init__()
        self._essay_texts = essay_texts

    @provide(scope=Scope.APP)
    def passwords(self) -> Passwords:
        return Passwords()

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
    def context(
        self,
        settings: Settings,
        registry: EventRegistry,
        sessions: async_sessionmaker[AsyncSession],
        passwords: Passwords,
        login_guard: LoginGuard,
        essay_texts: EssayTextSource,
    ) -> ServiceContext:
        return ServiceContext(settings, registry, sessions, passwords, login_guard, essay_texts)


def make_container(
    settings: Settings, registry: EventRegistry, essay_texts: EssayTextSource | None = None
) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(),
        MessagingProvider(outbox, processed_events),
        ClassManagementProvider(essay_texts),
        context={ServiceSettings: settings, Settings: settings, EventRegistry: registry},
    )
