"""The real gateway app (its sign-in tokens, limits and edge) in front of internal services: a
recording stand-in (``stand_in.py``), or the real services, each on real PostgreSQL, Kafka and
Redis (isolated databases, topics and prefixes, built as the robustness suite builds them)."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from quart import Quart

from api_gateway_service.app import create_app
from api_gateway_service.config import Settings
from api_gateway_service.entrypoints.context import GatewayContext
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import free_port, served
from services.api_gateway_service.tests.stand_in import StandIn
from tests.integration.robustness.service_apps import KEY, Resources, lps_app, served_content

# Fixed, not random: this module is imported both as a conftest and by name, and both must agree.
TEACHER = "3f0e6f7c-0d7e-4a52-9a7d-4f3f6d1e2a10"
TIMEOUT_S = 1.0


@pytest.fixture
def resources(
    infrastructure: Infrastructure,
    database_factory: Callable[[str], str],
    kafka_topic_factory: Callable[..., str],
    test_run_id: str,
) -> Resources:
    return Resources(infrastructure, database_factory, kafka_topic_factory, test_run_id)


def gateway_settings(resources: Resources, downstream_url: str, **overrides: Any) -> Settings:
    """Every service at ``downstream_url`` but the BFF, at a port where nothing listens (it is down)."""
    fields: dict[str, Any] = {
        **resources.common,
        "internal_api_key": KEY,
        "jwt_secret": "gateway-proxy-tests-secret-of-32-chars!",
        "database_url": resources.database_factory("gateway"),
        "redis_key_prefix": resources.unique("gateway") + ":",
        "content_service_url": downstream_url,
        "class_management_service_url": downstream_url,
        "cj_assessment_service_url": downstream_url,
        "llm_provider_service_url": downstream_url,
        "result_aggregator_service_url": downstream_url,
        "bff_teacher_service_url": f"http://127.0.0.1:{free_port()}",
        "downstream_timeout_s": TIMEOUT_S,
        "essay_upload_max_file_bytes": 1_000_000,
    }
    return Settings.model_validate(fields | overrides)


def context_of(app: FastAPI) -> GatewayContext:
    context: GatewayContext = app.state.gateway
    return context


@contextlib.asynccontextmanager
async def signed_in_gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The gateway app in process, and a client holding a valid access token for TEACHER."""
    app = await create_app(settings)
    async with app.router.lifespan_context(app):
        token = context_of(app).tokens.issue(TEACHER, str(uuid.uuid4()), datetime.now(UTC)).token
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers) as client:
            yield app, client


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    downstream: StandIn
    downstream_url: str
    timeout_s: float

    def point_bff_at_the_stand_in(self, url: str | None = None) -> None:
        """The BFF is the recording stand-in from now on (or the service at ``url``)."""
        context = context_of(self.app)
        settings = context.settings.model_copy(update={"bff_teacher_service_url": url or self.downstream_url})
        self.app.state.gateway = dataclasses.replace(context, settings=settings)


@pytest.fixture
async def gateway(resources: Resources) -> AsyncIterator[Gateway]:
    stand_in = StandIn()
    async with served(stand_in.app) as url, signed_in_gateway(gateway_settings(resources, url)) as (app, client):
        yield Gateway(app, client, stand_in, url, TIMEOUT_S)


@dataclass
class Platform:
    gateway: httpx.AsyncClient
    content_url: str


@contextlib.asynccontextmanager
async def _cms(resources: Resources, content_url: str) -> AsyncIterator[Quart]:
    from class_management_service.app import create_app as create_cms
    from class_management_service.config import Settings as CMSSettings

    settings = CMSSettings.model_validate(
        {
            **resources.common,
            "database_url": resources.database("class_management_service"),
            "consumer_group": resources.unique("cms"),
            "redis_key_prefix": resources.unique("cms") + ":",
            "content_service_url": content_url,
        }
    )
    yield await create_cms(settings, registry=resources.registry())


@contextlib.asynccontextmanager
async def _cj(resources: Resources, content_url: str, lps_url: str) -> AsyncIterator[Quart]:
    from cj_assessment_service.app import create_app as create_cj
    from cj_assessment_service.config import Settings as CJSettings

    settings = CJSettings(
        **resources.common,
        database_url=resources.database("cj_assessment_service"),
        content_service_url=content_url,
        llm_provider_service_url=lps_url,
        consumer_group_prefix=resources.unique("cj"),
    )
    yield await create_cj(settings, registry=resources.registry())


@contextlib.asynccontextmanager
async def _ras(resources: Resources) -> AsyncIterator[Quart]:
    from result_aggregator_service.app import create_app as create_ras
    from result_aggregator_service.config import Settings as RASSettings

    settings = RASSettings(
        **resources.common,
        database_url=resources.database("result_aggregator_service"),
        consumer_group=resources.unique("ras"),
    )
    yield await create_ras(settings, registry=resources.registry())


@pytest.fixture
async def gateway_to_content(resources: Resources) -> AsyncIterator[Platform]:
    """Only the content service behind the gateway (the others are not needed, and cost start-up time)."""
    async with served_content(resources, resources.registry()) as content_url:
        settings = gateway_settings(resources, content_url, downstream_timeout_s=10.0)
        async with signed_in_gateway(settings) as (_app, client):
            yield Platform(client, content_url)


@pytest.fixture
async def platform(resources: Resources) -> AsyncIterator[Platform]:
    """Content, class management, CJ, LPS and the result aggregator behind the gateway."""
    async with contextlib.AsyncExitStack() as stack:
        content_url = await stack.enter_async_context(served_content(resources, resources.registry()))
        lps_url = await stack.enter_async_context(served(await stack.enter_async_context(lps_app(resources))))
        cms_url = await stack.enter_async_context(served(await stack.enter_async_context(_cms(resources, content_url))))
        cj_url = await stack.enter_async_context(
            served(await stack.enter_async_context(_cj(resources, content_url, lps_url)))
        )
        ras_url = await stack.enter_async_context(served(await stack.enter_async_context(_ras(resources))))
        settings = gateway_settings(
            resources,
            content_url,
            class_management_service_url=cms_url,
            cj_assessment_service_url=cj_url,
            llm_provider_service_url=lps_url,
            result_aggregator_service_url=ras_url,
            downstream_timeout_s=10.0,
        )
        _app, client = await stack.enter_async_context(signed_in_gateway(settings))
        yield Platform(client, content_url)
