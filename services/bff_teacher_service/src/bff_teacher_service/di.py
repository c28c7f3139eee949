"""Dishka wiring: one HTTP client for every owner call, the owners' adapter, the views, and live progress
(the hub, the streams and the Kafka feed that fills the hub)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from dishka import Provider, Scope, from_context, provide

from bff_teacher_service.adapters.owners import HttpOwners
from bff_teacher_service.config import Settings
from bff_teacher_service.entrypoints.progress_feed import ProgressFeeds, instance_group_id
from bff_teacher_service.service_layer.access_views import AccessLogViews
from bff_teacher_service.service_layer.assignment_views import AssignmentViews
from bff_teacher_service.service_layer.batch_views import BatchViews
from bff_teacher_service.service_layer.exports import Exports
from bff_teacher_service.service_layer.live_progress import ProgressStreams
from bff_teacher_service.service_layer.moderation_views import ModerationViews
from bff_teacher_service.service_layer.ports import Owners
from bff_teacher_service.service_layer.progress_hub import ProgressHub
from bff_teacher_service.service_layer.student_export import StudentExports
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

    @provide(scope=Scope.APP)
    def batch_views(self, owners: Owners, settings: Settings) -> BatchViews:
        return BatchViews(owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def assignment_views(self, owners: Owners, settings: Settings) -> AssignmentViews:
        return AssignmentViews(owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def exports(self, batch_views: BatchViews, owners: Owners, settings: Settings) -> Exports:
        return Exports(batch_views, owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def access_log_views(self, owners: Owners, settings: Settings) -> AccessLogViews:
        return AccessLogViews(owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def moderation_views(self, owners: Owners, settings: Settings) -> ModerationViews:
        return ModerationViews(owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def student_exports(self, owners: Owners, settings: Settings) -> StudentExports:
        return StudentExports(owners, settings.owner_timeout_s)

    @provide(scope=Scope.APP)
    def progress_hub(self, settings: Settings) -> ProgressHub:
        return ProgressHub(settings.sse_max_streams_per_user, service_name=settings.service_name)

    @provide(scope=Scope.APP)
    def progress_streams(self, hub: ProgressHub, owners: Owners, settings: Settings) -> ProgressStreams:
        return ProgressStreams(hub, owners, settings.owner_timeout_s, settings.sse_heartbeat_s)

    @provide(scope=Scope.APP)
    def progress_feeds(self, hub: ProgressHub, settings: Settings) -> ProgressFeeds:
        return ProgressFeeds(
            settings.kafka_bootstrap_servers, instance_group_id(settings.service_name), hub, settings.service_name
        )
