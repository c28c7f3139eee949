"""The gateway against the real dev stack: its migrated database, a Redis prefix, and a real CMS.

CMS runs as its real app (its own migrated database, fresh topics, its own Redis prefix) served
on a local port, so sign-in, profiles, password changes and CMS's lock go through real HTTP.
Each test signs up its own teacher. Tests that only check token refusals point the gateway at a
closed port instead: a refused token never reaches a service.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from quart import Quart

from api_gateway_service.app import create_app
from api_gateway_service.config import Settings
from class_management_service.adapters.passwords import Passwords
from class_management_service.app import create_app as create_cms_app
from class_management_service.config import Settings as CmsSettings
from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.service_layer.accounts import create_teacher
from common_core.events.batch import BatchDeletedV1, BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import (
    ClassCreatedV1,
    ClassUpdatedV1,
    EssayStudentAssociationsConfirmedV1,
    StudentCreatedV1,
    StudentErasedV1,
    StudentUpdatedV1,
    TeacherAccountDeletedV1,
)
from common_core.events.registry import EventRegistry
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import free_port, served

SERVICES = Path(__file__).resolve().parents[3]
KEY = "gateway-test-internal-key"
SECRET = "gateway-test-jwt-secret-0123456789abcdef"
PASSWORD = "ett långt och säkert lösenord"
CMS_LOCK_AFTER = 3
CMS_MODELS = (
    BatchRegisteredV1,
    EssayUploadedV1,
    ClassCreatedV1,
    ClassUpdatedV1,
    StudentCreatedV1,
    StudentUpdatedV1,
    EssayStudentAssociationsConfirmedV1,
    BatchDeletedV1,
    StudentErasedV1,
    TeacherAccountDeletedV1,
)


@pytest.fixture(scope="session")
def gateway_database(database_factory: Callable[[str], str]) -> str:
    # Shared by the tests: every test signs in its own teacher, so no two tests share a session row.
    return migrated_database(database_factory, SERVICES / "api_gateway_service" / "alembic", "gateway")


@pytest.fixture(scope="session")
def cms_database(database_factory: Callable[[str], str]) -> str:
    return migrated_database(database_factory, SERVICES / "class_management_service" / "alembic", "gw_cms")


@dataclass(frozen=True)
class Cms:
    url: str
    app: Quart

    async def new_teacher(self, password: str = PASSWORD) -> tuple[str, str]:
        """A fresh teacher's (email, user_id)."""
        email = f"teacher-{uuid.uuid4().hex[:10]}@example.org"
        context = self.app.extensions[CONTEXT_EXTENSION]
        async with context.unit_of_work() as uow:
            profile = await create_teacher(uow, Passwords(), email=email, display_name="Karin", password=password)
        return email, str(profile.user_id)


@pytest.fixture
async def cms(
    infrastructure: Infrastructure,
    cms_database: str,
    kafka_topic_factory: Callable[..., str],
    unique_group_id: str,
    redis_prefix: str,
) -> AsyncIterator[Cms]:
    registry = EventRegistry()
    for model in CMS_MODELS:
        registry.register(kafka_topic_factory(model.__name__.lower()), model)
    settings = CmsSettings.model_validate(
        {
            "HULEEDU_INTERNAL_API_KEY": KEY,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": infrastructure.redis_url,
            "database_url": cms_database,
            "consumer_group": unique_group_id,
            "redis_key_prefix": redis_prefix + "cms:",
            "login_max_failures": CMS_LOCK_AFTER,
        }
    )
    # CJ as CMS asks it before an account is deleted: this teacher shares no assignment.
    cj = Quart("fake_cj")

    @cj.get("/internal/v1/users/<user_id>/shared-assignments")
    async def shared_assignments(user_id: str) -> dict[str, list[object]]:
        return {"items": []}

    async with served(cj) as cj_url:
        settings = settings.model_copy(update={"cj_assessment_service_url": cj_url})
        app = await create_cms_app(settings, registry=registry)
        async with served(app) as url:
            yield Cms(url, app)


def gateway_settings(
    infrastructure: Infrastructure, database_url: str, redis_prefix: str, cms_url: str, **overrides: Any
) -> Settings:
    return Settings.model_validate(
        {
            "HULEEDU_INTERNAL_API_KEY": KEY,
            "HULEEDU_REDIS_URL": infrastructure.redis_url,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
            "database_url": database_url,
            "redis_key_prefix": redis_prefix + "gw:",
            "class_management_service_url": cms_url,
            "jwt_secret": SECRET,
            **overrides,
        }
    )


@contextlib.asynccontextmanager
async def gateway_client(settings: Settings, *, client_ip: str = "203.0.113.7") -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app, its lifespan run, behind an in-process client calling from ``client_ip``."""
    app: FastAPI = await create_app(settings)
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield client


@dataclass
class Gateway:
    """Builds gateway clients on the test's database, Redis prefix and CMS."""

    infrastructure: Infrastructure
    database_url: str
    redis_prefix: str
    cms_url: str

    def settings(self, **overrides: Any) -> Settings:
        return gateway_settings(self.infrastructure, self.database_url, self.redis_prefix, self.cms_url, **overrides)

    def client(
        self, *, client_ip: str = "203.0.113.7", **overrides: Any
    ) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        return gateway_client(self.settings(**overrides), client_ip=client_ip)


@pytest.fixture
def gateway(infrastructure: Infrastructure, gateway_database: str, redis_prefix: str, cms: Cms) -> Gateway:
    return Gateway(infrastructure, gateway_database, redis_prefix, cms.url)


@pytest.fixture
def gateway_without_cms(infrastructure: Infrastructure, gateway_database: str, redis_prefix: str) -> Gateway:
    return Gateway(infrastructure, gateway_database, redis_prefix, f"http://127.0.0.1:{free_port()}")


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code
