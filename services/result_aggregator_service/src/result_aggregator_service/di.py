"""Dishka wiring: RAS's queries and access log (the shared infrastructure and messaging come from the library)."""

from __future__ import annotations

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs.access_log import AccessLog
from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.adapters.tables import access_log
from result_aggregator_service.config import Settings
from result_aggregator_service.service_layer.ports import ReadModelReader


class ResultAggregatorProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def queries(self, engine: AsyncEngine) -> ReadModelReader:
        return ReadModelQueries(engine)

    @provide(scope=Scope.APP)
    def accesses(self, settings: Settings, engine: AsyncEngine) -> AccessLog:
        return AccessLog(engine, access_log, settings.service_name)
