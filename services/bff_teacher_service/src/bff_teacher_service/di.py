"""Dishka wiring: one HTTP client for every owner call, the owners' adapter and the views."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from dishka import Provider, Scope, from_context, provide

from bff_teacher_service.adapters.owners import HttpOwners
from bff_teacher_service.config import Settings
from bff_teacher_service.service_layer.ports import Owners
from bff_teacher_service.service_layer.views import TeacherViews


class BffProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def http(self, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
        # No base URL and no default headers: each call names its owner and builds its own headers.
        client = httpx.AsyncClient(timeout=httpx.Timeout(settings.owner_timeout_s), follow_redirects=False)
        yield client
        await client.aclose()

    @provide(scope=Scope.APP)
    def owners(self, client: httpx.AsyncClient, settings: Settings) -> Owners:
        return HttpOwners(client, settings)

    @provide(scope=Scope.APP)
    def views(self, owners: Owners, settings: Settings) -> TeacherViews:
        return TeacherViews(owners, settings.owner_timeout_s, settings.dashboard_batch_count)
