"""The Quart wiring end to end, through Quart's in-process test client.

test_http_fastapi.py proves the same behaviour for FastAPI, test by test.
"""

from __future__ import annotations

import asyncio
import hmac
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client import REGISTRY
from pydantic import BaseModel, Field
from quart import Quart, request

from huleedu_service_libs.errors import NotFoundError, RateLimitedError
from huleedu_service_libs.http.health import HealthCheck
from huleedu_service_libs.http.quart_support import (
    current_identity,
    internal_route,
    optional_identity,
    setup_quart_app,
)
from huleedu_service_libs.logging import configure_logging
from huleedu_service_libs.settings import ServiceSettings

SERVICE = "quart_test_service"
KEY = "quart-test-internal-key"
ALLOWED = {"cj_assessment_service", "bff_teacher_service"}
ERROR_FIELDS = {"code", "message", "correlation_id", "service", "details"}


class NewItem(BaseModel):
    title: str = Field(min_length=1)
    count: int


async def _ok() -> bool:
    return True


def make_app(health_checks: Mapping[str, HealthCheck] | None = None) -> Quart:
    app = Quart(__name__)

    @app.get("/items/<int:item_id>")
    async def get_item(item_id: int) -> dict[str, int]:
        if item_id == 404:
            raise NotFoundError("Item 404 does not exist", details={"item_id": 404})
        structlog.stdlib.get_logger("test").info("item_read", item_id=item_id)
        return {"item_id": item_id}

    @app.post("/items")
    async def create_item() -> tuple[dict[str, Any], int]:
        item = NewItem.model_validate(await request.get_json())
        return item.model_dump(), 201

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret detail")

    @app.get("/limited")
    async def limited() -> dict[str, str]:
        raise RateLimitedError("Too many uploads; wait and retry", retry_after_s=2.5)

    @app.get("/internal/v1/ping")
    async def internal_ping() -> dict[str, bool]:
        return {"pong": True}

    @app.get("/internal/v1/cj-only")
    @internal_route("cj_assessment_service")
    async def cj_only() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/me")
    async def me() -> dict[str, str | None]:
        identity = current_identity()
        return {"user_id": identity.user_id, "org_id": identity.org_id}

    @app.get("/maybe-me")
    async def maybe_me() -> dict[str, str | None]:
        identity = optional_identity()
        return {"user_id": identity.user_id if identity else None}

    settings = ServiceSettings(service_name=SERVICE, HULEEDU_INTERNAL_API_KEY=KEY)
    setup_quart_app(app, settings, health_checks=health_checks or {"ok": _ok}, internal_allow_list=ALLOWED)
    return app


async def call(
    app: Quart, method: str, path: str, *, headers: dict[str, str] | None = None, json_body: Any = None
) -> tuple[int, Mapping[str, str], Any]:
    response = await app.test_client().open(path, method=method, headers=headers or {}, json=json_body)
    body = await response.get_data(as_text=True)
    parsed = json.loads(body) if response.mimetype == "application/json" else body
    return response.status_code, httpx.Headers(list(response.headers.items())), parsed


def internal(service_id: str = "cj_assessment_service", key: str = KEY) -> dict[str, str]:
    return {"X-Internal-API-Key": key, "X-Service-ID": service_id}


