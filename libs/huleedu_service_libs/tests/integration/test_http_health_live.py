"""/healthz against the real dev stack: live Redis and PostgreSQL pass, a closed port fails."""

from __future__ import annotations

import socket

import httpx
import redis.asyncio as aioredis
from fastapi import FastAPI

from huleedu_service_libs.db import create_engine
from huleedu_service_libs.http.fastapi_support import setup_fastapi_app
from huleedu_service_libs.http.health import redis_check, run_health_checks, sqlalchemy_check
from huleedu_service_libs.settings import ServiceSettings
from huleedu_service_libs.testing.infrastructure import Infrastructure


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_live_redis_and_postgres_pass(infrastructure: Infrastructure):
    engine = create_engine(infrastructure.postgres_url)
    try:
        report = await run_health_checks(
            {"database": sqlalchemy_check(engine), "redis": redis_check(infrastructure.redis_url)}, timeout_s=5
        )
    finally:
        await engine.dispose()
    assert report.status_code == 200, report.body()


async def test_redis_check_pings_the_services_own_client(infrastructure: Infrastructure):
    client = aioredis.Redis.from_url(infrastructure.redis_url, socket_timeout=5)
    try:
        assert await redis_check(client)() is True
    finally:
        await client.aclose()


async def test_endpoint_is_503_naming_the_redis_on_a_closed_port(infrastructure: Infrastructure):
    app = FastAPI()
    settings = ServiceSettings(service_name="health_live_test", HULEEDU_INTERNAL_API_KEY="k")
    checks = {
        "redis": redis_check(infrastructure.redis_url),
        "redis_cache": redis_check(f"redis://127.0.0.1:{_closed_port()}/0"),
    }
    setup_fastapi_app(app, settings, health_checks=checks, health_timeout_s=5)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis_cache"]
    assert body["checks"]["redis"]["status"] == "ok"