@pytest.fixture
def app() -> Quart:
    return make_app()


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines written by the configured root handler, redirected into a buffer."""
    root = logging.getLogger()
    level = root.level
    configure_logging(SERVICE, log_format="json", level="INFO")
    [handler] = [h for h in root.handlers if h.get_name() == "huleedu"]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


def assert_error_body(body: Any, code: str) -> dict[str, Any]:
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == ERROR_FIELDS
    assert error["code"] == code
    assert error["service"] == SERVICE
    assert uuid.UUID(error["correlation_id"])
    return error


# --- internal auth -------------------------------------------------------------------------


async def test_internal_route_without_key_is_401(app: Quart):
    status, _, body = await call(app, "GET", "/internal/v1/ping", headers={"X-Service-ID": "cj_assessment_service"})
    assert status == 401
    assert "Missing X-Internal-API-Key" in assert_error_body(body, "UNAUTHORIZED")["message"]


async def test_internal_route_with_wrong_key_is_401(app: Quart):
    status, _, body = await call(app, "GET", "/internal/v1/ping", headers=internal(key="wrong"))
    assert status == 401
    assert_error_body(body, "UNAUTHORIZED")


async def test_internal_caller_not_on_allow_list_is_403(app: Quart):
    status, _, body = await call(app, "GET", "/internal/v1/ping", headers=internal("content_service"))
    assert status == 403
    assert assert_error_body(body, "FORBIDDEN")["details"] == {"service_id": "content_service"}


async def test_internal_route_with_key_and_allowed_caller_is_200(app: Quart):
    status, _, body = await call(app, "GET", "/internal/v1/ping", headers=internal("bff_teacher_service"))
    assert (status, body) == (200, {"pong": True})


async def test_route_allow_list_narrows_the_apps(app: Quart):
    assert (await call(app, "GET", "/internal/v1/cj-only", headers=internal("cj_assessment_service")))[0] == 200
    status, _, body = await call(app, "GET", "/internal/v1/cj-only", headers=internal("bff_teacher_service"))
    assert status == 403
    assert_error_body(body, "FORBIDDEN")


async def test_unknown_internal_path_is_refused_before_revealing_that_it_does_not_exist(app: Quart):
    status, _, _ = await call(app, "GET", "/internal/v1/no-such-route")
    assert status == 401


async def test_internal_auth_compares_keys_with_compare_digest(app: Quart, monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("huleedu_service_libs.http.internal_auth.hmac.compare_digest", spy)
    assert (await call(app, "GET", "/internal/v1/ping", headers=internal(key="wrong")))[0] == 401
    assert (await call(app, "GET", "/internal/v1/ping", headers=internal()))[0] == 200
    assert len(calls) == 2
    assert all(len(a) == len(b) == 32 for a, b in calls)


# --- errors --------------------------------------------------------------------------------


async def test_deliberate_error_renders_the_one_error_body(app: Quart):
    cid = str(uuid.uuid4())
    status, _, body = await call(app, "GET", "/items/404", headers={"X-Correlation-ID": cid})
    assert status == 404
    error = assert_error_body(body, "NOT_FOUND")
    assert error["message"] == "Item 404 does not exist"
    assert error["details"] == {"item_id": 404}
    assert error["correlation_id"] == cid


async def test_unexpected_error_is_500_without_internals_and_is_logged(app: Quart, json_logs):
    cid = str(uuid.uuid4())
    status, headers, body = await call(app, "GET", "/boom", headers={"X-Correlation-ID": cid})
    assert status == 500
    assert headers["X-Correlation-ID"] == cid
    assert assert_error_body(body, "INTERNAL_ERROR")["correlation_id"] == cid
    raw = json.dumps(body)
    assert "secret detail" not in raw
    assert "Traceback" not in raw
    logged = [line for line in json_logs() if line["event"] == "unhandled_exception"]
    assert len(logged) == 1
    assert logged[0]["correlation_id"] == cid
    assert "secret detail" in logged[0]["exception"]


async def test_validation_error_is_400_with_field_details(app: Quart):
    status, _, body = await call(app, "POST", "/items", json_body={"title": "", "count": "many", "password": "x"})
    assert status == 400
    error = assert_error_body(body, "VALIDATION_ERROR")
    assert {f["field"] for f in error["details"]["fields"]} == {"title", "count"}
    assert "many" not in json.dumps(body)


async def test_malformed_json_is_400(app: Quart):
    response = await app.test_client().post("/items", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert_error_body(await response.get_json(), "VALIDATION_ERROR")


async def test_rate_limited_sets_retry_after(app: Quart):
    status, headers, body = await call(app, "GET", "/limited")
    assert status == 429
    assert headers["Retry-After"] == "3"
    assert_error_body(body, "RATE_LIMITED")


async def test_unknown_route_is_404_in_the_error_body(app: Quart):
    status, _, body = await call(app, "GET", "/no/such/path")
    assert status == 404
    assert_error_body(body, "NOT_FOUND")


async def test_wrong_method_is_405_with_allow_header(app: Quart):
    status, headers, body = await call(app, "DELETE", "/items/1")
    assert status == 405
    assert "GET" in headers["Allow"]
    assert_error_body(body, "METHOD_NOT_ALLOWED")


# --- metrics -------------------------------------------------------------------------------


def requests_count(route: str, status: str, method: str = "GET") -> float:
    labels = {"service": SERVICE, "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("huleedu_http_requests_total", labels) or 0.0


def duration_count(route: str) -> float:
    labels = {"service": SERVICE, "method": "GET", "route": route}
    return REGISTRY.get_sample_value("huleedu_http_request_duration_seconds_count", labels) or 0.0


async def test_metrics_count_ids_under_one_route_template(app: Quart):
    template = "/items/<int:item_id>"
    before, before_duration = requests_count(template, "200"), duration_count(template)
    assert (await call(app, "GET", "/items/123"))[0] == 200
    assert (await call(app, "GET", "/items/456"))[0] == 200
    assert requests_count(template, "200") == before + 2
    assert duration_count(template) == before_duration + 2
    _, headers, text = await call(app, "GET", "/metrics")
    assert headers["Content-Type"].startswith("text/plain")
    assert f'route="{template}"' in text
    assert "huleedu_http_requests_total{" in text
    assert "/items/123" not in text


async def test_metrics_label_unmatched_paths_and_refused_calls(app: Quart):
    before_unmatched = requests_count("<unmatched>", "404")
    before_refused = requests_count("/internal/v1/ping", "401")
    await call(app, "GET", "/no/such/path/789")
    await call(app, "GET", "/internal/v1/ping")
    assert requests_count("<unmatched>", "404") == before_unmatched + 1
    assert requests_count("/internal/v1/ping", "401") == before_refused + 1


async def test_metrics_count_unexpected_errors_as_500(app: Quart):
    before = requests_count("/boom", "500")
    await call(app, "GET", "/boom")
    assert requests_count("/boom", "500") == before + 1


# --- health --------------------------------------------------------------------------------


async def test_healthz_is_200_when_every_check_passes():
    status, _, body = await call(make_app({"database": _ok, "redis": _ok}), "GET", "/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis"}


async def test_healthz_is_503_naming_the_failing_check():
    async def hangs() -> bool:
        await asyncio.sleep(10)
        return True

    async def refuses() -> bool:
        raise ConnectionRefusedError("redis://user:secret@host")

    app = make_app({"database": _ok, "redis": refuses, "kafka": hangs})
    status, _, body = await call(app, "GET", "/healthz")
    assert status == 503
    assert body["failed"] == ["kafka", "redis"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["reason"] == "ConnectionRefusedError"
    assert "timed out" in body["checks"]["kafka"]["reason"]
    assert "secret" not in json.dumps(body)


# --- correlation id ------------------------------------------------------------------------


async def test_valid_correlation_id_is_echoed_and_logged(app: Quart, json_logs):
    cid = str(uuid.uuid4())
    _, headers, _ = await call(app, "GET", "/items/7", headers={"X-Correlation-ID": cid})
    assert headers["X-Correlation-ID"] == cid
    [line] = [line for line in json_logs() if line["event"] == "item_read"]
    assert line["correlation_id"] == cid
    assert line["service"] == SERVICE


@pytest.mark.parametrize("sent", ["not-a-uuid", "", "1 OR 1=1"])
async def test_invalid_correlation_id_is_replaced(app: Quart, sent: str):
    _, headers, _ = await call(app, "GET", "/items/7", headers={"X-Correlation-ID": sent})
    assert headers["X-Correlation-ID"] != sent
    assert uuid.UUID(headers["X-Correlation-ID"])


async def test_missing_correlation_id_is_created(app: Quart):
    _, headers, _ = await call(app, "GET", "/items/7")
    assert uuid.UUID(headers["X-Correlation-ID"])


# --- identity ------------------------------------------------------------------------------


async def test_identity_comes_from_gateway_headers(app: Quart):
    status, _, body = await call(app, "GET", "/me", headers={"X-User-ID": "teacher-1", "X-Org-ID": "school-9"})
    assert (status, body) == (200, {"user_id": "teacher-1", "org_id": "school-9"})


async def test_identity_missing_is_401(app: Quart):
    status, _, body = await call(app, "GET", "/me")
    assert status == 401
    assert_error_body(body, "UNAUTHORIZED")
    assert (await call(app, "GET", "/maybe-me"))[2] == {"user_id": None}
